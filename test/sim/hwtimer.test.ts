// The hardware utility timer (host-sim/hwtimer.mjs): require("timer") EXEC tasks that interrupt running JS at
// statement boundaries, and Waveform input sampled "in the interrupt". Node has neither; emulating EXEC with
// setInterval would never interleave with a running handler, and sampling from JS would stall while it runs.
import { describe, it, expect } from "vitest";
import { codeDeviceBooter } from "./helpers.js";

const boot = codeDeviceBooter({ board: { name: "t", adc: { pins: [32, 33] }, cost: { perStatementUs: 100 } } });

/** raw ADC code = whole milliseconds of device time (so each sample shows when it was taken) */
const msSignal = { unit: "raw", sample: (t: number) => Math.round(t * 1000) % 4096 };

describe('require("timer") EXEC', () => {
  it("runs at statement boundaries inside a long handler (interleaving with it)", async () => {
    const d = await boot(
      "var log = [], i = 0;" +
        "var id = require('timer').add({ type: 'EXEC', fn: function(){ log.push('E' + i); }, time: 1, interval: 1 });" +
        "function handler(){ for (i = 0; i < 100; i++) { log.push(i); } }" +
        "setTimeout(handler, 0.5);",
      { costModel: { natives: false } } // statement time only (log.push is native work: test/sim/natives.test.ts)
    );
    expect(d.evaluate("id")).toBe(0);
    d.advance(0.5);
    // handler: 100 x (tick + push) = 201 statements = 20.1 ms, plus 0.1 ms per EXEC run it hosts;
    // EXEC due every 1 ms -> it ran about 22 times in between
    const log = Array.from(d.evaluate("log") as (string | number)[]); // (Espruino arrays lack lastIndexOf)
    const during = log.slice(0, log.lastIndexOf(99) + 1).filter((x) => typeof x === "string");
    expect(during.length).toBeGreaterThanOrEqual(19);
    expect(during.length).toBeLessThanOrEqual(24);
    expect(log.indexOf("E" + 5)).toBeGreaterThan(log.indexOf(4)); // saw the handler's progress: i advanced between runs
    expect(log.indexOf("E" + 5)).toBeLessThan(log.indexOf(6));
    expect(d.hw.stats.dropped).toBe(0);
  });

  it("drops triggers while a previous run is still going; remove(), get(), list()", async () => {
    const d = await boot(
      "var runs = 0; function slow(){ runs++; for (var k = 0; k < 25; k++) {} }" + // 26 statements = 2.6 ms
        "var id = require('timer').add({ type: 'EXEC', fn: slow, time: 1, interval: 1 });"
    );
    const t = d.evaluate("require('timer').get(id)") as Record<string, unknown>;
    expect(t.type).toBe("EXEC");
    expect(t.interval).toBe(1);
    expect(typeof t.fn).toBe("function");
    expect((d.evaluate("require('timer').list()") as unknown[]).length).toBe(1);
    d.advance(30);
    const runs = d.evaluate("runs") as number;
    // each run takes 2.7 ms including its own tick: the triggers at +1 and +2 ms fall inside and are dropped
    expect(runs).toBeGreaterThanOrEqual(9);
    expect(runs).toBeLessThanOrEqual(11);
    expect(d.hw.stats.dropped).toBeGreaterThanOrEqual(2 * runs - 2);
    d.evaluate("require('timer').remove(id)");
    d.advance(10);
    expect(d.evaluate("runs")).toBe(runs);
    expect(() => d.evaluate("require('timer').remove(id)")).toThrow(/No timer with ID 0/);
  });
});

describe("Waveform input", () => {
  it("double buffering: 'buffer' fires with the buffer that just filled, samples taken at their own times", async () => {
    const d = await boot(
      "var got = [];" +
        "var w = new Waveform(4, { doubleBuffer: true, bits: 16 });" +
        "w.on('buffer', function (b) { got.push([getTime(), b === w.buffer ? 1 : 2, [].slice.call(b).join(' ')]); });",
      { costModel: false, signals: { D32: msSignal } }
    );
    d.advance(10); // start at t = 10 ms
    d.evaluate("w.startInput(D32, 1000, { repeat: true })");
    expect(d.evaluate("w.running")).toBe(true);
    expect(d.evaluate("w.buffer instanceof Uint16Array && w.buffer2 instanceof Uint16Array")).toBe(true);
    d.advance(12);
    // samples at 10,11,12,13 ms fill buffer 1 (full at 13 ms); 14..17 fill buffer 2 (full at 17 ms); 18..21 buffer 1
    expect(d.evaluate("got")).toEqual([
      [0.013, 1, [10, 11, 12, 13].map((x) => x << 4).join(" ")],
      [0.017, 2, [14, 15, 16, 17].map((x) => x << 4).join(" ")],
      [0.021, 1, [18, 19, 20, 21].map((x) => x << 4).join(" ")],
    ]);
    d.evaluate("w.stop()");
    expect(d.evaluate("w.running")).toBe(false);
  });

  it("samples keep their times while a long JS callback runs; the events wait for the idle loop", async () => {
    const d = await boot(
      "var got = [];" +
        "var w = new Waveform(8, { doubleBuffer: true, bits: 8 });" +
        "w.on('buffer', function (b) { got.push([getTime(), [].slice.call(b).join(' ')]); });" +
        "w.startInput(D32, 1000, { repeat: true });" +
        "setTimeout(function(){ for (var k = 0; k < 100; k++) {} }, 2);", // 101 statements = 10.1 ms busy
      { signals: { D32: { unit: "raw", sample: (t: number) => Math.round(t * 1000) * 16 } } }
    );
    d.advance(20);
    const got = d.evaluate("got") as [number, string][];
    // 8-bit samples: code >> 4 = ms; the first buffer (samples at 0.4..7.4 ms, started at 0.4 ms after 4
    // statements) filled during the busy callback but was delivered only after it (at ~12.5 ms)
    expect(got[0][1]).toBe("0 1 2 3 4 5 6 7");
    expect(got[0][0]).toBeGreaterThan(0.012);
    expect(got[1][1]).toBe("8 9 10 11 12 13 14 15");
  });

  it("without repeat: one buffer, then 'finish' and running = false", async () => {
    const d = await boot(
      "var fin = []; var w = new Waveform(3); w.on('finish', function (b) { fin.push(getTime(), [].slice.call(b).join(' ')); });" +
        "w.startInput(D33, 500);",
      { costModel: false, signals: { D33: { unit: "raw", sample: () => 0xabc } } }
    );
    d.advance(10);
    expect(d.evaluate("fin")).toEqual([0.004, "171 171 171"]);
    expect(d.evaluate("w.running")).toBe(false);
    expect(() => d.evaluate("w.stop()")).toThrow(/Waveform is not running/);
  });
});
