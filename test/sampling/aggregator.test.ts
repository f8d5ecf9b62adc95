// Aggregation: exact counts, sums, last, window min/max and histogram counts for known sequences,
// computed independently here; the code->bucket table against a linear scan; fixed windows.
import { describe, expect, it } from "vitest";
import { SampleRing, OVERWRITE_OLDEST, REFUSE_NEWEST } from "../../firmware/sampling/ring-buffer.js";
import { Aggregator, Snapshot, codeToVolts, codeSumToVolts, bucketCut, CODES, FOLD_MAX } from "../../firmware/sampling/aggregator.js";

/** The board's E.sum, as a plain loop (the aggregator takes the platform's). */
const nativeSum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
import { prng, randInt } from "../support/prng.js";

const ATTENUATIONS = [1000, 1340, 2000, 3600];

/** Independent conversion and bucket search (linear scan, "le" semantics). */
function volts(code: number, fs: number, scale = 1, offset = 0): number {
  return ((code * fs) / 4096000) * scale + offset;
}
function bucketOf(v: number, bounds: number[]): number {
  for (let i = 0; i < bounds.length; i++) if (v <= bounds[i]) return i;
  return bounds.length;
}

const clamp = (c: number) => Math.max(0, Math.min(4095, Math.round(c)));
const SEQUENCES: Record<string, (n: number) => number[]> = {
  constant: (n) => Array.from({ length: n }, () => 2048),
  ramp: (n) => Array.from({ length: n }, (_, i) => i % 4096),
  sine: (n) => Array.from({ length: n }, (_, i) => clamp(2048 + 2000 * Math.sin((2 * Math.PI * i) / 97))),
  step: (n) => Array.from({ length: n }, (_, i) => (i < n / 2 ? 300 : 3700)),
  noise: (n) => {
    const r = prng(2024);
    return Array.from({ length: n }, () => clamp(1500 + (r() + r() + r() - 1.5) * 800));
  },
};

