// Missed-, late-tick and clock-step accounting from getTime() readings.
import { describe, expect, it } from "vitest";
import { TickClock, DEFAULT_MAX_STALL_S } from "../../firmware/sampling/tick-clock.js";

/** [ticks, missed, late, owed, steps] */
function counts(c: TickClock): number[] {
  return [c.ticks, c.missed, c.late, c.owed, c.steps];
}

describe("TickClock", () => {
  it("on-time ticks (with jitter below half an interval) miss nothing and are not late", () => {
    const c = new TickClock(0.01);
    let t = 1000;
    for (let i = 0; i < 1000; i++) {
      expect(c.tick(t)).toBe(0);
      t += 0.01 + (i % 2 ? 0.004 : -0.004);
    }
    expect(counts(c)).toEqual([1000, 0, 0, 0, 0]);
  });

  it("a gap owes the skipped ticks; the next on-time tick commits them as missed (EXEC drops, lost buffers)", () => {
    const c = new TickClock(0.01);
    c.tick(5);
    expect(c.tick(5.02)).toBe(0); // 2 intervals: 1 tick owed
    expect(counts(c)).toEqual([2, 0, 0, 1, 0]);
    expect(c.tick(5.05)).toBe(1); // not early: the owed tick was skipped; 3 intervals: 2 more owed
    expect(c.tick(5.0649)).toBe(2); // 1.49 intervals: on time, commits 2
    expect(c.tick(5.0801)).toBe(0); // 1.52 intervals: rounds to 2, owes 1
    expect(c.tick(5.09)).toBe(1);
    expect(counts(c)).toEqual([6, 4, 0, 0, 0]);
  });

  it("a 2 s stall at 100 Hz followed by setInterval's catch-up burst: 199 late ticks, none missed", () => {
    const c = new TickClock(0.01);
    c.tick(100);
    expect(c.tick(102)).toBe(0);
    expect(c.owed).toBe(199);
    for (let i = 0; i < 199; i++) expect(c.tick(102.0001 + i * 0.00001)).toBe(0);
    expect(counts(c)).toEqual([201, 0, 199, 0, 0]);
    // the burst is over: the next on-time tick commits nothing
    expect(c.tick(102.01)).toBe(0);
    expect(counts(c)).toEqual([202, 0, 199, 0, 0]);
  });

  it("a burst that stops short: the ticks it did not run are missed, the ones it ran are late", () => {
    const c = new TickClock(0.01);
    c.tick(100);
    c.tick(101); // 99 owed
    for (let i = 0; i < 40; i++) c.tick(101.001 + i * 0.0001);
    // the last burst tick was at 101.0049; the next one comes a whole interval later: the burst is over
    expect(c.tick(101.0149)).toBe(59);
    expect(counts(c)).toEqual([43, 59, 40, 0, 0]);
    // early ticks without a debt are jitter, not late
    c.tick(101.016);
    expect(c.late).toBe(40);
  });

  it("a burst spaced out by other work (ticks 60 ms apart at T = 100 ms) is still a catch-up: late, not missed", () => {
    const c = new TickClock(0.1);
    c.tick(0);
    c.tick(1); // 9 owed
    for (let i = 1; i <= 9; i++) expect(c.tick(1 + i * 0.06)).toBe(0);
    expect(counts(c)).toEqual([11, 0, 9, 0, 0]);
  });

  it("after dropped triggers the ticks come at the normal pace: the owed ticks are missed at the next tick", () => {
    const c = new TickClock(0.1);
    c.tick(0);
    c.tick(1); // slots 1..9 dropped (EXEC), this is slot 10
    expect(c.tick(1.1)).toBe(9);
    expect(c.tick(1.2)).toBe(0);
    expect(counts(c)).toEqual([4, 9, 0, 0, 0]);
    // 3/4 of an interval is the normal pace, not a catch-up
    c.tick(2.2); // 9 owed
    expect(c.tick(2.28)).toBe(9);
    expect(c.late).toBe(0);
  });

  it("a negative step is a clock step, and ticking resumes from the new time", () => {
    const c = new TickClock(0.5);
    c.tick(1700000000);
    expect(c.tick(1700000000.5)).toBe(0);
    expect(c.tick(3.2)).toBe(-1); // SNTP stepped the clock back
    expect(c.tick(3.7)).toBe(0);
    expect(counts(c)).toEqual([4, 0, 0, 0, 1]);
  });

  it("a clock step settles what was owed: it cannot be paid back any more", () => {
    const c = new TickClock(0.1);
    c.tick(10);
    c.tick(10.5); // 4 owed
    expect(c.tick(5000)).toBe(-1);
    expect(counts(c)).toEqual([3, 4, 0, 0, 1]);
  });

  it("a forward jump beyond 2x the longest expected gap is a clock step, not a billion missed ticks", () => {
    const c = new TickClock(0.001);
    expect(c.stepLimit).toBe(2 * DEFAULT_MAX_STALL_S);
    c.tick(10);
    expect(c.tick(10 + 1.7e9)).toBe(-1); // boot clock -> epoch after SNTP
    expect(c.tick(1.7e9 + 10.001)).toBe(0);
    expect(c.tick(1.7e9 + 14.0011)).toBe(-1); // just above 4 s
    expect(c.tick(1.7e9 + 17.9)).toBe(0); // 3.8989 s, below the limit: a stall of 3899 intervals, 3898 owed
    expect(c.owed).toBe(3898);
    expect(c.tick(1.7e9 + 17.901)).toBe(3898);
    expect(c.steps).toBe(2);
  });

  it("the step limit is 2x the interval when the interval exceeds the stall budget", () => {
    const c = new TickClock(10, 1);
    expect(c.stepLimit).toBe(20);
    c.tick(0);
    c.tick(19.9);
    expect(c.owed).toBe(1);
    expect(c.tick(40)).toBe(-1);
    expect(c.missed).toBe(1);
    const d = new TickClock(1, 0);
    d.tick(0);
    d.tick(2);
    expect(d.owed).toBe(1);
    expect(d.tick(4.5)).toBe(-1);
    expect(d.missed).toBe(1);
  });

  it("resync forgets the previous tick, commits what was owed and keeps the counters", () => {
    const c = new TickClock(0.1);
    c.tick(1);
    c.tick(1.3);
    c.resync();
    expect(c.tick(50)).toBe(0);
    expect(counts(c)).toEqual([3, 2, 0, 0, 0]);
  });
});
