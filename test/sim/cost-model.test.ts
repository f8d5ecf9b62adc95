// The statement cost model (host-sim/cost.mjs, instrument.mjs): every executed statement takes device time,
// so a long handler delays timers as on the board. Node runs JS in zero device time: each of these fails there.
import { describe, it, expect } from "vitest";
import { instrument } from "../../host-sim/instrument.mjs";
import { codeDeviceBooter } from "./helpers.js";

const US = 100; // µs per statement used by these tests (board profile override)
const boot = codeDeviceBooter({ board: { name: "t", cost: { perStatementUs: US } } });

describe("instrumentation", () => {
  it("splices __s(c); before every statement (c: the site's cost, 1 per statement with unit weights) and __k(c); at function entry, braces non-block bodies, keeps lines and declarations in place", () => {
    const src = "var a = 1;\nfunction f(x) {\n  if (x) return 1; else a++;\n  for (var i = 0; i < 2; i++) a++;\n  return a;\n}\n";
    const r = instrument(src);
    expect(r.ok).toBe(true);
    expect(r.code).toBe(
      "__s(1);var a = 1;\n__s(1);function f(x) {\n  __k(0);__s(1);if (x) {__s(1);return 1;} else {__s(1);a++;}\n  __s(1);for (var i = 0; i < 2; i++) {__s(1);__s(1);a++;}\n  __s(1);return a;\n}\n"
    );
    expect(r.code.split("\n").length).toBe(src.split("\n").length);
  });

  it("an if's empty branch becomes braces (a bundler drops a call to an empty function: `if(a);else b()`)", () => {
    const r = instrument("function f(t){if(t.a);else g();if(t.b);for(;t.c;);}");
    expect(r.ok).toBe(true);
    expect(r.code).toBe("__s(1);function f(t){__k(0);__s(1);if(t.a){__k(0);}else {__s(1);g();}__s(1);if(t.b){}else{__k(0);}__s(1);for(;t.c;){__s(1);};}");
    expect(() => new Function(r.code)).not.toThrow();
  });

  it("an IIFE bundle gets a scope accessor listing its top-level bindings", () => {
    const r = instrument("(function(){var s = 1; function g(){ return s; } if (s) { var t = 2; }})();");
    expect(r.scopeNames.sort()).toEqual(["g", "s", "t"]);
    expect(r.code.startsWith('__s(1);(function(){__scope(function(){return {"s":s,"g":g,"t":t}});__k(0);__s(1);var s = 1;')).toBe(true);
  });

  it("statement counts are deterministic for a fixed program", async () => {
    const code = "function work(n){ var s = 0; for (var i = 0; i < n; i++) { s += i; } return s; }";
    const counts: number[] = [];
    for (let k = 0; k < 3; k++) {
      const d = await boot(code);
      counts.push(d.cost.count(() => d.evaluate("work(100)")).statements);
    }
    // var s; for; 100 x (iteration tick + s += i); return
    expect(counts).toEqual([203, 203, 203]);
  });

  it("stats are resettable and count(fn) isolates one call", async () => {
    const d = await boot("function f(){ var a = 1; var b = 2; return a + b; }");
    expect(d.cost.stats.statements).toBe(1); // the declaration statement ran at boot
    d.cost.resetStats();
    expect(d.cost.stats.statements).toBe(0);
    const r = d.cost.count(() => d.evaluate("f()"));
    expect(r.statements).toBe(3);
    expect(r.value).toBe(3);
    expect(r.ms).toBeCloseTo((3 * US) / 1000, 9);
  });

  it("costModel: false runs the bundle untouched: no counts, no charged time", async () => {
    const d = await boot("function f(){ for (var i = 0; i < 1000; i++) {} }", { costModel: false });
    d.evaluate("f()");
    expect(d.cost.stats.statements).toBe(0);
    expect(d.now()).toBe(0);
  });
});

describe("device time under the cost model", () => {
  it("a long handler delays a 10 ms interval by exactly its statements x µs/statement", async () => {
    // busy(): 5000 iterations x 2 ticks (iteration + x++) + `var x` + `for` = 10 002 statements x 100 µs
    const d = await boot(
      "var ticks = []; setInterval(function(){ ticks.push(getTime()); }, 10);" +
        "function busy(){ var x = 0; for (var i = 0; i < 5000; i++) { x++; } }" +
        "setTimeout(busy, 25);",
      { costModel: { natives: false } } // statement time only (ticks.push is native work: test/sim/natives.test.ts)
    );
    // boot ran 4 statements: setInterval was registered at 0.2 ms (due 10.2, 20.2, ...), setTimeout at 0.4 ms
    expect(d.now()).toBeCloseTo(0.4, 9);
    d.advance(25.3 - d.now());
    expect(d.evaluate("ticks")).toEqual([0.0103, 0.0203]); // on time, +1 statement before getTime()
    const r = d.cost.count(() => d.advance(0.1));
    // busy() at 25.4 ms takes 1000.2 ms; the ticks due 30.2 ... 1020.2 ms could not run meanwhile and fire in
    // one catch-up burst right after it (100 callbacks of 1 statement)
    expect(r.statements).toBe(10_002 + 100);
    expect(d.now()).toBeCloseTo(25.4 + 1000.2 + 100 * 0.1, 6);
    const ticks = d.evaluate("ticks") as number[];
    expect(ticks.length).toBe(102);
    expect(ticks[2]).toBe(1.0257); // the 30.2 ms tick, 995.5 ms late
    expect(ticks[101]).toBe(1.0356);
    // back on the 10 ms grid afterwards (no drift): next due 1030.2 -> already late, then 1040.2
    d.advance(1040.2 - d.now());
    expect((d.evaluate("ticks") as number[]).slice(102)).toEqual([1.0357, 1.0403]);
  });

  it("realtime clock: statements are counted, not charged", async () => {
    const d = await boot("function f(){ for (var i = 0; i < 100; i++) {} }", { clock: "realtime" });
    const r = d.cost.count(() => d.evaluate("f()"));
    expect(r.statements).toBe(101); // for + 100 iteration ticks
    expect(d.cost.stats.chargedMs).toBe(0);
  });
});
