// Missed-tick and clock-step accounting for a periodic sampler. Pure: no globals, the caller passes
// getTime() readings; one instance per sampler, allocated at boot; tick() never allocates or throws.
//
// getTime() is wall-clock seconds (gettimeofday), not monotonic: SNTP steps it behind the timers' back.
// For each tick the gap dt to the previous tick is classified:
// - dt < 0                      -> clock step (backwards); resynchronise, count no missed ticks;
// - dt > stepLimit              -> clock step (forwards): not a billion missed ticks; resynchronise;
// - otherwise                   -> k = round(dt / interval) intervals elapsed; k - 1 ticks are *owed*
//                                  (k = 0 for early ticks).
// Owed ticks are not missed yet: setInterval fires a late interval again until it has caught up (dialect doc
// section 7; once per idle-loop pass, so other work such as a /metrics render can space the burst out), and
// queued EXEC triggers run late too. While ticks are owed, a tick that comes less than 3/4 of an interval after
// the previous one is catching up: it pays one owed tick back and counts as *late* (it ran, but its samples
// were read late). The first tick at the normal pace (or slower) ends the burst: whatever is still owed was
// skipped for good and becomes *missed* (EXEC triggers dropped while a tick was running, lost Waveform
// buffers). So missed ticks are committed one tick late, and a tick is never counted both late and missed.
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
  /** Ticks that ran late, in a catch-up burst (espruino_sampler_ticks_late_total). */
  late: number;
  /** Ticks due before the last on-time tick that have not run yet (see the header). */
  owed: number;
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
    this.late = 0;
    this.owed = 0;
    this.steps = 0;
  }

  /**
   * Accounts one tick at time `now` (seconds). Returns the ticks that became missed at this tick (owed
   * ticks of an earlier gap that were never paid back; 0 when none), or -1 when the gap was a clock step.
   */
  tick(now: number): number {
    var prev = this.prev;
    this.prev = now;
    this.ticks++;
    if (prev < 0) return 0;
    var dt = now - prev;
    if (dt < 0 || dt > this.stepLimit) {
      this.steps++;
      this.settle();
      return -1;
    }
    // catching up: faster than the normal pace (dt < 3T/4, no decimal literal) while ticks are owed
    if (this.owed > 0 && 4 * dt < 3 * this.interval) {
      this.owed--;
      this.late++;
      return 0;
    }
    // round(dt / interval) without decimal literals: floor((2 dt + T) / 2T)
    var k = Math.floor((2 * dt + this.interval) / (2 * this.interval));
    if (k < 1) return 0; // early without a debt: jitter
    var gone = this.settle();
    if (k > 1) this.owed = k - 1;
    return gone;
  }

  /** Commits the owed ticks as missed (they will not be paid back); returns how many. */
  settle(): number {
    var n = this.owed;
    this.missed += n;
    this.owed = 0;
    return n;
  }

  /** Forget the previous tick (e.g. when the sampler is restarted); owed ticks become missed. */
  resync(): void {
    this.settle();
    this.prev = -1;
  }
}
