// Native-work charges (host-sim/natives.mjs): built-ins that are expensive on Espruino are charged in
// instructions (espruino-dialect.md section 6) on top of the statement counter, without changing what they do.
// Deterministic instruction counts only (no wall time).
import { describe, it, expect, afterEach } from "vitest";
import { SimDevice } from "../../host-sim/index.mjs";
import {
  PUSH_PER_ITEM, WALK_PER_ELEMENT, SPLICE_BASE, JOIN_PER_ELEMENT, COPY_PER_CHAR, NUMBER_TO_STRING, JSON_PER_VALUE,
} from "../../host-sim/natives.mjs";
import { codeDevice } from "./helpers.js";

const TICK = 6900; // board.cost.perStatement of every profile (an empty loop iteration)
const devices: SimDevice[] = [];
async function boot(code: string, opts: Record<string, unknown> = {}): Promise<SimDevice> {
  const d = codeDevice(code, { board: "esp32-devkitc", ...opts });
  devices.push(d);
  await d.boot();
  return d;
}
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

const LOOPS =
  "var a = [], t = new Uint16Array(256);" +
  "function pushes(n){ for (var i = 0; i < n; i++) a.push(i); return a.length; }" +
  "function stores(n){ for (var i = 0; i < n; i++) t[i & 255] = i; return n; }" +
  "function fill(x, n){ for (var i = 0; i < n; i++) x[i] = i; return x; }";

describe("native work: plain Arrays", () => {
  it("100 pushes on a plain Array cost (2 ticks + push) per iteration, 100 typed-array stores 2 ticks", async () => {
    const d = await boot(LOOPS);
    const p = d.cost.count(() => d.evaluate("pushes(100)"));
    const s = d.cost.count(() => d.evaluate("stores(100)"));
    expect(p.value).toBe(100);
    // `for` + 100 x (iteration tick + push statement) + return; the push itself is native work
    expect(p.statements).toBe(202);
    expect(p.nativeInstructions).toBe(100 * PUSH_PER_ITEM);
    expect(s.statements).toBe(202);
    expect(s.nativeInstructions).toBe(0);
    expect(p.instructions).toBe(202 * TICK + 100 * 12100);
    // per iteration: push + join line of section 6 (38 k, half of its native part is the push) vs the
    // typed-array store (13.8 k = 2 ticks)
    const ratio = (p.instructions - 2 * TICK) / (s.instructions - 2 * TICK);
    expect(ratio).toBeCloseTo((2 * TICK + PUSH_PER_ITEM) / (2 * TICK), 2);
    expect(ratio).toBeGreaterThan(1.8);
  });

  it("shift walks the whole list: a 200-element shift costs 190 walks more than a 10-element one", async () => {
    const d = await boot(LOOPS);
    d.evaluate("var long = fill([], 200), short = fill([], 10)");
    const l = d.cost.count(() => d.evaluate("long.shift()"));
    const s = d.cost.count(() => d.evaluate("short.shift()"));
    expect(l.value).toBe(0);
    expect(s.value).toBe(0);
    expect(l.nativeInstructions).toBe(SPLICE_BASE + 200 * WALK_PER_ELEMENT + PUSH_PER_ITEM);
    expect(s.nativeInstructions).toBe(SPLICE_BASE + 10 * WALK_PER_ELEMENT + PUSH_PER_ITEM);
    expect(l.nativeInstructions - s.nativeInstructions).toBe(190 * WALK_PER_ELEMENT);
    expect(d.evaluate("[long.length, long[0], short.length, short[0]]")).toEqual([199, 1, 9, 1]);
    // shifting an empty array does nothing and costs nothing native
    expect(d.cost.count(() => d.evaluate("[].shift()")).nativeInstructions).toBe(0);
  });

  it("unshift, splice, indexOf and join are charged by length; results are unchanged", async () => {
    const d = await boot(LOOPS);
    d.evaluate("var x = fill([], 50)");
    const u = d.cost.count(() => d.evaluate("x.unshift(-2, -1)"));
    expect(u.value).toBe(52);
    expect(u.nativeInstructions).toBe(SPLICE_BASE + 50 * WALK_PER_ELEMENT + 2 * PUSH_PER_ITEM);
    const sp = d.cost.count(() => d.evaluate("x.splice(10, 3, 'a')"));
    expect(Array.from(sp.value as number[])).toEqual([8, 9, 10]);
    expect(sp.nativeInstructions).toBe(SPLICE_BASE + 52 * WALK_PER_ELEMENT + 4 * PUSH_PER_ITEM);
    const found = d.cost.count(() => d.evaluate("x.indexOf(20)")); // [-2, -1, 0..7, "a", 11, ...]: index 20
    expect(found.value).toBe(20);
    expect(found.nativeInstructions).toBe(21 * WALK_PER_ELEMENT);
    const missing = d.cost.count(() => d.evaluate("x.indexOf('zz')"));
    expect(missing.value).toBe(-1);
    expect(missing.nativeInstructions).toBe(50 * WALK_PER_ELEMENT);
    const j = d.cost.count(() => d.evaluate("['ab', 'cd', 'ef'].join('-')"));
    expect(j.value).toBe("ab-cd-ef");
    expect(j.nativeInstructions).toBe(3 * JOIN_PER_ELEMENT + 8 * COPY_PER_CHAR);
  });

  it("generic calls on array-likes behave as before and are not charged", async () => {
    const d = await boot(LOOPS);
    const r = d.cost.count(() => d.evaluate("var o = {length: 0}; Array.prototype.push.call(o, 'x'); [o.length, o[0]]"));
    expect(r.value).toEqual(["1", "x"].map((v, i) => (i === 0 ? 1 : v)));
    expect(r.nativeInstructions).toBe(0);
  });
});

