// The JsVar memory model (host-sim/memory.mjs, MEMORY.md) against the reference costs measured on Espruino
// (docs/espruino-platform.md §5), and out-of-memory behaving like the board. Node has no JsVar budget at all.
import { describe, it, expect } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { codeDeviceBooter } from "./helpers.js";

const boot = codeDeviceBooter({});

/** JsVars of the value built by `expr`, measured as the growth of the whole device (global x held). */
async function cost(expr: string): Promise<number> {
  const d = await boot("var x = 0;");
  const before = d.memory.measure();
  d.evaluate("x = " + expr);
  return d.memory.measure() - before + 1; // x held a number (1 JsVar) before
}

describe("JsVar costs within 15% of the measured reference (docs/espruino-platform.md §5)", () => {
  const cases: [string, string, number][] = [
    ["{a:i, b:'x'}", "(function(){ var i = 7; return {a:i, b:'x'}; })()", 5],
    ["plain Array of 1000 small ints", "(function(){ var a = []; for (var i = 0; i < 1000; i++) a.push(i); return a; })()", 1000],
    ["plain Array of 1000 floats", "(function(){ var a = []; for (var i = 0; i < 1000; i++) a.push(i + 0.5); return a; })()", 2000],
    ["Uint16Array(1000)", "new Uint16Array(1000)", 146],
    ["Float64Array(1000)", "new Float64Array(1000)", 590],
    ["object with 100 properties (2 per property)", "(function(){ var o = {}; for (var i = 0; i < 100; i++) o['k' + i] = i; return o; })()", 1 + 200],
    ["string of 1000 characters (9-10 per JsVar)", "new Array(1001).join('a')", 1000 / 9.5],
  ];
  for (const [name, expr, ref] of cases) {
    it(name + " ~ " + Math.round(ref), async () => {
      const got = await cost(expr);
      expect(Math.abs(got - ref) / ref).toBeLessThanOrEqual(0.15);
    });
  }

  it("E.getSizeOf uses the same model; process.memory() reports it with Espruino's fields", async () => {
    const d = await boot("var big = new Uint16Array(1000);");
    expect(d.evaluate("E.getSizeOf(big)")).toBe(146);
    const m = d.evaluate("process.memory()") as Record<string, number>;
    expect(Object.keys(m).sort()).toEqual(["blocksize", "free", "gc", "gctime", "history", "total", "usage"]);
    expect(m.usage).toBe(d.memory.usage);
    expect(m.free).toBe(16383 - m.usage);
    expect(m.blocksize).toBe(14);
  });

  it("module state in the bundle's IIFE closure is counted through the scope accessor", async () => {
    const d = await boot("(function(){ var hist = new Float64Array(1000); function get(){ return hist; } })();");
    expect(d.memory.measure()).toBeGreaterThan(575 + 150);
    expect(d.memory.breakdown.scope).toBeGreaterThanOrEqual(575);
  });

  it("peak is kept until resetPeak()", async () => {
    const d = await boot("var t = new Uint8Array(14000);");
    const high = d.memory.measure();
    d.evaluate("t = undefined");
    expect(d.memory.measure()).toBeLessThan(high - 900);
    expect(d.memory.peak).toBe(high);
    d.memory.resetPeak();
    expect(d.memory.peak).toBe(d.memory.usage);
  });
});

