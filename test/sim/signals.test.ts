// Signal kinds and CSV replay (host-sim/signals.mjs) read through analogRead on the virtual clock; expected
// codes are computed here independently: raw = clamp(round(volts / 3.6 * 4096), 0, 4095).
import { describe, it, expect, afterEach } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SimDevice, signals } from "../../host-sim/index.mjs";
import { codeDevice } from "./helpers.js";
import { tempDir } from "../support/temp-dir.js";

const devices: SimDevice[] = [];
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});
const q = (v: number, fs = 3.6) => Math.min(4095, Math.max(0, Math.round((v / fs) * 4096)));

/** Boots a device with D32 = spec and returns the raw codes read at the given device times (seconds). */
async function codesAt(spec: unknown, times: number[]): Promise<number[]> {
  const d = codeDevice("", { costModel: false, signals: { D32: signals.fromSpec(spec, { baseDir: dir }) } });
  devices.push(d);
  await d.boot();
  const out: number[] = [];
  for (const t of times) {
    d.advance(t * 1000 - d.now());
    out.push(Math.round((d.evaluate("analogRead(D32)") as number) * 4096));
  }
  return out;
}

const dir = tempDir("sim-signals-");

function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("signal kinds", () => {
  it("constant (volts and raw)", async () => {
    expect(await codesAt({ type: "constant", volts: 1.5 }, [0, 1])).toEqual([q(1.5), q(1.5)]);
    expect(await codesAt({ type: "constant", raw: 1234 }, [0])).toEqual([1234]);
    expect(await codesAt(2.0, [0])).toEqual([q(2.0)]);
  });

  it("ramp: linear from->to over duration, then sawtooth; hold when repeat is false", async () => {
    expect(await codesAt({ type: "ramp", from: 0, to: 3, duration: 10 }, [0, 2.5, 5, 9.9, 12.5])).toEqual([q(0), q(0.75), q(1.5), q(2.97), q(0.75)]);
    expect(await codesAt({ type: "ramp", from: 1, to: 2, duration: 4, start: 2, repeat: false }, [1, 3, 10])).toEqual([q(1), q(1.25), q(2)]);
  });

  it("sine: offset + amplitude * sin(2 pi f t + phase)", async () => {
    const v = (t: number) => 1.65 + 1.2 * Math.sin(2 * Math.PI * 0.5 * t + 0.3);
    const ts = [0, 0.25, 0.5, 1.7, 3.3];
    expect(await codesAt({ type: "sine", offset: 1.65, amplitude: 1.2, frequency: 0.5, phase: 0.3 }, ts)).toEqual(ts.map((t) => q(v(t))));
  });

  it("square: high for the duty fraction of each period", async () => {
    expect(await codesAt({ type: "square", low: 0.5, high: 2.5, period: 2, duty: 0.25 }, [0, 0.4, 0.5, 1.9, 2.1])).toEqual([q(2.5), q(2.5), q(0.5), q(0.5), q(2.5)]);
  });

  it("noise: deterministic per microsecond from mulberry32 and the seed", async () => {
    const v = (t: number) => {
      const k = Math.round(t * 1e6);
      return 1 + 0.5 * (2 * mulberry32((42 + Math.imul(k, 0x9e3779b1)) | 0)() - 1);
    };
    const ts = [0.001, 0.002, 1.5, 7];
    const a = await codesAt({ type: "noise", mean: 1, amplitude: 0.5, seed: 42 }, ts);
    expect(a).toEqual(ts.map((t) => q(v(t))));
    expect(await codesAt({ type: "noise", mean: 1, amplitude: 0.5, seed: 42 }, ts)).toEqual(a);
    expect(await codesAt({ type: "noise", mean: 1, amplitude: 0.5, seed: 43 }, ts)).not.toEqual(a);
  });

  it("step at time T", async () => {
    expect(await codesAt({ type: "step", before: 0.2, after: 3.0, at: 5 }, [0, 4.999, 5, 6])).toEqual([q(0.2), q(0.2), q(3.0), q(3.0)]);
  });

  it("CSV replay: linear and hold interpolation, volts and raw units", async () => {
    writeFileSync(join(dir, "v.csv"), "t,volts\n# comment\n0,0.5\n2,1.5\n\n4,1.0\n");
    const ts = [0, 1, 2, 3, 5];
    expect(await codesAt({ type: "csv", file: "v.csv" }, ts)).toEqual([q(0.5), q(1.0), q(1.5), q(1.25), q(1.0)]);
    expect(await codesAt({ type: "csv", file: "v.csv", interpolation: "hold" }, ts)).toEqual([q(0.5), q(0.5), q(1.5), q(1.5), q(1.0)]);
    writeFileSync(join(dir, "r.csv"), "t,raw\n1,100\n3,300\n");
    expect(await codesAt({ type: "csv", file: "r.csv" }, [0, 2, 9])).toEqual([100, 200, 300]);
  });

  it("setAtten changes the code of the same signal volts", async () => {
    const d = codeDevice("", { costModel: false, signals: { D32: { type: "constant", volts: 0.8 } } });
    devices.push(d);
    await d.boot();
    d.evaluate("ESP32.setAtten(D32, 2000)");
    expect(Math.round((d.evaluate("analogRead(D32)") as number) * 4096)).toBe(q(0.8, 2.0));
  });
});

describe("signal spec errors", () => {
  it("CSV errors name the file and line", () => {
    const bad = (text: string) => () => signals.parseCsv(text, { name: "s.csv" });
    expect(bad("t,volts\n0,1\n1,x\n")).toThrow("s.csv line 3: value 'x' is not a number");
    expect(bad("0,1\n0.5\n")).toThrow("s.csv line 2: expected 2 columns `t,value`, got 1 in '0.5'");
    expect(bad("0,1\n2,1\n1,1\n")).toThrow("s.csv line 3: time 1 is not after the previous row's 2");
    expect(bad("t,amps\n0,1\n")).toThrow("s.csv line 1: header must be `t,volts` or `t,raw`, got 't,amps'");
    expect(bad("# nothing\n")).toThrow("s.csv: no data rows");
    expect(() => signals.fromSpec({ type: "csv", file: "missing.csv" }, { baseDir: dir })).toThrow(/cannot read CSV file/);
  });

  it("spec errors name the pin and field", () => {
    expect(() => signals.fromSpecFile({ D32: { type: "sine", amplitude: 1 } }, { name: "sig.json" })).toThrow("sig.json D32: sine signal needs 'frequency' (Hz) or 'period' (s)");
    expect(() => signals.fromSpecFile({ D32: { type: "wobble" } }, { name: "sig.json" })).toThrow(/unknown signal type "wobble"/);
    expect(() => signals.fromSpecFile({ X: 1 }, { name: "sig.json" })).toThrow("sig.json: 'X' is not a pin name like D32");
    expect(() => signals.fromSpecFile({ D32: { type: "square", period: 0 } })).toThrow("'period' must be > 0, got 0");
  });
});
