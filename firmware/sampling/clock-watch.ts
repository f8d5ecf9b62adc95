// The monotonic reference for missed ticks and stalls: a setInterval of WATCH_PERIOD_S whose run count is
// monotonic time (Espruino's timers keep their pace when setTime()/SNTP steps getTime(), and a late interval
// fires again until it has caught up). Each run compares getTime() with that count; the difference moving by
// more than STEP_TOLERANCE_S is a clock step. docs/design.md "Missed ticks and clock steps".

/** Seconds between runs. */
export var WATCH_PERIOD_S = 1;
/** A step smaller than this cannot be told from timer latency (docs/design.md). */
export var STEP_TOLERANCE_S = 1 / 2;

export class ClockWatch {
  runs: number;
  /** getTime() minus monotonic time: the current level, and the level when the last step was counted */
  ref: number;
  base: number;
  /** a new difference seen above the tolerance (a forward step, or a late run), the runs that agreed with it */
  cand: number;
  candRuns: number;
  /** getTime() of the previous run; the run that counted the last backward step */
  prevWall: number;
  stepRun: number;
  /** false while a difference above the tolerance is not explained yet (a step in progress, a late run) */
  settled: boolean;

  /** @param now getTime() at start */
  constructor(now: number) {
    this.runs = 0;
    this.ref = now;
    this.base = now;
    this.cand = 0;
    this.candRuns = 0;
    this.prevWall = now;
    this.stepRun = -9;
    this.settled = true;
  }

  /** One run at getTime() `now`: returns the step it confirms, in seconds (0: none). */
  run(now: number): number {
    this.runs++;
    var d = now - this.runs * WATCH_PERIOD_S;
    // runs of a catch-up burst come back to back: only a run spread out from the previous one confirms anything
    var spread = now - this.prevWall >= WATCH_PERIOD_S / 2;
    this.prevWall = now;
    var tol = STEP_TOLERANCE_S;
    var step = 0;
    var vanished = false;
    if (d < this.ref - tol) {
      step = d - this.ref; // a run is never early: only a step makes the difference smaller
      this.candRuns = 0;
    } else if (d > this.ref + tol) {
      if (this.candRuns > 0 && spread && d - this.cand <= tol && this.cand - d <= tol) {
        // the second spread run at the new difference: a forward step (a late run does not last)
        step = (d < this.cand ? d : this.cand) - this.ref;
        this.candRuns = 0;
      } else if (this.candRuns === 0 || spread) {
        this.cand = d;
        this.candRuns = 1;
      }
    } else {
      // a rise that did not last: a late run, or a step there and back that the ticks may still prove (they
      // need one more run before the skipped ticks are committed)
      if (this.candRuns > 0) vanished = true;
      this.candRuns = 0;
      // follow slow drift of getTime(): down at once (a run is never early), up slowly (late runs); descents that
      // add up past the tolerance are a backward step too (one seen through a late run comes in pieces)
      if (d < this.ref) this.ref = d;
      else if (spread) this.ref += (d - this.ref) / 16;
      if (this.ref > this.base) this.base = this.ref;
      else if (this.base - this.ref > tol) {
        step = this.ref - this.base;
        this.ref = this.base; // added back below
      }
    }
    if (step !== 0) {
      this.ref += step;
      this.base = this.ref;
      // a backward step seen through a late run shows the rest of its size at the next runs: the same step
      if (step < 0) {
        if (this.runs - this.stepRun <= 2) step = 0;
        else this.stepRun = this.runs;
      }
    }
    this.settled = this.candRuns === 0 && step === 0 && !vanished;
    return step;
  }
}
