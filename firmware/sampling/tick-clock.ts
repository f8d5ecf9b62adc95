// Missed-tick and clock-step accounting for a periodic sampler. Pure: no globals, the caller passes
// getTime() readings; one instance per sampler, allocated at boot; tick() never allocates or throws.
//
// getTime() is wall-clock seconds (gettimeofday), not monotonic: SNTP steps it behind the timers' back.
// For each tick the gap dt to the previous tick is classified:
// - dt < 0                      -> clock step (backwards); resynchronise, count no missed ticks;
// - dt > stepLimit              -> clock step (forwards): not a billion missed ticks; resynchronise;
// - otherwise                   -> k = round(dt / interval) intervals elapsed; k - 1 ticks were missed
//                                  (k = 0 for early ticks, e.g. setInterval's catch-up bursts).
// stepLimit = 2 * max(interval, maxStall): a jump beyond twice the longest gap we expect is a step.
// maxStall (default 2 s) is the longest main-loop stall we still count as missed ticks (flash writes,
// garbage collection, a long /metrics render). Without a second clock a forward step shorter than
// stepLimit cannot be told from a stall; it is counted as missed ticks (bounded by stepLimit/interval).

/** Default longest plausible stall, seconds. */
export var DEFAULT_MAX_STALL_S = 2;

export class TickClock {
  /** Expected seconds between ticks. */
  interval: number;
  /** Gaps above this (seconds) are clock steps. */
  stepLimit: number;
  /** getTime() of the previous tick, -1 before the first. */
  prev: number;
  /** Ticks observed. */
  ticks: number;
  /** Ticks that should have happened but did not (espruino_sampler_ticks_missed_total). */
  missed: number;
  /** Clock steps detected (espruino_clock_steps_total). */
  steps: number;

  /**
   * @param intervalS expected seconds between ticks (> 0)
   * @param maxStallS longest stall counted as missed ticks (seconds); omit for DEFAULT_MAX_STALL_S
   */
  constructor(intervalS: number, maxStallS?: number) {
    var stall = typeof maxStallS === "number" && maxStallS >= 0 ? maxStallS : DEFAULT_MAX_STALL_S;
    this.interval = intervalS;
    this.stepLimit = 2 * (stall > intervalS ? stall : intervalS);
    this.prev = -1;
    this.ticks = 0;
    this.missed = 0;
    this.steps = 0;
  }

  /**
   * Accounts one tick at time `now` (seconds). Returns the ticks missed just before this one
   * (0 when on time or early), or -1 when the gap was a clock step.
   */
  tick(now: number): number {
    var prev = this.prev;
    this.prev = now;
    this.ticks++;
    if (prev < 0) return 0;
    var dt = now - prev;
    if (dt < 0 || dt > this.stepLimit) {
      this.steps++;
      return -1;
    }
    // round(dt / interval) without decimal literals: floor((2 dt + T) / 2T)
    var k = Math.floor((2 * dt + this.interval) / (2 * this.interval));
    if (k > 1) {
      this.missed += k - 1;
      return k - 1;
    }
    return 0;
  }

  /** Forget the previous tick (e.g. when the sampler is restarted); counters are kept. */
  resync(): void {
    this.prev = -1;
  }
}
