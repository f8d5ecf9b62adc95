// Missed- and late-tick accounting from getTime() readings (TickClock), and the clock watch that tells a clock step
// from a stall on the timers' monotonic pace (ClockWatch). docs/design.md "Missed ticks and clock steps".
import { describe, expect, it } from "vitest";
import { TickClock, STEP_SLACK_TICKS } from "../../firmware/sampling/tick-clock.js";
import { prng } from "../support/prng.js";
import { ClockWatch, STEP_TOLERANCE_S, WATCH_PERIOD_S } from "../../firmware/sampling/clock-watch.js";

/** [missed, late, owed, pending] */
function counts(c: TickClock): number[] {
  return [c.missed, c.late, c.owed, c.pending];
}

describe("TickClock", () => {
  it("on-time ticks (with jitter below half an interval) skip nothing and are not late", () => {
    const c = new TickClock(0.01);
    let t = 1000;
    for (let i = 0; i < 1000; i++) {
      expect(c.tick(t)).toBe(0);
      t += 0.01 + (i % 2 ? 0.004 : -0.004);
    }
    expect(counts(c)).toEqual([0, 0, 0, 0]);
  });

  it("a gap owes the skipped ticks; the next on-time tick makes them pending; commit() makes them missed", () => {
    const c = new TickClock(0.01);
    c.tick(5);
    c.tick(5.02); // 2 intervals: 1 tick owed
    expect(counts(c)).toEqual([0, 0, 1, 0]);
    c.tick(5.05); // not early: the owed tick was skipped; 3 intervals: 2 more owed
    expect(counts(c)).toEqual([0, 0, 2, 1]);
    c.tick(5.0649); // 1.49 intervals: on time
    c.tick(5.0801); // 1.52 intervals: rounds to 2, owes 1
    c.tick(5.09);
    expect(counts(c)).toEqual([0, 0, 0, 4]);
    expect(c.commit()).toBe(4);
    expect(counts(c)).toEqual([4, 0, 0, 0]);
  });

  it("a 2 s stall at 100 Hz followed by setInterval's catch-up burst: 199 late ticks, none skipped", () => {
    const c = new TickClock(0.01);
    c.tick(100);
    c.tick(102);
    expect(c.owed).toBe(199);
    for (let i = 0; i < 199; i++) c.tick(102.0001 + i * 0.00001);
    c.tick(102.01);
    expect(counts(c)).toEqual([0, 199, 0, 0]);
  });

  it("a burst that stops short: the ticks it did not run are skipped, the ones it ran are late", () => {
    const c = new TickClock(0.01);
    c.tick(100);
    c.tick(101); // 99 owed
    for (let i = 0; i < 40; i++) c.tick(101.001 + i * 0.0001);
    c.tick(101.0149); // a whole interval after the last burst tick: the burst is over
    expect(counts(c)).toEqual([0, 40, 0, 59]);
    c.tick(101.016); // early without a debt: jitter, not late
    expect(c.late).toBe(40);
  });

  it("a burst spaced out by other work (ticks 60 ms apart at T = 100 ms) is still a catch-up: late", () => {
    const c = new TickClock(0.1);
    c.tick(0);
    c.tick(1); // 9 owed
    for (let i = 1; i <= 9; i++) c.tick(1 + i * 0.06);
    expect(counts(c)).toEqual([0, 9, 0, 0]);
  });

  it("forgive(): a confirmed step takes the open gap, else the pending ticks (within the slack), else waits as credit", () => {
    const c = new TickClock(0.1);
    c.tick(0);
    c.tick(2.1); // a +2 s step: 20 owed
    c.forgive(19); // the watch measured 1.9x s: within the slack
    expect(counts(c)).toEqual([0, 0, 0, 0]);
    c.tick(2.2);
    c.tick(4.3); // 20 owed
    c.tick(4.4); // pending 20
    c.forgive(20);
    expect(c.pending).toBe(0);
    // a genuine stall of 30 ticks and a step of 20 in the same gap: 30 - 20 - slack stay
    c.tick(9.5);
    c.tick(9.6);
    expect(c.pending).toBe(50);
    c.forgive(20);
    expect(c.pending).toBe(30 - STEP_SLACK_TICKS);
    expect(c.commit()).toBe(30 - STEP_SLACK_TICKS);
    // a step confirmed before the gap shows (slow rates): the next gap absorbs it
    const d = new TickClock(5);
    d.tick(0);
    d.forgive(1);
    expect(d.credit).toBe(1);
    d.tick(10); // +5 s step: 1 owed, absorbed
    expect(counts(d)).toEqual([0, 0, 0, 0]);
  });

  it("forgive() takes the gap the step made, not a small unrelated one still open; credit waits through commits", () => {
    const c = new TickClock(0.01);
    c.tick(20);
    c.tick(3620.01); // a +3600 s step: 360000 owed
    c.tick(3620.02); // pending 360000
    c.tick(3620.05); // two ticks skipped for real: 2 owed, open
    c.forgive(360000); // the watch confirms the step now
    expect(c.pending).toBe(0);
    expect(c.owed).toBe(2);
    c.tick(3620.06);
    expect(c.commit()).toBe(2);
    // slow sampling: the step is confirmed before the first tick after it, and a commit comes in between
    const d = new TickClock(3);
    d.tick(0);
    d.tick(3);
    d.forgive(1200); // +3600 s confirmed, no gap seen yet
    expect(d.commit()).toBe(0);
    d.tick(3606); // the step's gap (1200 skipped on the wall clock)
    d.tick(3609);
    expect(d.commit()).toBe(0);
    expect(d.credit).toBe(0);
    // credit does not outlive the first tick after it
    d.forgive(5);
    d.tick(3612);
    expect(d.credit).toBe(0);
  });

  it("the wall clock going back proves a step (1); right after an unconfirmed gap of the same size, a step there and back (2)", () => {
    const c = new TickClock(0.5);
    c.tick(1700000000);
    c.tick(1700000000.5);
    expect(c.tick(3.2)).toBe(1); // SNTP stepped the clock back
    expect(c.tick(3.7)).toBe(0);
    expect(counts(c)).toEqual([0, 0, 0, 0]);
    expect(c.steps).toBe(0); // the clock watch counts a plain step
    const d = new TickClock(0.01);
    d.tick(10);
    d.tick(3610.01); // +3600 s: 360000 owed
    d.tick(3610.02);
    expect(d.pending).toBe(360000);
    expect(d.tick(10.03)).toBe(2); // and back: nothing was skipped
    expect(counts(d)).toEqual([0, 0, 0, 0]);
    expect(d.steps).toBe(2); // both steps, which only the ticks saw
  });

  it("settle() commits the open gap too; resync forgets the previous tick", () => {
    const c = new TickClock(0.1);
    c.tick(1);
    c.tick(1.3); // 2 owed
    c.resync();
    c.tick(50);
    expect(counts(c)).toEqual([2, 0, 0, 0]);
  });
});