describe("aggregates of known sequences", () => {
  const bounds = [0.1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5];
  for (const name of Object.keys(SEQUENCES)) {
    for (const fs of [1000, 3600]) {
      it(name + " at " + fs + " mV full scale", () => {
        const codes = SEQUENCES[name](5000);
        const ring = new SampleRing(2, 2 * 1024, OVERWRITE_OLDEST);
        const agg = new Aggregator({
          channels: [
            { fullScaleMv: fs, scale: 1, offset: 0 },
            { fullScaleMv: fs, scale: -2, offset: 5 },
          ],
          buckets: bounds,
          windowSeconds: 10,
          sum: nativeSum,
        });
        // push in chunks that fit the ring, draining in between, all within window [0, 10)
        let t = 0;
        for (let i = 0; i < codes.length; i++) {
          ring.push(0, codes[i] / 4096);
          ring.push(1, codes[i] / 4096);
          if (i % 1000 === 999) agg.drain(ring, (t += 1));
        }
        agg.drain(ring, 9.5);
        agg.drain(ring, 10); // closes window [0, 10)
        const s = agg.snapshot(ring);
        let sum = 0;
        let mn = 4095;
        let mx = 0;
        for (const c of codes) {
          sum += c;
          mn = Math.min(mn, c);
          mx = Math.max(mx, c);
        }
        for (let ch = 0; ch < 2; ch++) {
          const scale = ch === 0 ? 1 : -2;
          const offset = ch === 0 ? 0 : 5;
          expect(s.aggregated[ch]).toBe(codes.length);
          expect(s.taken[ch]).toBe(codes.length);
          expect(s.dropped[ch]).toBe(0);
          expect(s.buffered[ch]).toBe(0);
          expect(s.sumHi[ch] * 2 ** 32 + s.sumLo[ch]).toBe(sum);
          expect(s.last[ch]).toBe(codes[codes.length - 1]);
          expect(s.winCount[ch]).toBe(codes.length);
          expect(s.winMin[ch]).toBe(mn);
          expect(s.winMax[ch]).toBe(mx);
          const hist = new Array(bounds.length + 1).fill(0);
          let vsum = 0;
          for (const c of codes) {
            const v = volts(c, fs, scale, offset);
            hist[bucketOf(v, bounds)]++;
            vsum += v;
          }
          expect(Array.from(s.hist.subarray(ch * 9, ch * 9 + 9))).toEqual(hist);
          const rendered = codeSumToVolts(s.sumHi[ch], s.sumLo[ch], s.aggregated[ch], fs, scale, offset);
          expect(rendered).toBeCloseTo(vsum, 6);
        }
        expect(s.winStart).toBe(0);
        expect(s.winEnd).toBe(10);
      });
    }
  }

  it("sums stay exact past 2^32 (carried into sumHi) and past 2^53 when read as hi/lo", () => {
    const ring = new SampleRing(1, 65535, REFUSE_NEWEST);
    const agg = new Aggregator({ channels: [{ fullScaleMv: 3600, scale: 1, offset: 0 }], buckets: [1], windowSeconds: 60, sum: nativeSum });
    let expected = 0n;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 65535; i++) ring.push(0, (4095 - (i & 1)) / 4096);
      expected += 32768n * 4095n + 32767n * 4094n;
      agg.drain(ring, round);
      expect(agg.sumLo[0]).toBeLessThan(2 ** 32);
    }
    const s = agg.snapshot(ring);
    expect(s.sumHi[0]).toBeGreaterThan(0);
    expect(BigInt(s.sumHi[0]) * 2n ** 32n + BigInt(s.sumLo[0])).toBe(expected);
    expect(s.aggregated[0]).toBe(20 * 65535);
    // the split survives sums above 2^53 (a Float64 alone would not): simulate a long uptime
    agg.sumHi[0] = 2 ** 22; // 2^54 codes already summed
    agg.sumLo[0] = 2 ** 32 - 1;
    ring.push(0, 4095 / 4096);
    agg.drain(ring, 100);
    expect(BigInt(agg.sumHi[0]) * 2n ** 32n + BigInt(agg.sumLo[0])).toBe(2n ** 54n + 2n ** 32n - 1n + 4095n);
  });

  it("refuse-newest aggregates the oldest samples; overwrite-oldest the newest", () => {
    for (const [policy, expected] of [
      [REFUSE_NEWEST, [1, 2, 3, 4]],
      [OVERWRITE_OLDEST, [7, 8, 9, 10]],
    ] as const) {
      const ring = new SampleRing(1, 4, policy);
      const agg = new Aggregator({ channels: [{ fullScaleMv: 3600, scale: 1, offset: 0 }], buckets: [1], windowSeconds: 10, sum: nativeSum });
      for (let i = 1; i <= 10; i++) ring.push(0, i / 4096);
      agg.drain(ring, 1);
      const s = agg.snapshot(ring);
      expect(s.aggregated[0]).toBe(4);
      expect(s.dropped[0]).toBe(6);
      expect(s.sumLo[0]).toBe(expected.reduce((a, b) => a + b, 0));
      expect(s.last[0]).toBe(expected[3]);
    }
  });
});

