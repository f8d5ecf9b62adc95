// startSampling end to end: the test firmware (test/fixtures/firmware/sampling-main.ts) built by the real
// pipeline runs in SimDevice on a virtual clock with known signals. Expected ADC codes are computed here
// from the signal definitions (not by the firmware), then compared with exact counts, histogram buckets and
// sums, window min/max; the completeness invariant is checked in every body, including bodies rendered
// while the clock advances between families; overflow both ways, stalls, clock steps, a removed timer,
// all three strategies, and the dialect gate on the fixture bundle.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { docsTable } from "../metrics/helpers.js";
import { afterEach, describe, expect, it } from "vitest";
import { boot, codeOf, completeness, fixtureBundle, parse, val, PROFILE, type Booted } from "./fixture.js";
import { tempDir } from "../support/temp-dir.js";

const BUCKETS = [0.25, 0.5, 1, 1.5, 2, 2.5, 3];
const LE = ["0.25", "0.5", "1", "1.5", "2", "2.5", "3", "+Inf"];
const running: Booted[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.dev.stop();
});
async function start(o: Parameters<typeof boot>[0]): Promise<Booted> {
  const b = await boot(o);
  running.push(b);
  expect(b.dev.errors).toEqual([]);
  return b;
}

const volts = (code: number) => (code * 3600) / 4096000;
/** Per-bucket (not cumulative) expected counts and the code sum for a list of codes. */
function expectHist(codes: number[]): { counts: number[]; sum: number } {
  const counts = new Array(BUCKETS.length + 1).fill(0);
  let sum = 0;
  for (const c of codes) {
    let i = 0;
    while (i < BUCKETS.length && volts(c) > BUCKETS[i]) i++;
    counts[i]++;
    sum += c;
  }
  return { counts, sum };
}
function checkHist(m: Map<string, number>, ch: string, codes: number[]): void {
  const e = expectHist(codes);
  let cum = 0;
  for (let i = 0; i < LE.length; i++) {
    cum += e.counts[i];
    expect(val(m, 'espruino_adc_volts_bucket{channel="' + ch + '",le="' + LE[i] + '"}'), ch + " le=" + LE[i]).toBe(cum);
  }
  expect(val(m, 'espruino_adc_volts_count{channel="' + ch + '"}')).toBe(codes.length);
  expect(val(m, 'espruino_adc_volts_sum{channel="' + ch + '"}')).toBeCloseTo(volts(e.sum), 9);
}
function invariant(m: Map<string, number>, chans: string[]): void {
  for (const ch of chans) {
    const c = completeness(m, ch);
    expect(c.taken, "invariant " + ch + " " + JSON.stringify(c)).toBe(c.aggregated + c.buffered + c.dropped);
  }
}
/** sawtooth 0 -> 3 V per second, as host-sim's ramp computes it */
const rampV = (t: number) => 3 * (t - Math.floor(t));
const tickT = (k: number, periodMs = 10) => Math.round(k * periodMs * 1000) / 1e6;

const TWO = [
  { name: "a", pin: "D32" },
  { name: "b", pin: "D33" },
];

