// Espruino timer semantics on the virtual clock (docs/espruino-platform.md §7).
import { describe, it, expect } from "vitest";
import { codeDeviceBooter } from "./helpers.js";

// These tests pin down the timer queue's own semantics, so the statement cost model is off here (with it on,
// callbacks take device time: see cost-model.test.ts).
const boot = codeDeviceBooter({ costModel: false });

describe("timers on the virtual clock", () => {
  it("an idle device fires a 10 ms interval on time: getTime() 0.01, 0.02, ... 0.1", async () => {
    const d = await boot("var t = []; setInterval(function(){ t.push(getTime()); }, 10);");
    expect(d.advance(100)).toBe(10);
    expect(d.evaluate("t.join(',')")).toBe("0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1");
  });

  it("catch-up burst: when time jumps 100 ms, a 10 ms interval fires 10 times at once, all seeing the late getTime()", async () => {
    const d = await boot("var t = []; setInterval(function(){ t.push(getTime()); }, 10);");
    expect(d.advance(100, { jump: true })).toBe(10);
    expect(d.evaluate("t.length")).toBe(10);
    expect(d.evaluate("t.every(function(x){ return x === 0.1; })")).toBe(true);
    // No drift: the interval is back on its 10 ms grid afterwards.
    d.advance(10);
    expect(d.evaluate("t[10]")).toBe(0.11);
  });

  it("a burst interleaves timers: one call per timer per idle-loop pass", async () => {
    const d = await boot("var log = ''; setInterval(function(){ log += 'a'; }, 10); setInterval(function(){ log += 'b'; }, 20);");
    d.advance(40, { jump: true });
    expect(d.evaluate("log")).toBe("ababaa");
  });

  it("an exception in an interval is printed and does not remove the interval", async () => {
    const d = await boot("var n = 0; setInterval(function(){ n++; throw new Error('boom ' + n); }, 10);");
    d.advance(30);
    expect(d.evaluate("n")).toBe(3);
    expect(d.console).toEqual(["Uncaught Error: boom 1", "Uncaught Error: boom 2", "Uncaught Error: boom 3"]);
    expect(d.errors.length).toBe(3);
  });

  it("minimum period is 0.1 ms (setInterval(f, 0) fires 10 times per ms)", async () => {
    const d = await boot("var n = 0, first; setInterval(function(){ if (!n) first = getTime(); n++; }, 0);");
    d.advance(1);
    expect(d.evaluate("n")).toBe(10);
    expect(d.evaluate("first")).toBe(0.0001);
  });

  it("setTimeout fires once, in due order, with extra arguments", async () => {
    const d = await boot("var s = ''; setTimeout(function(x){ s += x; }, 30, 'c'); setTimeout(function(x){ s += x; }, 10, 'a'); setTimeout(function(){ s += 'b'; }, 20);");
    d.advance(5);
    expect(d.evaluate("s")).toBe("");
    d.advance(100);
    expect(d.evaluate("s")).toBe("abc");
  });

  it("clearInterval, changeInterval, clearTimeout() clears all, clearTimeout(undefined) throws", async () => {
    const d = await boot("var n = 0, m = 0; var a = setInterval(function(){ n++; }, 10); var b = setInterval(function(){ m++; }, 10);");
    d.advance(20);
    d.evaluate("clearInterval(a); changeInterval(b, 5);");
    d.advance(20);
    expect(d.evaluate("n")).toBe(2);
    expect(d.evaluate("m")).toBe(6);
    expect(() => d.evaluate("clearTimeout(undefined)")).toThrow();
    d.evaluate("clearTimeout()");
    d.advance(50);
    expect(d.evaluate("m")).toBe(6);
  });

  it("getTime() has microsecond resolution and Date.now() follows the device clock", async () => {
    const d = await boot("");
    d.advance(1.2345678);
    expect(d.evaluate("getTime()")).toBe(0.001235);
    expect(d.evaluate("Date.now()")).toBe(1.2345678);
  });

  it("devices are independent: each has its own clock and timers", async () => {
    const a = await boot("var n = 0; setInterval(function(){ n++; }, 10);");
    const b = await boot("var n = 0; setInterval(function(){ n++; }, 10);");
    a.advance(100);
    b.advance(30);
    expect(a.evaluate("n")).toBe(10);
    expect(b.evaluate("n")).toBe(3);
    expect(a.getTime()).toBe(0.1);
    expect(b.getTime()).toBe(0.03);
  });

  it("stop() clears every timer", async () => {
    const d = await boot("var n = 0; setInterval(function(){ n++; }, 10);");
    await d.stop();
    expect(d.advance(100)).toBe(0);
    expect(d.evaluate("n")).toBe(0);
  });
});