describe("the sort's depth", () => {
  it("no fold sorts more than FOLD_MAX readings (Espruino's sort recurses once per element on a steady input)", () => {
    const ring = new SampleRing(1, 1000, OVERWRITE_OLDEST);
    const agg = new Aggregator({ channels: [{ fullScaleMv: 3600, scale: 1, offset: 0 }], buckets: [1, 2], windowSeconds: 60, sum: nativeSum });
    // a steady reading with rare lower ones: the input that makes the board's quicksort peel one element per level
    for (let i = 0; i < 1000; i++) ring.push(0, (i % 20 === 7 ? 2047 : 2048) / 4096);
    const lengths: number[] = [];
    const sort = Float32Array.prototype.sort;
    Float32Array.prototype.sort = function (this: Float32Array, ...a: []) {
      lengths.push(this.length);
      return sort.apply(this, a);
    };
    try {
      agg.drain(ring, 1);
    } finally {
      Float32Array.prototype.sort = sort;
    }
    expect(FOLD_MAX).toBeLessThanOrEqual(64); // 64 readings needed at most 20 KB of stack on the Linux build
    expect(Math.max(...lengths)).toBe(FOLD_MAX);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(agg.count[0]).toBe(1000);
    expect(agg.sumLo[0]).toBe(950 * 2048 + 50 * 2047);
  });
});

describe("readings the boards do not give", () => {
  it("not a number, infinite or beyond -1..2 of full scale: invalid (taken and dropped); -1..2 outside the codes: clamped", () => {
    // [reading, code or "invalid"]: in order; the newest valid reading is `last`
    const cases: [number, number | "invalid"][] = [
      [100 / 4096, 100],
      [NaN, "invalid"],
      [1, 4095],
      [-0.25, 0],
      [Infinity, "invalid"],
      [2, 4095],
      [-1, 0],
      [3, "invalid"],
      [-1.5, "invalid"],
      [4095.4 / 4096, 4095],
      [-0.4 / 4096, 0],
      [2047.5 / 4096, 2048],
      [17 / 4096, 17],
      [-Infinity, "invalid"],
    ];
    const bounds = [0.05, 1, 3];
    for (const nanFirst of [true, false]) {
      // without a NaN the run takes the sorted path; with one, the in-order path
      const list = nanFirst ? cases : cases.filter(([r]) => !Number.isNaN(r));
      const ring = new SampleRing(1, 64, OVERWRITE_OLDEST);
      const agg = new Aggregator({ channels: [{ fullScaleMv: 3600, scale: 1, offset: 0 }], buckets: bounds, windowSeconds: 10, sum: nativeSum });
      for (const [r] of list) ring.push(0, r);
      agg.drain(ring, 1);
      agg.drain(ring, 10);
      const s = agg.snapshot(ring);
      const codes = list.filter(([, c]) => c !== "invalid").map(([, c]) => c as number);
      const invalid = list.length - codes.length;
      expect([s.taken[0], s.aggregated[0], s.dropped[0], s.buffered[0], ring.invalid[0]]).toEqual([list.length, codes.length, invalid, 0, invalid]);
      // the sum is of the readings (4096 x reading), clamped ones at their code: the codes' sum for k / 4096
      const readingSum = list
        .filter(([, c]) => c !== "invalid")
        .reduce((a, [r]) => a + (r * 4096 < -0.5 ? 0 : r * 4096 >= 4095.5 ? 4095 : Math.fround(r) * 4096), 0);
      expect(s.sumLo[0]).toBeCloseTo(readingSum, 6);
      expect(s.sumLo[0]).not.toBe(codes.reduce((a, b) => a + b, 0)); // 2047.5 / 4096 adds 2047.5, not its code 2048
      expect(s.last[0]).toBe(17);
      expect([s.winMin[0], s.winMax[0]]).toEqual([Math.min(...codes), Math.max(...codes)]);
      const hist = new Array(bounds.length + 1).fill(0);
      for (const c of codes) hist[bucketOf(volts(c, 3600), bounds)]++;
      expect(Array.from(s.hist)).toEqual(hist);
    }
  });

  it("a run whose newest reading is invalid keeps the newest valid one as last", () => {
    const ring = new SampleRing(1, 8, OVERWRITE_OLDEST);
    const agg = new Aggregator({ channels: [{ fullScaleMv: 3600, scale: 1, offset: 0 }], buckets: [1], windowSeconds: 10, sum: nativeSum });
    for (const r of [5, 9, NaN]) ring.push(0, r === r ? r / 4096 : r);
    agg.drain(ring, 1);
    expect(agg.last[0]).toBe(9);
    ring.push(0, NaN);
    agg.drain(ring, 2);
    expect([agg.last[0], agg.count[0], ring.invalid[0]]).toEqual([9, 2, 2]);
     // a finite reading beyond -1..2 as the newest (no NaN in the run): the newest valid one before it is last
    for (const r of [3 / 4096, 12 / 4096, 5]) ring.push(0, r);
    agg.drain(ring, 3);
    expect([agg.last[0], agg.count[0], ring.invalid[0]]).toEqual([12, 4, 3]);
    // a newest reading to clamp: last is its clamped code
    for (const r of [3 / 4096, 1.5]) ring.push(0, r);
    agg.drain(ring, 4);
    expect([agg.last[0], agg.count[0], ring.invalid[0]]).toEqual([4095, 6, 3]);
  });
});