describe("interval strategy, exact values", () => {
  it("constant signals: every channel visible from the first scrape, then exact counts, buckets, sums, min/max", async () => {
    const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy: "interval", windowSeconds: 1 }, signals: { D32: 1.2, D33: 0.5 } });
    expect(b.eval("__t.handle().strategy")).toBe("interval");
    let m = parse(b.scrape());
    for (const ch of ["a", "b"]) {
      expect(completeness(m, ch)).toEqual({ taken: 0, aggregated: 0, buffered: 0, dropped: 0 });
      expect(val(m, 'espruino_adc_min_volts{channel="' + ch + '"}')).toBeNaN();
      expect(val(m, 'espruino_adc_last_volts{channel="' + ch + '"}')).toBeNaN();
    }
    b.dev.advance(2500);
    m = parse(b.scrape());
    invariant(m, ["a", "b"]);
    const ca = codeOf(1.2);
    const cb = codeOf(0.5);
    expect(completeness(m, "a")).toEqual({ taken: 250, aggregated: 250, buffered: 0, dropped: 0 });
    checkHist(m, "a", new Array(250).fill(ca));
    checkHist(m, "b", new Array(250).fill(cb));
    expect(val(m, 'espruino_adc_min_volts{channel="a"}')).toBeCloseTo(volts(ca), 12);
    expect(val(m, 'espruino_adc_max_volts{channel="b"}')).toBeCloseTo(volts(cb), 12);
    expect(val(m, 'espruino_adc_last_volts{channel="a"}')).toBeCloseTo(volts(ca), 12);
    expect(val(m, "espruino_sampler_ticks_missed_total")).toBe(0);
    expect(val(m, "espruino_sampler_errors_total")).toBe(0);
    expect(val(m, "espruino_sampler_stalled")).toBe(0);
    expect(val(m, 'espruino_adc_samples_invalid_total{channel="a"}')).toBe(0);
    expect(b.eval("__t.volts(1)")).toBeCloseTo(volts(cb), 12);
  });

  it("ramp: histogram and sum over every sample, min/max of the last closed window exactly", async () => {
    const b = await start({
      config: { channels: [TWO[0]], sampleRateHz: 100, strategy: "interval", windowSeconds: 1 },
      signals: { D32: { type: "ramp", from: 0, to: 3, duration: 1 } },
    });
    b.dev.advance(2500);
    const m = parse(b.scrape());
    const codes: number[] = [];
    for (let k = 1; k <= 250; k++) codes.push(codeOf(rampV(tickT(k))));
    checkHist(m, "a", codes);
    // last closed window [1, 2): drained at the 2 s boundary, so ticks 101..200 (t = 1.01 .. 2.00)
    const win = codes.slice(100, 200);
    expect(val(m, 'espruino_adc_min_volts{channel="a"}')).toBeCloseTo(volts(Math.min(...win)), 12);
    expect(val(m, 'espruino_adc_max_volts{channel="a"}')).toBeCloseTo(volts(Math.max(...win)), 12);
    expect(val(m, 'espruino_adc_last_volts{channel="a"}')).toBeCloseTo(volts(codes[249]), 12);
  });

  it("sine, step, noise and CSV signals: exact histograms from independently computed codes", async () => {
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const csv = join(tempDir("csv-"), "sig.csv");
    writeFileSync(csv, "t,volts\n0,0.1\n0.5,2.9\n1,0.4\n");
    const chans = [
      { name: "sine", pin: "D32" },
      { name: "step", pin: "D33" },
      { name: "csv", pin: "D34" },
    ];
    const b = await start({
      config: { channels: chans, sampleRateHz: 50, strategy: "interval", windowSeconds: 1 },
      signals: {
        D32: { type: "sine", offset: 1.65, amplitude: 1, frequency: 3 },
        D33: { type: "step", before: 0.3, after: 2.2, at: 0.7 },
        D34: { type: "csv", file: csv, interpolation: "hold" },
      },
    });
    b.dev.advance(1500);
    const m = parse(b.scrape());
    invariant(m, ["sine", "step", "csv"]);
    const sine: number[] = [];
    const step: number[] = [];
    const hold: number[] = [];
    for (let k = 1; k <= 75; k++) {
      const t = tickT(k, 20);
      sine.push(codeOf(1.65 + Math.sin(2 * Math.PI * 3 * t)));
      step.push(codeOf(t < 0.7 ? 0.3 : 2.2));
      hold.push(codeOf(t < 0.5 ? 0.1 : t < 1 ? 2.9 : 0.4));
    }
    checkHist(m, "sine", sine);
    checkHist(m, "step", step);
    checkHist(m, "csv", hold);
  });

  it("noise: counts exact and values inside mean +- amplitude", async () => {
    const b = await start({
      config: { channels: [TWO[0]], sampleRateHz: 100, strategy: "interval", windowSeconds: 1 },
      signals: { D32: { type: "noise", mean: 1.65, amplitude: 0.1, seed: 7 } },
    });
    b.dev.advance(1500);
    const m = parse(b.scrape());
    expect(completeness(m, "a")).toEqual({ taken: 150, aggregated: 150, buffered: 0, dropped: 0 });
    expect(val(m, 'espruino_adc_min_volts{channel="a"}')).toBeGreaterThanOrEqual(volts(codeOf(1.55)) - 1e-3);
    expect(val(m, 'espruino_adc_max_volts{channel="a"}')).toBeLessThanOrEqual(volts(codeOf(1.75)) + 1e-3);
    const mean = val(m, 'espruino_adc_volts_sum{channel="a"}') / 150;
    expect(Math.abs(mean - 1.65)).toBeLessThan(0.03);
  });

  it("a non-ADC reading (NaN) is counted as taken, dropped and invalid, never thrown", async () => {
    // D25 is not an ADC pin on the simulated board (analogRead -> NaN) but the stored profile allows it
    const profile = { ...PROFILE, adc: { ...PROFILE.adc, pinNames: [...PROFILE.adc.pinNames, "D25"] } };
    const b = await start({ profile, config: { channels: [{ name: "x", pin: "D25" }], sampleRateHz: 100, strategy: "interval" } });
    b.dev.advance(1000);
    const m = parse(b.scrape());
    expect(completeness(m, "x")).toEqual({ taken: 100, aggregated: 0, buffered: 0, dropped: 100 });
    expect(val(m, 'espruino_adc_samples_invalid_total{channel="x"}')).toBe(100);
    expect(val(m, "espruino_sampler_errors_total")).toBe(0);
  });
});

