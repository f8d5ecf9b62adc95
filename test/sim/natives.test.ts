// Native-work charges (host-sim/natives.mjs): built-ins that are expensive on Espruino are charged on top of the
// statement sites, without changing what they do. Each charge is a construct of the calibration table
// (host-sim/calibration.json, read here with loadCalibration(): instructions of the real interpreter per construct,
// MEMORY.md "Calibration"); the expectations below are computed from that table, not from the model's counters.
// Deterministic instruction counts only (no wall time).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, expect } from "vitest";
import { loadCalibration } from "../../host-sim/cost.mjs";
import { codeDeviceBooter, ROOT } from "./helpers.js";

/** instructions per construct, as the simulator charges them */
const K = loadCalibration().constructs;
/** the board the devices below run on: virtual time = instructions / its instructionsPerSecond */
const ESP32_IPS: number = JSON.parse(readFileSync(join(ROOT, "boards", "esp32-devkitc.json"), "utf8")).cost.instructionsPerSecond;
/** instruction counts are sums of fractional table entries: equal up to float rounding */
const near = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 6);

const boot = codeDeviceBooter({ board: "esp32-devkitc" });

const LOOPS =
  "var a = [], t = new Uint16Array(256);" +
  "function pushes(n){ for (var i = 0; i < n; i++) a.push(i); return a.length; }" +
  "function stores(n){ for (var i = 0; i < n; i++) t[i & 255] = i; return n; }" +
  "function fill(x, n){ for (var i = 0; i < n; i++) x[i] = i; return x; }";

describe("native work: plain Arrays", () => {
  it("100 pushes on a plain Array cost more than 100 typed-array stores by 100 x the push's native charge", async () => {
    expect(K.arrayPushItem).toBeGreaterThan(0);
    const d = await boot(LOOPS);
    const off = await boot(LOOPS, { costModel: { natives: false } }); // same statement sites, no native work
    const p = d.cost.count(() => d.evaluate("pushes(100)"));
    const s = d.cost.count(() => d.evaluate("stores(100)"));
    const pOff = off.cost.count(() => off.evaluate("pushes(100)"));
    const sOff = off.cost.count(() => off.evaluate("stores(100)"));
    expect(p.value).toBe(100);
    // `for` + 100 x (iteration + loop-body statement) + return, in both loops; the push itself is native work
    expect(p.statements).toBe(202);
    expect(s.statements).toBe(202);
    near(p.nativeInstructions, 100 * K.arrayPushItem);
    expect(s.nativeInstructions).toBe(0);
    // the statement sites cost the same with and without the wrappers: the whole difference is the pushes
    near(p.instructions - pOff.instructions, 100 * K.arrayPushItem);
    near(s.instructions, sOff.instructions);
    near(p.instructions - s.instructions, pOff.instructions - sOff.instructions + 100 * K.arrayPushItem);
    expect(p.instructions).toBeGreaterThan(s.instructions);
  });

  it("shift walks the whole list: a 200-element shift costs 190 walks more than a 10-element one", async () => {
    expect(K.arrayWalkElement).toBeGreaterThan(0);
    const d = await boot(LOOPS);
    d.evaluate("var long = fill([], 200), short = fill([], 10)");
    const l = d.cost.count(() => d.evaluate("long.shift()"));
    const s = d.cost.count(() => d.evaluate("short.shift()"));
    expect(l.value).toBe(0);
    expect(s.value).toBe(0);
    // jswrap_array_shift: a splice (fixed part) that walks every element, plus pushing the removed one to the result
    near(l.nativeInstructions, K.arraySplice + 200 * K.arrayWalkElement + K.arrayPushItem);
    near(s.nativeInstructions, K.arraySplice + 10 * K.arrayWalkElement + K.arrayPushItem);
    near(l.nativeInstructions - s.nativeInstructions, 190 * K.arrayWalkElement);
    expect(d.evaluate("[long.length, long[0], short.length, short[0]]")).toEqual([199, 1, 9, 1]);
    // shifting an empty array does nothing and costs nothing native
    expect(d.cost.count(() => d.evaluate("[].shift()")).nativeInstructions).toBe(0);
  });

  it("unshift, splice, indexOf and join are charged by length; results are unchanged", async () => {
    const d = await boot(LOOPS);
    d.evaluate("var x = fill([], 50)");
    const u = d.cost.count(() => d.evaluate("x.unshift(-2, -1)"));
    expect(u.value).toBe(52);
    near(u.nativeInstructions, K.arraySplice + 50 * K.arrayWalkElement + 2 * K.arrayPushItem);
    const sp = d.cost.count(() => d.evaluate("x.splice(10, 3, 'a')"));
    expect(Array.from(sp.value as number[])).toEqual([8, 9, 10]);
    // 3 removed (pushed to the result) + 1 inserted
    near(sp.nativeInstructions, K.arraySplice + 52 * K.arrayWalkElement + 4 * K.arrayPushItem);
    const found = d.cost.count(() => d.evaluate("x.indexOf(20)")); // [-2, -1, 0..7, "a", 11, ...]: index 20
    expect(found.value).toBe(20);
    near(found.nativeInstructions, 21 * K.arrayWalkElement);
    const missing = d.cost.count(() => d.evaluate("x.indexOf('zz')"));
    expect(missing.value).toBe(-1);
    near(missing.nativeInstructions, 50 * K.arrayWalkElement);
    const j = d.cost.count(() => d.evaluate("['ab', 'cd', 'ef'].join('-')"));
    expect(j.value).toBe("ab-cd-ef");
    near(j.nativeInstructions, 3 * K.joinElement + "ab-cd-ef".length * K.concatChar);
    expect(missing.nativeInstructions).toBeGreaterThan(found.nativeInstructions); // a miss walks the whole list
  });

  it("generic calls on array-likes behave as before and are not charged", async () => {
    const d = await boot(LOOPS);
    const r = d.cost.count(() => d.evaluate("var o = {length: 0}; Array.prototype.push.call(o, 'x'); [o.length, o[0]]"));
    expect(r.value).toEqual(["1", "x"].map((v, i) => (i === 0 ? 1 : v)));
    expect(r.nativeInstructions).toBe(0);
  });
});

