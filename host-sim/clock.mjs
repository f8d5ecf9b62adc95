// One Clock and one TimerQueue per device.
// Clock: device time in milliseconds. "virtual": moves only when the simulator says so (advance(), and in a
// later issue the per-statement cost model via charge()). "realtime": follows the host's monotonic clock.
// TimerQueue: Espruino's setTimeout/setInterval semantics (jsinteractive.c jsiIdle as documented in
// docs/espruino-platform.md §7): minimum period 0.1 ms, an interval is rescheduled at
// previous-due + period (no drift), and a late interval fires once per idle-loop pass until it has caught
// up (catch-up bursts). Each pass fires every due timer at most once.
import { performance } from "node:perf_hooks";

/** @typedef {"virtual" | "realtime"} ClockMode */

export class Clock {
  /**
   * @param {{mode?: ClockMode, startMs?: number}} [opts] startMs: device time at creation (default 0 =
   *   "seconds since boot", as a board without a set clock reports)
   */
  constructor(opts) {
    /** @type {ClockMode} */
    this.mode = opts?.mode ?? "virtual";
    this.startMs = opts?.startMs ?? 0;
    this.virtualMs = this.startMs;
    this.hostStart = performance.now();
    /** ms added to real-time now() by jump() (a stalled loop in real-time mode) */
    this.jumpedMs = 0;
    /** ms added to what getTime()/Date.now() report, not to the timers' clock (SNTP-like steps) */
    this.wallOffsetMs = 0;
  }

  /** Device time in ms (fractional). */
  now() {
    if (this.mode === "realtime") return this.startMs + this.jumpedMs + (performance.now() - this.hostStart);
    return this.virtualMs;
  }

  /** Wall-clock ms as device code sees it (getTime(), Date.now()): now() plus any clock steps. */
  wallNow() {
    return this.now() + this.wallOffsetMs;
  }

  /** getTime(): seconds as a double with microsecond resolution. */
  getTimeSeconds() {
    return Math.round(this.wallNow() * 1000) / 1e6;
  }

  /**
   * Steps the wall clock (getTime/Date.now) by `ms` behind the timers' back, as SNTP does on the board.
   * @param {number} ms
   */
  step(ms) {
    this.wallOffsetMs += ms;
  }

  /**
   * Time passes at once by `ms` (a blocked loop): virtual clocks move, real-time clocks gain an offset.
   * @param {number} ms
   */
  jump(ms) {
    if (!(ms > 0)) return;
    if (this.mode === "virtual") this.virtualMs += ms;
    else this.jumpedMs += ms;
  }

  /**
   * Virtual mode: moves time forward to `ms` (never backwards).
   * @param {number} ms
   */
  setVirtual(ms) {
    if (this.mode !== "virtual") throw new Error("the clock is real-time; virtual time cannot be set");
    if (ms > this.virtualMs) this.virtualMs = ms;
  }

  /**
   * Charges `ms` of device time to running code (hook for the per-statement cost model: virtual time then
   * advances from inside running code). No effect in real-time mode, where time passes by itself.
   * @param {number} ms
   */
  charge(ms) {
    if (this.mode === "virtual" && ms > 0) this.virtualMs += ms;
  }
}

/**
 * @typedef {object} Timer
 * @property {number} id
 * @property {Function} fn
 * @property {unknown[]} args
 * @property {number} due       device ms
 * @property {number} interval  ms, 0 for a timeout
 * @property {number} seq       creation order (tie-break)
 */

export class TimerQueue {
  /** @param {{minMs?: number}} [opts] */
  constructor(opts) {
    this.minMs = opts?.minMs ?? 0.1;
    /** @type {Map<number, Timer>} */
    this.timers = new Map();
    this.nextId = 1;
    this.seq = 0;
  }

  /** @param {number} ms */
  clampPeriod(ms) {
    const n = Number(ms);
    return !(n >= this.minMs) ? this.minMs : n; // NaN/undefined/negative -> minimum, like the board
  }

  /**
   * @param {Function} fn
   * @param {number} ms
   * @param {boolean} repeat
   * @param {unknown[]} args
   * @param {number} now
   */
  add(fn, ms, repeat, args, now) {
    const period = this.clampPeriod(ms);
    const id = this.nextId++;
    this.timers.set(id, { id, fn, args, due: now + period, interval: repeat ? period : 0, seq: this.seq++ });
    return id;
  }

  /** @param {number} id */
  has(id) {
    return this.timers.has(id);
  }

  /** @param {number} id */
  isInterval(id) {
    const t = this.timers.get(id);
    return !!t && t.interval > 0;
  }

  /** @param {number} id */
  remove(id) {
    return this.timers.delete(id);
  }

  clear() {
    this.timers.clear();
  }

  /**
   * changeInterval(id, ms): new period, next call `ms` after now.
   * @param {number} id @param {number} ms @param {number} now
   */
  change(id, ms, now) {
    const t = this.timers.get(id);
    if (!t) return false;
    const period = this.clampPeriod(ms);
    if (t.interval > 0) t.interval = period;
    t.due = now + period;
    return true;
  }

  /** Earliest due time, or Infinity. */
  nextDue() {
    let min = Infinity;
    for (const t of this.timers.values()) if (t.due < min) min = t.due;
    return min;
  }

  size() {
    return this.timers.size;
  }

  /**
   * One idle-loop pass: takes every timer due at `now` (each at most once), reschedules intervals
   * (due += interval) and returns them in firing order (due time, then creation). The caller runs each
   * one that is still registered (an earlier callback of the pass may have cleared it) and removes
   * timeouts before running them.
   * @param {number} now
   * @returns {Timer[]}
   */
  takeDue(now) {
    /** @type {Timer[]} */
    const due = [];
    for (const t of this.timers.values()) if (t.due <= now) due.push(t);
    due.sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const t of due) if (t.interval > 0) t.due += t.interval;
    return due;
  }
}