describe("a read that throws", () => {
  it("the general tick (2 samples per tick): stores nothing for the channel whose read threw", async () => {
    const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy: "interval", samplesPerTick: 2 }, signals: { D32: 0.7, D33: 3.3 } });
    b.dev.advance(1000);
    const before = parse(b.scrape());
    const b0 = completeness(before, "b");
    b.eval("__t.throwOn(1)");
    b.dev.advance(2000);
    const m = parse(b.scrape());
    expect(completeness(m, "b")).toEqual(b0);
    // the tick reads from the last channel: once b throws, a is not reached either
    expect(completeness(m, "a").taken).toBe(completeness(before, "a").taken);
    expect(val(m, "espruino_sampler_errors_total")).toBeGreaterThanOrEqual(90);
  });
  for (const strategy of ["interval", "timer"]) {
    it(strategy + ": stores nothing for its channel (no stale slot aggregated), is counted as an error, and is not a stall", async () => {
      const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy }, signals: { D32: 0.7, D33: 3.3 } });
      b.dev.advance(1000);
      const before = parse(b.scrape());
      const a0 = completeness(before, "a");
      const b0 = completeness(before, "b");
      // the tick reads the channels from the last to the first: b's read throws, so a is not read either
      b.eval("__t.throwOn(1)");
      b.dev.advance(3000);
      const m = parse(b.scrape());
      expect(completeness(m, "a")).toEqual(a0);
      expect(completeness(m, "b")).toEqual(b0);
      expect(val(m, "espruino_sampler_errors_total")).toBeGreaterThanOrEqual(290);
      expect(val(m, "espruino_sampler_stalled")).toBe(0);
      expect(val(m, "espruino_sampler_restarts_total")).toBe(0);
    });
  }
});

describe("consistency while sampling runs during a scrape", () => {
  for (const strategy of ["interval", "timer", "waveform"]) {
    it(strategy + ": the invariant holds in every body, with the clock advancing between families", async () => {
      const b = await start({
        config: { channels: TWO, sampleRateHz: 100, strategy, windowSeconds: 1 },
        signals: { D32: { type: "ramp", from: 0, to: 3, duration: 1 }, D33: 2 },
        costModel: true,
      });
      expect(b.eval("__t.handle().strategy")).toBe(strategy);
      let prev = 0;
      for (let round = 0; round < 6; round++) {
        b.dev.advance(333);
        const body = b.scrape(() => b.dev.advance(7));
        const m = parse(body);
        invariant(m, ["a", "b"]);
        const taken = completeness(m, "a").taken;
        expect(taken).toBeGreaterThanOrEqual(prev);
        prev = taken;
      }
      expect(prev).toBeGreaterThan(100);
      expect(b.dev.errors).toEqual([]);
    });
  }

  it("over HTTP: a streamed /metrics body satisfies the invariant", async () => {
    const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy: "timer" }, signals: { D32: 1, D33: 2 }, costModel: true });
    b.dev.advance(1200);
    const port = b.dev.hostPort(8080)!;
    const res = await fetch("http://127.0.0.1:" + port + "/metrics");
    const body = await res.text();
    expect(res.headers.get("content-type")).toContain("text/plain");
    const m = parse(body);
    invariant(m, ["a", "b"]);
    expect(completeness(m, "a").taken).toBeGreaterThan(50);
  });
});

