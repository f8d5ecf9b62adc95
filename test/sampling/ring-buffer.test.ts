// The sample ring: overflow both ways with exact counts, and the completeness invariant
// taken = aggregated + buffered + dropped after every step of long random push/drain interleavings,
// including pushes that land in the middle of a drain (as a require("timer") EXEC task would).
import { describe, expect, it } from "vitest";
import { SampleRing, OVERWRITE_OLDEST, REFUSE_NEWEST } from "../../firmware/sampling/ring-buffer.js";
import { Aggregator, Snapshot } from "../../firmware/sampling/aggregator.js";

/** The board's E.sum, as a plain loop (the aggregator takes the platform's). */
const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
import { prng, randInt } from "../support/prng.js";
import { buffered, consumed, drainVisit, dropped, taken } from "../support/ring-reference.js";

function drainAll(ring: SampleRing, ch: number): number[] {
  const out: number[] = [];
  drainVisit(ring, ch, (c: number) => out.push(c));
  return out;
}

function invariant(ring: SampleRing, ch: number): void {
  expect(taken(ring, ch)).toBe(consumed(ring, ch) + buffered(ring, ch) + dropped(ring, ch));
}

describe("SampleRing layout", () => {
  it("splits the capacity into equal per-channel segments", () => {
    const r = new SampleRing(3, 100, OVERWRITE_OLDEST);
    expect(r.seg).toBe(33);
    expect(r.readings.length).toBe(99);
    expect(() => new SampleRing(4, 3, OVERWRITE_OLDEST)).toThrow("ring: need at least one slot per channel");
  });

  it("stores readings as read and ignores unknown channels", () => {
    const r = new SampleRing(2, 8, OVERWRITE_OLDEST);
    expect(r.push(0, 7 / 4096)).toBe(true);
    expect(r.push(2, 1 / 4096)).toBe(false);
    expect(r.push(-1, 1 / 4096)).toBe(false);
    expect(drainAll(r, 0)).toEqual([7]);
    expect(taken(r, 1)).toBe(0);
  });
});

describe("overflow", () => {
  it("overwrite-oldest keeps the newest seg samples and counts every overwritten one", () => {
    const r = new SampleRing(2, 8, OVERWRITE_OLDEST); // 4 per channel
    for (let i = 1; i <= 10; i++) expect(r.push(0, i / 4096)).toBe(true);
    r.push(1, 99 / 4096);
    expect(taken(r, 0)).toBe(10);
    expect(buffered(r, 0)).toBe(4);
    expect(dropped(r, 0)).toBe(6);
    invariant(r, 0);
    expect(drainAll(r, 0)).toEqual([7, 8, 9, 10]);
    expect(consumed(r, 0)).toBe(4);
    expect(dropped(r, 0)).toBe(6);
    expect(buffered(r, 0)).toBe(0);
    invariant(r, 0);
    // the other channel is untouched
    expect(drainAll(r, 1)).toEqual([99]);
    expect(dropped(r, 1)).toBe(0);
    // after a drain the ring fills again from where it was
    for (let i = 11; i <= 13; i++) r.push(0, i / 4096);
    expect(drainAll(r, 0)).toEqual([11, 12, 13]);
    expect(taken(r, 0)).toBe(13);
    expect(dropped(r, 0)).toBe(6);
    invariant(r, 0);
  });

  it("refuse-newest keeps the oldest seg samples and counts every refused one", () => {
    const r = new SampleRing(1, 4, REFUSE_NEWEST);
    const accepted: boolean[] = [];
    for (let i = 1; i <= 10; i++) accepted.push(r.push(0, i / 4096));
    expect(accepted).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(taken(r, 0)).toBe(10);
    expect(buffered(r, 0)).toBe(4);
    expect(dropped(r, 0)).toBe(6);
    invariant(r, 0);
    expect(drainAll(r, 0)).toEqual([1, 2, 3, 4]);
    expect(r.push(0, 11 / 4096)).toBe(true);
    expect(drainAll(r, 0)).toEqual([11]);
    expect(taken(r, 0)).toBe(11);
    expect(dropped(r, 0)).toBe(6);
    expect(consumed(r, 0)).toBe(5);
    invariant(r, 0);
  });

  it("a drain that is lapped while it runs drops the overwritten samples instead of reading new ones twice", () => {
    const r = new SampleRing(1, 4, OVERWRITE_OLDEST);
    for (let i = 1; i <= 4; i++) r.push(0, i / 4096);
    const seen: number[] = [];
    let pushed = 0;
    drainVisit(r, 0, (c: number) => {
      seen.push(c);
      // an EXEC task firing mid-drain: two new samples overwrite slots of samples 1 and 2, so samples
      // 2 (not yet read) is lost; 3 and 4 are still intact.
      if (pushed === 0) {
        r.push(0, 5 / 4096);
        r.push(0, 6 / 4096);
        pushed = 2;
      }
    });
    expect(seen).toEqual([1, 3, 4]);
    expect(dropped(r, 0)).toBe(1);
    expect(buffered(r, 0)).toBe(2);
    invariant(r, 0);
    expect(drainAll(r, 0)).toEqual([5, 6]);
    invariant(r, 0);
    expect(consumed(r, 0) + dropped(r, 0)).toBe(6);
  });
});

