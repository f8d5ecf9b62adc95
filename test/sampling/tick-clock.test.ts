// Missed-tick and clock-step accounting from getTime() readings.
import { describe, expect, it } from "vitest";
import { TickClock, DEFAULT_MAX_STALL_S } from "../../firmware/sampling/tick-clock.js";

describe("TickClock", () => {
  it("on-time ticks (with jitter below half an interval) miss nothing", () => {
    const c = new TickClock(0.01);
    let t = 1000;
    for (let i = 0; i < 1000; i++) {
      expect(c.tick(t)).toBe(0);
      t += 0.01 + (i % 2 ? 0.004 : -0.004);
    }
    expect([c.ticks, c.missed, c.steps]).toEqual([1000, 0, 0]);
  });

  it("late ticks count the ticks that did not happen", () => {
    const c = new TickClock(0.01);
    c.tick(5);
    expect(c.tick(5.02)).toBe(1); // one tick skipped
    expect(c.tick(5.05)).toBe(2);
    expect(c.tick(5.0649)).toBe(0); // 1.49 intervals: on time
    expect(c.tick(5.0801)).toBe(1); // 1.52 intervals: rounds to 2
    expect([c.ticks, c.missed, c.steps]).toEqual([5, 4, 0]);
  });

  it("a 2 s stall at 100 Hz is 199 missed ticks, not a clock step", () => {
    const c = new TickClock(0.01);
    c.tick(100);
    expect(c.tick(102)).toBe(199);
    expect([c.missed, c.steps]).toEqual([199, 0]);
    // setInterval catch-up burst afterwards: early ticks miss nothing
    for (let i = 0; i < 10; i++) expect(c.tick(102.0001 + i * 0.0001)).toBe(0);
    expect(c.missed).toBe(199);
  });

  it("a negative step is a clock step, and ticking resumes from the new time", () => {
    const c = new TickClock(0.5);
    c.tick(1700000000);
    expect(c.tick(1700000000.5)).toBe(0);
    expect(c.tick(3.2)).toBe(-1); // SNTP stepped the clock back
    expect(c.tick(3.7)).toBe(0);
    expect([c.ticks, c.missed, c.steps]).toEqual([4, 0, 1]);
  });

  it("a forward jump beyond 2x the longest expected gap is a clock step, not a billion missed ticks", () => {
    const c = new TickClock(0.001);
    expect(c.stepLimit).toBe(2 * DEFAULT_MAX_STALL_S);
    c.tick(10);
    expect(c.tick(10 + 1.7e9)).toBe(-1); // boot clock -> epoch after SNTP
    expect(c.tick(1.7e9 + 10.001)).toBe(0);
    expect(c.tick(1.7e9 + 14.0011)).toBe(-1); // just above 4 s
    expect(c.tick(1.7e9 + 17.9)).toBe(3898); // 3.8989 s, below the limit: a stall of 3899 intervals, 3898 missed
    expect(c.steps).toBe(2);
  });

  it("the step limit is 2x the interval when the interval exceeds the stall budget", () => {
    const c = new TickClock(10, 1);
    expect(c.stepLimit).toBe(20);
    c.tick(0);
    expect(c.tick(19.9)).toBe(1);
    expect(c.tick(40)).toBe(-1);
    const d = new TickClock(1, 0);
    d.tick(0);
    expect(d.tick(2)).toBe(1);
    expect(d.tick(4.5)).toBe(-1);
  });

  it("resync forgets the previous tick but keeps the counters", () => {
    const c = new TickClock(0.1);
    c.tick(1);
    c.tick(1.3);
    c.resync();
    expect(c.tick(50)).toBe(0);
    expect([c.ticks, c.missed, c.steps]).toEqual([3, 2, 0]);
  });
});