describe("overflow without drains", () => {
  for (const overflow of ["overwrite-oldest", "refuse-newest"]) {
    it(overflow + ": exact taken/aggregated/dropped and which samples were kept", async () => {
      const b = await start({
        config: { channels: [TWO[0]], sampleRateHz: 100, strategy: "interval", ringCapacity: 16, overflow, windowSeconds: 3600 },
        signals: { D32: { type: "ramp", from: 0, to: 3, duration: 1 } },
      });
      b.dev.advance(1000);
      const m = parse(b.scrape());
      expect(completeness(m, "a")).toEqual({ taken: 100, aggregated: 16, buffered: 0, dropped: 84 });
      const codes: number[] = [];
      for (let k = 1; k <= 100; k++) codes.push(codeOf(rampV(tickT(k))));
      checkHist(m, "a", overflow === "refuse-newest" ? codes.slice(0, 16) : codes.slice(84));
    });
  }
});

describe("several samples per tick (the general tick)", () => {
  it("samplesPerTick 5 on two channels: every sample stored once, in its own channel", async () => {
    const b = await start({
      config: { channels: TWO, sampleRateHz: 100, strategy: "interval", samplesPerTick: 5, windowSeconds: 3600 },
      signals: { D32: { type: "ramp", from: 0, to: 3, duration: 1 }, D33: 1.5 },
    });
    b.dev.advance(1000);
    const m = parse(b.scrape());
    for (const ch of ["a", "b"]) expect(completeness(m, ch)).toEqual({ taken: 100, aggregated: 100, buffered: 0, dropped: 0 });
    // a tick every 50 ms reads 5 samples of each channel at the same instant
    const codes: number[] = [];
    for (let k = 1; k <= 20; k++) for (let j = 0; j < 5; j++) codes.push(codeOf(rampV(tickT(k, 50))));
    checkHist(m, "a", codes);
    checkHist(m, "b", new Array(100).fill(codeOf(1.5)));
  });
});