/** Independent model of one channel of the ring. */
class ModelChannel {
  q: number[] = [];
  taken = 0;
  dropped = 0;
  constructor(readonly seg: number, readonly refuse: boolean) {}
  push(code: number): void {
    this.taken++;
    if (this.q.length === this.seg) {
      this.dropped++;
      if (this.refuse) return;
      this.q.shift();
    }
    this.q.push(code & 4095);
  }
}

describe("a tick between the aggregator's copy statements", () => {
  it("refuse-newest: a full ring's unread slots stay unread until they are copied (nothing lost, nothing refused twice)", () => {
    const ring = new SampleRing(1, 4, REFUSE_NEWEST);
    const agg = new Aggregator({ channels: [{ fullScaleMv: 4096, scale: 1, offset: 0 }], buckets: [1, 2, 3], windowSeconds: 60, sum });
    for (const c of [100, 200, 300, 400]) ring.push(0, c / 4096);
    // the producer runs right before the copy reads the ring (a timer tick at that statement boundary)
    const readings = ring.readings;
    let fired = 0;
    const sub = readings.subarray.bind(readings);
    readings.subarray = ((a?: number, b?: number) => {
      if (!fired++) ring.push(0, 4000 / 4096);
      return sub(a, b);
    }) as typeof readings.subarray;
    agg.drain(ring, 1);
    const s = agg.snapshot(ring);
    // the four stored samples are aggregated; the fifth, offered while the ring was still full, was refused
    expect([s.aggregated[0], s.dropped[0], s.buffered[0], s.taken[0]]).toEqual([4, 1, 0, 5]);
    expect(ring.lost[0]).toBe(0);
    expect(s.sumLo[0]).toBe(1000);
  });
});