describe("code -> bucket table", () => {
  const boundsSets = [
    [0.25, 0.5, 1, 1.5, 2, 2.5, 3],
    [0.001, 0.1, 0.123, 0.9, 0.9000001],
    [-10, -1, 0, 1, 10, 100],
    [5],
  ];
  const convs = [
    { scale: 1, offset: 0 },
    { scale: 100, offset: -50 },
    { scale: -1, offset: 2 },
    { scale: 0.5, offset: 0.25 },
  ];
  /** The bucket of `code` from the cuts: the bounds whose cut the code is not on the in-bucket side of. */
  const bucketFromCuts = (cuts: number[], dec: boolean, code: number) => cuts.filter((x) => (dec ? code < x : code >= x)).length;
  it("cuts give the same bucket as a linear scan for all 4096 codes, every attenuation, several conversions and bounds", () => {
    let checked = 0;
    for (const fs of ATTENUATIONS) {
      for (const conv of convs) {
        for (const bounds of boundsSets) {
          const cuts = bounds.map((b) => bucketCut({ fullScaleMv: fs, ...conv }, b));
          for (let code = 0; code < CODES; code++) {
            const expected = bucketOf(volts(code, fs, conv.scale, conv.offset), bounds);
            const got = bucketFromCuts(cuts, conv.scale < 0, code);
            if (got !== expected) throw new Error(`fs ${fs} ${JSON.stringify(conv)} ${bounds} code ${code}: ${got} != ${expected}`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(4 * 4 * 4 * 4096);
  });

  it("a bound exactly on a code's value puts that code in the bucket (le)", () => {
    const fs = 1000;
    const v = volts(2048, fs); // 0.5
    const agg = new Aggregator({ channels: [{ fullScaleMv: fs, scale: 1, offset: 0 }], buckets: [v], windowSeconds: 1, sum: nativeSum });
    expect(Array.from(agg.cut)).toEqual([2049]);
  });

  it("each channel has its own cuts (no 4 KB table per conversion)", () => {
    const agg = new Aggregator({
      channels: [
        { fullScaleMv: 3600, scale: 1, offset: 0 },
        { fullScaleMv: 1000, scale: 1, offset: 0 },
        { fullScaleMv: 3600, scale: 2, offset: 0 },
        { fullScaleMv: 3600, scale: -1, offset: 3 },
      ],
      buckets: [1],
      windowSeconds: 1,
      sum: nativeSum,
    });
    // 1 V is code 1137.78 at 3.6 V full scale, 4096 (none above) at 1 V, 568.9 at scale 2; 3 - v <= 1 from v >= 2 (2275.6)
    expect(Array.from(agg.cut)).toEqual([1138, 4096, 569, 2276]);
  });

  it("codeToVolts follows raw/4096 * full scale, then scale and offset", () => {
    expect(codeToVolts(4096, 3600, 1, 0)).toBe(3.6);
    expect(codeToVolts(2048, 1000, 1, 0)).toBe(0.5);
    expect(codeToVolts(2048, 1000, 10, 1)).toBe(6);
    expect(codeSumToVolts(1, 0, 2, 1000, 1, 1)).toBeCloseTo((2 ** 32 * 1000) / 4096000 + 2, 3);
  });
});

describe("fixed windows", () => {
  function setup() {
    const ring = new SampleRing(1, 1000, OVERWRITE_OLDEST);
    const agg = new Aggregator({ channels: [{ fullScaleMv: 3600, scale: 1, offset: 0 }], buckets: [1], windowSeconds: 10, sum: nativeSum });
    return { ring, agg };
  }

  it("two scrapers draining at different times see the same window values", () => {
    const { ring, agg } = setup();
    const a = new Snapshot(1, 1);
    const b = new Snapshot(1, 1);
    // window [0, 10): codes 100..199, drained by a boundary drain at 10.001
    for (let c = 100; c < 200; c++) ring.push(0, c / 4096);
    agg.drain(ring, 5);
    for (let c = 50; c < 60; c++) ring.push(0, c / 4096);
    expect(agg.windowDue(10.001)).toBe(true);
    agg.drain(ring, 10.001);
    // window [10, 20): scraper A at 12.5, scraper B at 17.25, new samples in between
    for (let c = 1000; c < 1010; c++) ring.push(0, c / 4096);
    agg.drain(ring, 12.5);
    agg.snapshot(ring, a);
    for (let c = 3000; c < 3010; c++) ring.push(0, c / 4096);
    agg.drain(ring, 17.25);
    agg.snapshot(ring, b);
    for (const s of [a, b]) {
      expect(s.winStart).toBe(0);
      expect(s.winEnd).toBe(10);
      expect(s.winCount[0]).toBe(110);
      expect(s.winMin[0]).toBe(50);
      expect(s.winMax[0]).toBe(199);
    }
    // totals do move with each drain
    expect(a.aggregated[0]).toBe(120);
    expect(b.aggregated[0]).toBe(130);
    expect(a.last[0]).toBe(1009);
    expect(b.last[0]).toBe(3009);
    // the boundary drain at 20 publishes [10, 20) with everything drained in it
    expect(agg.windowDue(19.99)).toBe(false);
    agg.drain(ring, 20.0001);
    const s = agg.snapshot(ring);
    expect([s.winStart, s.winEnd, s.winCount[0], s.winMin[0], s.winMax[0]]).toEqual([10, 20, 20, 1000, 3009]);
  });

  it("an empty window is published with count 0; missing drains widen the window", () => {
    const { ring, agg } = setup();
    agg.drain(ring, 1);
    agg.drain(ring, 11);
    let s = agg.snapshot(ring);
    expect([s.winStart, s.winEnd, s.winCount[0]]).toEqual([0, 10, 0]);
    ring.push(0, 7 / 4096);
    agg.drain(ring, 12);
    agg.drain(ring, 45); // no drain at 20, 30, 40
    s = agg.snapshot(ring);
    expect([s.winStart, s.winEnd, s.winCount[0], s.winMin[0], s.winMax[0]]).toEqual([10, 40, 1, 7, 7]);
  });

  it("before any window closed, nothing is published; a clock stepping back re-keys the open window", () => {
    const { ring, agg } = setup();
    ring.push(0, 5 / 4096);
    agg.drain(ring, 1000);
    let s = agg.snapshot(ring);
    expect([s.winStart, s.winEnd, s.winCount[0]]).toEqual([-1, -1, 0]);
    ring.push(0, 9 / 4096);
    agg.drain(ring, 3); // clock stepped back by ~1000 s
    s = agg.snapshot(ring);
    expect(s.winCount[0]).toBe(0);
    agg.drain(ring, 10);
    s = agg.snapshot(ring);
    expect([s.winStart, s.winEnd, s.winCount[0], s.winMin[0], s.winMax[0]]).toEqual([0, 10, 2, 5, 9]);
  });
});