describe("liveness, missed ticks, clock steps", () => {
  // interval: Espruino fires a late interval again until it has caught up. timer (EXEC): jswrap_timer.c queues one
  // EV_RUN_INTERRUPT_JS per trigger unless a task is running right now, so a loop blocked outside JS runs every
  // queued trigger afterwards (host-sim/hwtimer.mjs). Either way no tick is skipped: they run late.
  for (const strategy of ["interval", "timer"]) {
    it(strategy + ", a 2 s stall: the catch-up burst runs every tick late (199 late, 0 missed), no restart", async () => {
      // the ring holds 4 s of samples, so the 200-tick burst fits (with the default 2 s ring it overflows: dropped)
      const b = await start({ config: { channels: [TWO[0]], sampleRateHz: 100, strategy, ringCapacity: 400 }, signals: { D32: 1 } });
      b.dev.advance(500);
      b.dev.fault("stall", { ms: 2000 });
      b.dev.advance(500);
      const m = parse(b.scrape());
      // 3 s at 100 Hz: every one of the 300 ticks ran (199 of them late, in the burst right after the stall)
      expect(completeness(m, "a")).toEqual({ taken: 300, aggregated: 300, buffered: 0, dropped: 0 });
      expect(val(m, "espruino_sampler_ticks_missed_total")).toBe(0);
      expect(val(m, "espruino_sampler_ticks_late_total")).toBe(199);
      expect(val(m, "espruino_sampler_restarts_total")).toBe(0);
      expect(val(m, "espruino_sampler_stalled")).toBe(0);
      expect(val(m, "espruino_clock_steps_total")).toBe(0);
    });
  }

  it("clock steps forward and back are counted as steps, not missed ticks or stalls", async () => {
    const b = await start({ config: { channels: [TWO[0]], sampleRateHz: 100, strategy: "interval", windowSeconds: 1 }, signals: { D32: 1 } });
    b.dev.advance(500);
    b.dev.fault("clock-step", { seconds: 3600 });
    b.dev.advance(1500);
    b.dev.fault("clock-step", { seconds: -3600 });
    b.dev.advance(1500);
    const m = parse(b.scrape());
    expect(val(m, "espruino_clock_steps_total")).toBe(2);
    expect(val(m, "espruino_sampler_ticks_missed_total")).toBe(0);
    expect(val(m, "espruino_sampler_restarts_total")).toBe(0);
    expect(completeness(m, "a")).toEqual({ taken: 350, aggregated: 350, buffered: 0, dropped: 0 });
  });

  for (const strategy of ["interval", "timer", "waveform"]) {
    it(strategy + ": a removed sampler is detected, counted, re-armed; the gap becomes missed ticks", async () => {
      const b = await start({ config: { channels: [TWO[0]], sampleRateHz: 100, strategy }, signals: { D32: 1 } });
      b.dev.advance(500);
      b.eval("__t.kill()");
      b.dev.advance(1500);
      let m = parse(b.scrape());
      expect(val(m, "espruino_sampler_restarts_total")).toBe(0);
      b.dev.advance(5000);
      m = parse(b.scrape());
      expect(val(m, "espruino_sampler_restarts_total")).toBe(1);
      expect(val(m, "espruino_sampler_stalled")).toBe(0);
      expect(b.eval("__t.stalled()")).toBe(false);
      invariant(m, ["a"]);
      const c = completeness(m, "a");
      const missed = val(m, "espruino_sampler_ticks_missed_total");
      if (strategy === "waveform") {
        // a tick is a 10-sample buffer; lost buffers are not re-counted as samples here (never filled)
        expect(c.taken).toBeGreaterThan(400);
        expect(missed).toBeGreaterThan(20);
      } else {
        // 7 s at 100 Hz: every tick is either taken or counted as missed
        expect(Math.abs(c.taken + missed - 700)).toBeLessThanOrEqual(2);
        expect(missed).toBeGreaterThan(200);
      }
    });
  }

  it("reports stalled between detection and recovery when re-arming cannot help", async () => {
    const b = await start({ config: { channels: [TWO[0]], sampleRateHz: 100, strategy: "interval" }, signals: { D32: 1 } });
    b.dev.advance(500);
    // every re-arm installs a callback that never ticks
    b.eval("__t.kill(); __t.silenceTicks();");
    b.dev.advance(3500);
    const m = parse(b.scrape());
    expect(val(m, "espruino_sampler_stalled")).toBe(1);
    expect(b.eval("__t.stalled()")).toBe(true);
    expect(val(m, "espruino_sampler_restarts_total")).toBeGreaterThanOrEqual(1);
  });
});