describe("invariant under random interleavings (seeded, 10k steps, checked at every step)", () => {
  for (const policy of [OVERWRITE_OLDEST, REFUSE_NEWEST]) {
    const label = policy === OVERWRITE_OLDEST ? "overwrite-oldest" : "refuse-newest";

    it(label + ": ring + aggregator match an independent model exactly", () => {
      const rnd = prng(policy === OVERWRITE_OLDEST ? 12345 : 54321);
      const nch = 3;
      const ring = new SampleRing(nch, 3 * 16, policy);
      const agg = new Aggregator({
        channels: [
          { fullScaleMv: 3600, scale: 1, offset: 0 },
          { fullScaleMv: 1000, scale: 1, offset: 0 },
          { fullScaleMv: 3600, scale: 1, offset: 0 },
        ],
        buckets: [0.25, 0.5, 1, 2, 3],
        windowSeconds: 10,
        sum,
      });
      const model = [0, 1, 2].map(() => new ModelChannel(16, policy === REFUSE_NEWEST));
      const aggregated = [0, 0, 0];
      const sums = [0, 0, 0];
      let t = 0;
      for (let step = 0; step < 10000; step++) {
        t += 0.01;
        if (rnd() < 0.9) {
          const ch = randInt(rnd, nch);
          const code = randInt(rnd, 4096);
          ring.push(ch, code / 4096);
          model[ch].push(code);
        } else {
          agg.drain(ring, t);
          for (let ch = 0; ch < nch; ch++) {
            for (const c of model[ch].q) sums[ch] += c;
            aggregated[ch] += model[ch].q.length;
            model[ch].q = [];
          }
        }
        const s = agg.snapshot(ring);
        for (let ch = 0; ch < nch; ch++) {
          expect(s.taken[ch]).toBe(s.aggregated[ch] + s.buffered[ch] + s.dropped[ch]);
          expect(s.taken[ch]).toBe(model[ch].taken);
          expect(s.dropped[ch]).toBe(model[ch].dropped);
          expect(s.buffered[ch]).toBe(model[ch].q.length);
          expect(s.aggregated[ch]).toBe(aggregated[ch]);
          expect(s.sumHi[ch] * 4294967296 + s.sumLo[ch]).toBe(sums[ch]);
          invariant(ring, ch);
        }
      }
    });

    it(label + ": pushes injected between the drain's statements keep the invariant exact", () => {
      const rnd = prng(policy === OVERWRITE_OLDEST ? 777 : 888);
      const nch = 2;
      const ring = new SampleRing(nch, 2 * 8, policy);
      const agg = new Aggregator({
        channels: [
          { fullScaleMv: 3600, scale: 1, offset: 0 },
          { fullScaleMv: 3600, scale: 1, offset: 0 },
        ],
        buckets: [1, 2],
        windowSeconds: 5,
        sum,
      });
      const spare = new Snapshot(nch, 2);
      // Every read of the producer counter `wr` during a drain may first run a burst of pushes, which is
      // where a statement-boundary EXEC task can fire. The aggregator reads wr[ch] once per sample.
      const realWr = ring.wr;
      let draining = false;
      let injected = 0;
      ring.wr = new Proxy(realWr, {
        get(target, key) {
          if (draining && typeof key === "string" && key >= "0" && key <= "9" && rnd() < 0.3) {
            draining = false; // the producer itself reads wr: do not recurse
            const burst = 1 + randInt(rnd, 6);
            for (let k = 0; k < burst; k++) ring.push(randInt(rnd, nch), (randInt(rnd, 4096)) / 4096);
            injected += burst;
            draining = true;
          }
          const v = Reflect.get(target, key, target);
          return typeof v === "function" ? v.bind(target) : v;
        },
        set(target, key, value) {
          return Reflect.set(target, key, value, target);
        },
      }) as Float64Array;
      let t = 100;
      for (let step = 0; step < 10000; step++) {
        t += 0.003;
        if (rnd() < 0.7) {
          ring.push(randInt(rnd, nch), (randInt(rnd, 4096)) / 4096);
        } else {
          draining = true;
          agg.drain(ring, t);
          draining = false;
        }
        const s = agg.snapshot(ring, step % 2 ? spare : undefined);
        for (let ch = 0; ch < nch; ch++) {
          expect(s.taken[ch]).toBe(s.aggregated[ch] + s.buffered[ch] + s.dropped[ch]);
          expect(s.buffered[ch]).toBeLessThanOrEqual(ring.seg);
          invariant(ring, ch);
          let h = 0;
          for (let b = 0; b < 3; b++) h += s.hist[ch * 3 + b];
          expect(h).toBe(s.aggregated[ch]);
        }
      }
      expect(injected).toBeGreaterThan(1000);
    });
  }
});