/** Runs `w` at monotonic times start + k (k = 1..n) with getTime() = monotonic + offset(k). */
function runs(w: ClockWatch, start: number, from: number, to: number, offset: (k: number) => number): number[] {
  const out: number[] = [];
  for (let k = from; k <= to; k++) out.push(w.run(start + k * WATCH_PERIOD_S + offset(k)));
  return out;
}

describe("TickClock: the sampler's fast path (set prev only while getTime() moved by d, 0 < d < x)", () => {
  it("x is 1.5 intervals while nothing is owed or credited, else NaN; pending ticks leave it", () => {
    const c = new TickClock(0.1);
    expect(c.x).toBeCloseTo(0.15, 12);
    c.tick(1);
    c.tick(1.3); // a gap: 2 owed
    expect(c.x).toBeNaN();
    c.tick(1.4);
    expect([c.owed, c.pending]).toEqual([0, 2]);
    expect(c.x).toBeCloseTo(0.15, 12); // pending: a tick 0 < d < x changes nothing, one going back proves a step
    c.commit();
    expect(c.x).toBeCloseTo(0.15, 12);
    c.forgive(3); // nothing open: kept as credit
    expect(c.x).toBeNaN();
    c.tick(1.5); // the first tick since: the credit goes
    expect(c.credit).toBe(0);
    expect(c.x).toBeCloseTo(0.15, 12);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it("gives the counts of tick() at every tick (random jitter, gaps, bursts, steps, commits and forgives; seed " + seed + ")", () => {
      const rnd = prng(seed);
      const T = 0.02;
      const every = new TickClock(T);
      const fast = new TickClock(T);
      let t = 100;
      for (let i = 0; i < 20000; i++) {
        const r = rnd();
        if (r < 0.002) t += T * (2 + Math.floor(rnd() * 50)); // a gap
        else if (r < 0.004) t -= T * Math.floor(rnd() * 40); // a step back
        else if (r < 0.02) t += T * 0.1; // a catch-up burst tick
        else t += T * (0.75 + rnd() * 0.5); // jitter
        const a = every.tick(t);
        let b = 0;
        const d = t - fast.prev;
        if (d * (d - fast.x) < 0) fast.prev = t;
        else b = fast.tick(t);
        // only the result a fast tick never returns (2, a step there and back) must match; 1 is not used
        expect(a === 2).toBe(b === 2);
        if (rnd() < 0.01) expect(fast.commit()).toBe(every.commit());
        if (rnd() < 0.003) {
          const n = Math.floor(rnd() * 30);
          every.forgive(n);
          fast.forgive(n);
        }
        expect([fast.prev, fast.missed, fast.late, fast.owed, fast.pending, fast.credit]).toEqual([every.prev, every.missed, every.late, every.owed, every.pending, every.credit]);
      }
      expect(every.missed + every.late).toBeGreaterThan(100); // the sequence did exercise the accounting
    });
  }
});

describe("ClockWatch", () => {
  it("on-time runs with latency below the tolerance: no step, always settled", () => {
    const w = new ClockWatch(100);
    for (let k = 1; k <= 50; k++) {
      expect(w.run(100 + k + (k % 3) * 0.01)).toBe(0);
      expect(w.settled).toBe(true);
    }
  });

  it("a forward step is confirmed at the second run that sees it, unsettled in between", () => {
    const w = new ClockWatch(0);
    runs(w, 0, 1, 3, () => 0);
    expect(w.run(4 + 2)).toBe(0);
    expect(w.settled).toBe(false);
    expect(w.run(5 + 2.001)).toBeCloseTo(2, 2);
    expect(w.settled).toBe(false);
    expect(w.run(6 + 2)).toBe(0);
    expect(w.settled).toBe(true);
  });

  it("a backward step is confirmed at once (a run is never early)", () => {
    const w = new ClockWatch(1.7e9);
    runs(w, 1.7e9, 1, 3, () => 0);
    expect(w.run(1.7e9 + 4 - 1)).toBeCloseTo(-1, 6);
    expect(w.run(1.7e9 + 5 - 1)).toBe(0);
    expect(w.settled).toBe(true);
  });

  it("a backward step seen through a late run is one step, whatever its first run showed", () => {
    const w = new ClockWatch(0);
    runs(w, 0, 1, 3, () => 0);
    expect(w.run(4 - 3600 + 0.5)).toBeCloseTo(-3599.5, 6); // late by 0.5 s
    expect(w.run(5 - 3600)).toBe(0); // the other 0.5 s: the same step
    expect(w.run(6 - 3600)).toBe(0);
    expect(w.settled).toBe(true);
    // -1 s seen through runs late by 0.45 and 0.3 s: it arrives in pieces below the tolerance, counted once
    const v = new ClockWatch(0);
    runs(v, 0, 1, 3, () => 0);
    const got = [v.run(4 - 1 + 0.45), v.run(5 - 1 + 0.3), v.run(6 - 1), v.run(7 - 1)];
    expect(got.filter((x) => x !== 0)).toHaveLength(1);
    expect(got.reduce((a, b) => a + b, 0)).toBeLessThan(-STEP_TOLERANCE_S);
  });

  it("a stall of the main loop and the catch-up burst after it are not steps", () => {
    const w = new ClockWatch(0);
    runs(w, 0, 1, 3, () => 0);
    // runs 4..9 were due during a 6.7 s stall: they fire back to back at t = 9.7, then run 10 on time
    const burst = [4, 5, 6, 7, 8, 9].map((k) => w.run(9.7 + k * 1e-4));
    expect(burst).toEqual([0, 0, 0, 0, 0, 0]);
    expect(w.settled).toBe(false);
    expect(w.run(10)).toBe(0);
    expect(w.run(11)).toBe(0); // the rise did not last: one more run before it settles
    expect(w.settled).toBe(true);
  });

  it("a rise that does not last keeps the watch unsettled one more run (a step there and back: the ticks decide)", () => {
    const w = new ClockWatch(0);
    runs(w, 0, 1, 3, () => 0);
    expect(w.run(4 + 100)).toBe(0);
    expect(w.settled).toBe(false);
    expect(w.run(5)).toBe(0); // back before it was confirmed
    expect(w.settled).toBe(false);
    expect(w.run(6)).toBe(0);
    expect(w.settled).toBe(true);
  });

  it("one late run (a long render) is not a step", () => {
    const w = new ClockWatch(0);
    runs(w, 0, 1, 3, () => 0);
    expect(w.run(4 + 0.9)).toBe(0);
    expect(w.run(5)).toBe(0);
    expect(w.run(6)).toBe(0);
    expect(w.settled).toBe(true);
  });

  it("steps smaller than the tolerance are not seen (the documented limit)", () => {
    const w = new ClockWatch(0);
    expect(runs(w, 0, 1, 10, (k) => (k > 4 ? STEP_TOLERANCE_S * 0.9 : 0))).toEqual(new Array(10).fill(0));
  });
});