describe("native work: strings and JSON", () => {
  it("String(number), toString and toFixed cost NUMBER_TO_STRING; String(string) nothing", async () => {
    const d = await boot("");
    const n = d.cost.count(() => d.evaluate("String(1.5) + '|' + (255).toString(16) + '|' + (2).toFixed(2)"));
    expect(n.value).toBe("1.5|ff|2.00");
    expect(n.nativeInstructions).toBe(3 * NUMBER_TO_STRING);
    expect(d.cost.count(() => d.evaluate("String('abc')")).nativeInstructions).toBe(0);
    // `"" + n` is an operator: not seen (documented)
    expect(d.cost.count(() => d.evaluate("'' + 1.5")).nativeInstructions).toBe(0);
  });

  it("JSON.stringify of 20 keys costs 142 k (section 6); parse is charged per value produced", async () => {
    const d = await boot("var o = {}; for (var i = 0; i < 20; i++) o['k' + i] = i;");
    const s = d.cost.count(() => d.evaluate("JSON.stringify(o)"));
    expect((s.value as string).length).toBeGreaterThan(100);
    expect(s.nativeInstructions).toBe(142000);
    const p = d.cost.count(() => d.evaluate('JSON.parse(\'{"a": [1, 2, 3], "b": {"c": 1}}\').a[2]'));
    expect(p.value).toBe(3);
    expect(p.nativeInstructions).toBe((2 + 3 + 1) * JSON_PER_VALUE);
  });
});

describe("native work: time, switches and transparency", () => {
  it("native instructions take instructions / instructionsPerSecond of virtual time (160 M/s on the ESP32)", async () => {
    const d = await boot(LOOPS + "var big = fill([], 1000);");
    const r = d.cost.count(() => d.evaluate("big.shift()"));
    expect(r.statements).toBe(0);
    expect(r.ms).toBeCloseTo((r.nativeInstructions / 160e6) * 1000, 9);
    expect(d.cost.instructions()).toBe(d.cost.stats.statements * TICK + d.cost.stats.nativeInstructions);
  });

  it("a costModel: false device wraps nothing and charges nothing", async () => {
    const d = await boot(LOOPS, { costModel: false });
    const r = d.cost.count(() => d.evaluate("pushes(100); a.shift(); JSON.stringify(a); String(1)"));
    expect(r.value).toBe("1");
    expect(r.statements).toBe(0);
    expect(r.nativeInstructions).toBe(0);
    expect(d.cost.stats.chargedMs).toBe(0);
    expect(d.evaluate("[].push.toString()")).toBe("function push() { [native code] }");
    expect(d.evaluate("String.toString()")).toBe("function String() { [native code] }");
  });

  it("natives: false keeps the statement counter and charges no native work", async () => {
    const d = await boot(LOOPS, { costModel: { natives: false } });
    const r = d.cost.count(() => d.evaluate("pushes(10)"));
    expect(r.statements).toBe(22);
    expect(r.nativeInstructions).toBe(0);
  });

  it("return values, this, exceptions and property attributes are the same with and without the cost model", async () => {
    const probe =
      "(function(){ var out = [], a = [3, 1, 2];" +
      "out.push(a.push(4, 5), a.shift(), a.unshift(0), a.splice(1, 2, 'x').join('/'), a.indexOf('x'), a.join());" +
      "out.push(String(), String(undefined), String(12.25), typeof new String('s'), new String('s') instanceof String," +
      "  'q'.constructor === String, String.fromCharCode(72, 105), (10).toString(2), (1.005).toFixed(2));" +
      "out.push(JSON.stringify({a: [1, {b: 2}], c: 'd'}), JSON.parse('[1,{\"e\":2}]')[1].e);" +
      "var ap = Array.prototype, d = Object.getOwnPropertyDescriptor(ap, 'push');" +
      "out.push(d.writable, d.enumerable, d.configurable, ap.push.name, ap.push.length, 'prototype' in ap.push," +
      "  ap.splice.length, ap.join.name, JSON.stringify.length, String.length, String.name, Object.keys(ap).length);" +
      "var gs = Object.getOwnPropertyDescriptor(global, 'String');" +
      "out.push(gs.writable, gs.enumerable, gs.configurable);" +
      "var e1, e2; try { Number.prototype.toString.call('x'); } catch (e) { e1 = e.name; }" +
      "try { new ap.push(); } catch (e) { e2 = e.name; }" +
      "try { JSON.parse('{'); } catch (e) { out.push(e.name); }" +
      "out.push(e1, e2);" +
      "return JSON.stringify(out); })()";
    const on = await boot("");
    const off = await boot("", { costModel: false });
    const a = on.evaluate(probe);
    expect(a).toBe(off.evaluate(probe));
    expect(JSON.parse(a as string)).toContain("TypeError");
  });

  it("the memory model sees the same usage with and without the wrappers (they are built-ins)", async () => {
    const code = LOOPS + "var keep = [].push, s = String, arr = fill([], 30);";
    const quiet = { sampleEvery: 0, memoryAtCallbackEnd: false };
    const on = await boot(code, { costModel: quiet });
    const off = await boot(code, { costModel: { ...quiet, natives: false } });
    expect(on.memory.measure()).toBe(off.memory.measure());
    expect(on.memory.breakdown).toEqual(off.memory.breakdown);
  });
});
