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
  /** getTime() of the previous tick, -1 before the first (the stall check sets it to the re-arm's time). */
  prev: number;
  /**
   * The sampler's tick only sets prev when getTime() moved by d with 0 < d < x since it, tested as d * (d - x) < 0
   * (fast()): x is 1.5 intervals while nothing is owed or credited, else NaN (every tick comes to tick()). Pending
   * ticks change nothing for such a tick; a tick going back in time always comes here.
   */
  x: number;
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
  /** Clock steps only the ticks can prove, 2 for each step there and back (see tick()). */
  steps: number;

  /** @param intervalS expected seconds between ticks (> 0) */
  constructor(intervalS: number) {
    this.interval = intervalS;
    this.prev = -1;
    this.x = (3 * intervalS) / 2;
    this.missed = 0;
    this.late = 0;
    this.owed = 0;
    this.pending = 0;
    this.credit = 0;
    this.steps = 0;
  }

  /**
   * Accounts one tick at getTime() `now`. Returns 0 mostly; 1 when the wall clock went back (the clock watch counts
   * that step); 2 when it went back right after a forward gap of the same size that the watch had not confirmed: a
   * step there and back, which only the ticks see (counted in `steps`).
   */
  tick(now: number): number {
    var prev = this.prev;
    var T = this.interval;
    var dt = now - prev;
    var owed = this.owed;
    this.prev = now;
    // the common cases first, each returning at once: the board pays for every token it passes, even unrun
    if (owed > 0 && dt >= 0 && 4 * dt < 3 * T) {
      // catching up: faster than the normal pace (dt < 3T/4, no decimal literal) while ticks are owed
      this.owed = --owed;
      this.late++;
      this.x = owed + this.credit > 0 ? NaN : (3 * T) / 2;
      return 0;
    }
    if (dt >= 0 && prev >= 0) {
      // round(dt / interval) without decimal literals: floor((2 dt + T) / 2T); below 1: early, jitter; else the
      // gap before is over (what it still owes was skipped: pending until the clock watch decides)
      var k = Math.floor((2 * dt + T) / (2 * T));
      if (k < 1) return 0;
      this.pending += owed;
      this.owed = k - 1;
      // a step confirmed before its gap showed: this is the first tick since, so this gap is the step's (or none)
      var c = this.credit;
      if (c > 0) {
        this.credit = 0;
        if (k > 1) this.forgive(c);
      }
      this.x = this.owed + this.credit > 0 ? NaN : (3 * T) / 2;
      return 0;
    }
    if (prev < 0) return 0; // the first tick
    // the wall clock went back by -dt + T; if the gap before this one skipped as many ticks, that gap was the
    // same step forward (set and reset within a few seconds): nothing was skipped
    var back = Math.floor((3 * T - 2 * dt) / (2 * T)); // round((T - dt) / T)
    var p = this.pending + owed;
    var r = 1;
    this.owed = 0;
    if (p > 0 && p - back <= STEP_SLACK_TICKS && back - p <= STEP_SLACK_TICKS) {
      p = 0;
      r = 2;
      this.steps += 2;
    }
    this.pending = p;
    this.x = this.credit > 0 ? NaN : (3 * T) / 2;
    return r;
  }

  /** Sets x from the counts: the sampler's tick may skip tick() only while nothing is owed or credited. */
  fast(): void {
    this.x = this.owed + this.credit > 0 ? NaN : (3 * this.interval) / 2;
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
    } else if (this.pending > 0) {
      this.pending = this.pending > lim ? this.pending - lim : 0;
    } else this.credit = n;
    this.fast();
  }

  /** The wall clock agrees with the timers: pending ticks become missed; returns how many. */
  commit(): number {
    var n = this.pending;
    this.missed += n;
    this.pending = 0;
    this.fast();
    return n;
  }

  /** Commits everything skipped, also the open gap (re-arm, strategy change); returns how many. */
  settle(): number {
    this.pending += this.owed;
    this.owed = 0;
    return this.commit();
  }

  /** Forget the previous tick (e.g. when the sampler is restarted); skipped ticks become missed. */
  resync(): void {
    this.settle();
    this.prev = -1;
  }
}