describe("out of memory", () => {
  const tiny = { board: { name: "tiny", jsVars: 2000 }, costModel: { sampleEvery: 50 } };

  it("aborts the running callback: later statements do not run, even inside try/catch; flags are set", async () => {
    const d = await boot(
      "var big = [], after = 0, caught = 0;" +
        "setTimeout(function(){ try { for (var i = 0; i < 100000; i++) big.push(i + 0.5); } catch (e) { caught++; } after = 1; }, 10);",
      tiny
    );
    d.advance(20);
    expect(d.evaluate("after")).toBe(0);
    expect(d.evaluate("caught")).toBe(0);
    const n = d.evaluate("big.length") as number;
    expect(n).toBeGreaterThan(500);
    expect(n).toBeLessThan(1000); // stopped near the 2000-JsVar budget (2 JsVars per float element)
    expect(d.console).toContain("OUT OF MEMORY");
    expect(d.console).toContain("New interpreter error: LOW_MEMORY,MEMORY");
    // E.getErrorFlags() returns the flags and clears them
    expect(d.evaluate("E.getErrorFlags().join(',')")).toBe("LOW_MEMORY,MEMORY");
    expect(d.evaluate("E.getErrorFlags().length")).toBe(0);
  });

  it("an interval whose callback ran out of memory is removed permanently", async () => {
    const d = await boot(
      "var big = [], runs = 0; setInterval(function(){ runs++; for (var i = 0; i < 300; i++) big.push(i + 0.5); }, 10);",
      tiny
    );
    d.advance(100);
    const runs = d.evaluate("runs") as number;
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThan(10);
    expect(d.timers.size()).toBe(0);
    expect(d.console).toContain("ERROR: Error processing interval - removing it.");
    d.evaluate("big = []");
    d.advance(100);
    expect(d.evaluate("runs")).toBe(runs); // still gone once memory is free again
  });

  it("a thrown exception does not remove an interval, and a timeout that runs out of memory is just gone", async () => {
    const d = await boot(
      "var n = 0, big = []; setInterval(function(){ n++; throw new Error('x'); }, 10);" +
        "setTimeout(function(){ for (var i = 0; i < 100000; i++) big.push(i + 0.5); }, 15);",
      tiny
    );
    d.advance(50);
    expect(d.evaluate("n")).toBeGreaterThanOrEqual(4);
    expect(d.timers.size()).toBe(1); // the interval survived both the exceptions and the other callback's OOM
    expect(d.console.filter((l) => l === "ERROR: Error processing interval - removing it.")).toEqual([]);
  });
});

describe("function code: in flash when run from memory-mapped Storage, text in RAM otherwise (MEMORY.md \"Code\")", () => {
  const body = "return '" + "x".repeat(300) + "' + a;";
  const bundle = "var f = function (a) { " + body + " };";
  /** JsVars of global f, measured as the device's growth when f is dropped. */
  async function fnCost(d: SimDevice, name: string): Promise<number> {
    const with_ = d.memory.measure();
    d.evaluate(name + " = 0");
    return with_ - d.memory.measure() + 1; // the number left behind
  }

  it("a function from the bundle (run as .bootcde) on an ESP32: function, code name, NativeString, param, scope = 5", async () => {
    const d = await boot(bundle);
    expect(d.board.codeInFlash).toBe(true);
    expect(await fnCost(d, "f")).toBe(5);
  });

  it("the same function typed at the console (RAM upload) holds its text: 4 + ceil(text / 10)", async () => {
    const d = await boot("var g = 0;");
    d.evaluate("g = function (a) { " + body + " };");
    const text = "function (a) { " + body + " }";
    expect(await fnCost(d, "g")).toBe(4 + Math.ceil(text.length / 10));
  });

  it("a board without memory-mapped Storage (codeInFlash: false) holds the bundle's text too", async () => {
    const d = await boot(bundle, { board: { name: "ram-board", codeInFlash: false } });
    expect(d.board.codeInFlash).toBe(false);
    expect(await fnCost(d, "f")).toBeGreaterThan(30);
  });
});

describe("live frames: the JsVars a running call holds (host-sim/MEMORY.md 'Live frames')", () => {
  // measured on the real interpreter (espruino-16383): process.memory().usage read inside F[k](1, 2), minus the same
  // reader called from the top level; each of these functions is called with two numbers
  const real: [string, string, number][] = [
    ["two parameters", "function(a,b){return m();}", 5],
    ["two parameters, two locals", "function(a,b){var c=1,d=2;return m();}", 8],
    ["long names", "function(alphabetical,b){var cccccccccccccccc=1,d=2;return m();}", 11],
    ["an inner function declaration", "function(a,b){function inner(){} return m();}", 9],
    ["three frames deep", "function(a,b){return F.h1();}", 11],
  ];
  it("match the real interpreter within 1 JsVar, and cost nothing measured from the host", async () => {
    let src = "(function(){var F={},b0=0,v=0;global.OUT=[];function m(){return process.memory(false).usage;}\n";
    src += "F.g0=function(){return m();};F.h1=function(){return F.g0();};\n";
    real.forEach(([, f], i) => (src += "F.f" + i + "=" + f + ";\n"));
    src += "global.RUN=function(){";
    real.forEach((_, i) => (src += "b0=m();v=F.f" + i + "(1,2);OUT.push(v-b0);"));
    src += "};})();";
    const d = await boot(src);
    d.evaluate("RUN()");
    const got = d.evaluate("OUT.join()") as string;
    got.split(",").forEach((v, i) => expect(Math.abs(Number(v) - real[i][2]), real[i][0] + ": " + v).toBeLessThanOrEqual(1));
    expect(d.memory.liveFrames()).toBe(0);
  });
});