describe("strategies and boot re-runs", () => {
  it("timer (EXEC) and waveform give exact counts on a constant signal", async () => {
    for (const strategy of ["timer", "waveform"]) {
      const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy }, signals: { D32: 0.7, D33: 3.3 } });
      expect(b.eval("__t.handle().strategy")).toBe(strategy);
      b.dev.advance(1050);
      const m = parse(b.scrape());
      // timer: a tick every 10 ms from 10 ms to 1050 ms; waveform: 10-sample buffers from t = 0, ten full by 0.99 s
      const n = strategy === "timer" ? 105 : 100;
      expect(completeness(m, "a")).toEqual({ taken: n, aggregated: n, buffered: 0, dropped: 0 });
      checkHist(m, "a", new Array(n).fill(codeOf(0.7)));
      checkHist(m, "b", new Array(n).fill(codeOf(3.3)));
      expect(val(m, "espruino_sampler_ticks_missed_total")).toBe(0);
    }
  });

  it("timer falls back to setInterval below the profile's minVersion, with a console message", async () => {
    const b = await start({ simBoard: { ...PROFILE, version: "2v25" }, config: { channels: [TWO[0]], sampleRateHz: 100, strategy: "timer" }, signals: { D32: 1 } });
    expect(b.eval("__t.handle().strategy")).toBe("interval");
    expect(b.dev.console.join("\n")).toContain('sampler: timer needs 2v29, have 2v25; using setInterval');
    b.dev.advance(1000);
    expect(completeness(parse(b.scrape()), "a").taken).toBe(100);
  });

  it("re-running startSampling: no leaked timers, no double registration, totals continue", async () => {
    const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy: "interval" }, signals: { D32: 1, D33: 2 } });
    b.dev.advance(1000);
    const timers = (b.dev as unknown as { timers: { timers: Map<number, unknown> } }).timers.timers.size;
    b.eval("__t.restart()");
    expect((b.dev as unknown as { timers: { timers: Map<number, unknown> } }).timers.timers.size).toBe(timers);
    b.dev.advance(1000);
    const body = b.scrape();
    expect(body.match(/# TYPE espruino_adc_samples_taken_total /g)).toHaveLength(1);
    const m = parse(body);
    invariant(m, ["a", "b"]);
    expect(completeness(m, "a")).toEqual({ taken: 200, aggregated: 200, buffered: 0, dropped: 0 });
    expect(val(m, 'espruino_adc_volts_count{channel="b"}')).toBe(200);
    b.eval("__t.stop()");
    const n = b.dev.advance(3000);
    expect(n).toBe(0); // nothing left running
  });

  it("ESP32.setAtten is applied per channel at start", async () => {
    const b = await start({ config: { channels: [{ name: "a", pin: "D32", attenuationMv: 1000 }], sampleRateHz: 100, strategy: "interval" }, signals: { D32: 0.5 } });
    expect(b.dev.fullScaleVolts(32)).toBe(1);
    b.dev.advance(1000);
    const m = parse(b.scrape());
    const code = codeOf(0.5, 1);
    expect(val(m, 'espruino_adc_last_volts{channel="a"}')).toBeCloseTo((code * 1000) / 4096000, 12);
  });
});

describe("docs/metrics.md", () => {
  it("every sampler family exposed by the fixture has its documented type, labels and help, marked implemented", async () => {
    const rows = docsTable(readFileSync("docs/metrics.md", "utf8"));
    const b = await start({ config: { channels: TWO, sampleRateHz: 100, strategy: "interval" }, signals: { D32: 1 } });
    b.dev.advance(200);
    const body = b.scrape();
    const fams = [...body.matchAll(/^# HELP (\S+) (.*)\n# TYPE \S+ (\S+)\n/gm)];
    const sampler = rows.filter((r) => r.component === "sampler");
    expect(sampler.length).toBe(15);
    for (const r of sampler) {
      const f = fams.find((x) => x[1] === r.name);
      expect(f, r.name).toBeDefined();
      expect(f![2], r.name).toBe(r.help);
      expect(f![3], r.name).toBe(r.type);
      expect(r.status, r.name).toBe("implemented");
      const series = body.split("\n").filter((l) => l.startsWith(r.name + (r.type === "histogram" ? "_count" : "")));
      for (const l of series) {
        if (r.labels.length) expect(l, r.name).toMatch(/\{channel="(a|b)"\}/);
        else expect(l, r.name).not.toContain("{");
      }
    }
  });
});

describe("dialect gate", () => {
  it("the fixture bundle (readable and minified) passes check-espruino", async () => {
    const f = await fixtureBundle();
    const out = execFileSync(process.execPath, ["tools/check-espruino.mjs", "--bundle", f.readable, "--bundle", f.minified], { encoding: "utf8" });
    expect(out).toContain("dialect gate: 0 problems");
  });
});
