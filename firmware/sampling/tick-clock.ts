// Missed- and late-tick accounting for a periodic sampler, from getTime() readings. Pure: the caller passes the
// readings; one instance per sampler clock, allocated at arm time; tick() never allocates or throws.
// getTime() steps with setTime()/SNTP while the timers keep their pace, so a gap on the wall clock is only a
// candidate: its skipped ticks wait in `pending` until the clock watch (clock-watch.ts) says the wall clock
// agrees with the timers (commit) or that a step explains them (forgive). docs/design.md "Missed ticks and
// clock steps" has the rules and what cannot be told apart.

/** Ticks a confirmed step may differ from the gap it explains (timer latency on either reading). */
export var STEP_SLACK_TICKS = 2;

export class TickClock {
  /** Expected seconds between ticks. */
  interval: number;
  /** getTime() of the previous tick, -1 before the first. */
  prev: number;
  /** Ticks observed (the monotonic count the clock watch compares). */
  ticks: number;
  /** Ticks that should have happened but did not (espruino_sampler_ticks_missed_total). */
  missed: number;
  /** Ticks that ran late, in a catch-up burst (espruino_sampler_ticks_late_total). */
  late: number;
  /** Ticks of the current gap not run yet: a catch-up burst may still pay them back as late ticks. */
  owed: number;
  /** Skipped ticks of finished gaps, waiting for the clock watch (commit or forgive). */
  pending: number;
  /** Ticks a confirmed forward step explains that no gap has shown yet (the next gap absorbs them). */
  credit: number;

  /** @param intervalS expected seconds between ticks (> 0) */
  constructor(intervalS: number) {
    this.interval = intervalS;
    this.prev = -1;
    this.ticks = 0;
    this.missed = 0;
    this.late = 0;
    this.owed = 0;
    this.pending = 0;
    this.credit = 0;
  }

  /**
   * Accounts one tick at getTime() `now`. Returns 0 mostly; 1 when the wall clock went back (the clock watch counts
   * that step); 2 when it went back right after a forward gap of the same size that the watch had not confirmed: a
   * step there and back, which only the ticks see.
   */
  tick(now: number): number {
    var prev = this.prev;
    this.prev = now;
    this.ticks++;
    if (prev < 0) return 0;
    var dt = now - prev;
    var T = this.interval;
    if (dt < 0) {
      // the wall clock went back by -dt + T; if the gap before this one skipped as many ticks, that gap was the
      // same step forward (set and reset within a few seconds): nothing was skipped
      var back = Math.floor((3 * T - 2 * dt) / (2 * T)); // round((T - dt) / T)
      this.finish();
      var p = this.pending;
      if (p > 0 && p - back <= STEP_SLACK_TICKS && back - p <= STEP_SLACK_TICKS) {
        this.pending = 0;
        return 2;
      }
      return 1;
    }
    // catching up: faster than the normal pace (dt < 3T/4, no decimal literal) while ticks are owed
    if (this.owed > 0 && 4 * dt < 3 * T) {
      this.owed--;
      this.late++;
      return 0;
    }
    // round(dt / interval) without decimal literals: floor((2 dt + T) / 2T)
    var k = Math.floor((2 * dt + T) / (2 * T));
    if (k < 1) return 0; // early without a debt: jitter
    this.finish();
    if (k > 1) this.owed = k - 1;
    // a step confirmed before its gap showed: this is the first tick since, so this gap is the step's (or none is)
    if (this.credit > 0) {
      var c = this.credit;
      this.credit = 0;
      if (k > 1) this.forgive(c);
    }
    return 0;
  }

  /** The current gap is over: what it still owes was skipped (pending until the clock watch decides). */
  finish(): void {
    this.pending += this.owed;
    this.owed = 0;
  }

  /**
   * A confirmed forward step explains `n` skipped ticks: taken from the open gap or the pending ones, whichever is
   * larger (at most n + STEP_SLACK_TICKS), else kept as credit for the next gap.
   */
  forgive(n: number): void {
    var lim = n + STEP_SLACK_TICKS;
    // the larger of the open gap and the finished ones is the step's (a small gap open beside it is not); a step
    // measured through late watch runs comes out a little large, so up to n + slack ticks go
    if (this.owed > 0 && this.owed >= this.pending) {
      this.owed = this.owed > lim ? this.owed - lim : 0;
      return;
    }
    if (this.pending > 0) {
      this.pending = this.pending > lim ? this.pending - lim : 0;
      return;
    }
    this.credit = n;
  }

  /** The wall clock agrees with the timers: pending ticks become missed; returns how many. */
  commit(): number {
    var n = this.pending;
    this.missed += n;
    this.pending = 0;
    return n;
  }

  /** Commits everything skipped, also the open gap (re-arm, strategy change); returns how many. */
  settle(): number {
    this.finish();
    return this.commit();
  }

  /** Forget the previous tick (e.g. when the sampler is restarted); skipped ticks become missed. */
  resync(): void {
    this.settle();
    this.prev = -1;
  }
}