describe("native work: strings and JSON", () => {
  it("String(number), toString and toFixed cost the table's numberToString; String(string) nothing", async () => {
    expect(K.numberToString).toBeGreaterThan(0);
    const d = await boot("function cat(n){ return '' + n; }");
    const n = d.cost.count(() => d.evaluate("String(1.5) + '|' + (255).toString(16) + '|' + (2).toFixed(2)"));
    expect(n.value).toBe("1.5|ff|2.00");
    near(n.nativeInstructions, 3 * K.numberToString);
    expect(d.cost.count(() => d.evaluate("String('abc')")).nativeInstructions).toBe(0);
    // evaluate() runs its text uninstrumented, so its operators are not charged; the wrappers are built-ins and are
    expect(d.cost.count(() => d.evaluate("'' + 1.5")).nativeInstructions).toBe(0);
    // `"" + n` in device code is charged by the instrumentation (not a wrapper): the same number-to-string
    // conversion, plus the concatenation and its result's characters
    const c = d.cost.count(() => d.evaluate("cat(1.5)"));
    expect(c.value).toBe("1.5");
    near(c.nativeInstructions, K.numberToString + K.stringConcat + "1.5".length * K.concatChar);
  });

  it("JSON.stringify is charged per value serialised; parse per value produced", async () => {
    expect(K.jsonValue).toBeGreaterThan(0);
    const d = await boot("var o = {}; for (var i = 0; i < 20; i++) o['k' + i] = i;");
    const s = d.cost.count(() => d.evaluate("JSON.stringify(o)"));
    expect((s.value as string).length).toBeGreaterThan(100);
    near(s.nativeInstructions, 20 * K.jsonValue); // 20 properties
    const p = d.cost.count(() => d.evaluate('JSON.parse(\'{"a": [1, 2, 3], "b": {"c": 1}}\').a[2]'));
    expect(p.value).toBe(3);
    near(p.nativeInstructions, (2 + 3 + 1) * K.jsonValue); // a, b; 1, 2, 3; c
  });
});

describe("native work: time, switches and transparency", () => {
  it("native instructions take instructions / instructionsPerSecond of virtual time (the ESP32 profile's rate)", async () => {
    expect(ESP32_IPS).toBe(160e6);
    const d = await boot(LOOPS + "var big = fill([], 1000);");
    const r = d.cost.count(() => d.evaluate("big.shift()"));
    expect(r.statements).toBe(0);
    near(r.nativeInstructions, K.arraySplice + 1000 * K.arrayWalkElement + K.arrayPushItem);
    expect(r.instructions).toBe(r.nativeInstructions);
    expect(r.ms).toBeGreaterThan(0);
    expect(r.ms).toBeCloseTo(((K.arraySplice + 1000 * K.arrayWalkElement + K.arrayPushItem) / ESP32_IPS) * 1000, 9);
    // the same rate for all the work since power-on (statement sites and natives; nothing advanced the clock
    // otherwise): the device's virtual clock reads the total instruction count at the board's rate
    expect(d.clock.now() - d.clock.startMs).toBeGreaterThan(r.ms);
    expect(d.clock.now() - d.clock.startMs).toBeCloseTo((d.cost.instructions() / ESP32_IPS) * 1000, 9);
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
