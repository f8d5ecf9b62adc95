// Per-device cost model: the statement hook `__s()` spliced into the bundle by instrument.mjs, and the
// JS-execution bookkeeping around it (see host-sim/MEMORY.md "Cost model" for the rules).
//
// Every executed statement (plus one tick per loop iteration):
//  - counts in `stats.statements`;
//  - charges `board.cost.perStatementUs` of device time to the virtual clock (realtime clock: only counted;
//    time passes by itself there, so a long handler delays timers by however long the host takes);
//  - lets the hardware utility timer catch up to the new time (Waveform samples, EXEC triggers) and runs one
//    due EXEC task at this statement boundary (require("timer") "EXEC": the running JS "will be paused at the
//    next statement and the JS will be executed right away", jswrap_timer.c);
//  - every `sampleEvery` statements measures memory; over budget = out of memory: the running callback is
//    aborted by a sentinel that every later statement re-throws, so device try/catch cannot swallow it
//    (Espruino: "out of memory and too much recursion cannot be caught", espruino-dialect.md section 2).
//
// Native work (host-sim/natives.mjs): built-ins that are expensive on Espruino (plain-Array push/shift/unshift/
// splice/indexOf/join, String(number), Number#toString/toFixed, JSON.stringify/parse) are wrapped in the device
// realm and call `native(instructions)`; so does the socket layer for its copy of an unsent remainder. These
// count in `stats.nativeInstructions` and charge instructions / `board.cost.instructionsPerSecond` of device
// time on the virtual clock. Total work in instructions = statements x `board.cost.perStatement` +
// nativeInstructions (`instructions()`). Nothing is wrapped when the cost model is disabled.
import { instrument, HOOK, SCOPE_HOOK } from "./instrument.mjs";
import { installNativeCosts } from "./natives.mjs";

/** Instructions per statement when a board profile gives none (an empty loop iteration, dialect section 6). */
export const DEFAULT_PER_STATEMENT = 6900;

/** Thrown through device code to abort the running callback (never a device-realm value). */
export const OOM_ABORT = Object.freeze({ espruinoSimAbort: "OUT OF MEMORY" });

/** @typedef {import("./device.mjs").SimDevice} SimDevice */

/**
 * @typedef {object} CostOptions
 * @property {boolean} [enabled]       instrument the bundle (default true); false = run it untouched (fast
 *                                     fleets): no statement counts, no charged time, memory only on demand
 * @property {number} [perStatementUs] override board.cost.perStatementUs
 * @property {number} [instructionsPerSecond] override board.cost.instructionsPerSecond (native work's time;
 *                                     default: the board's, else perStatement / perStatementUs)
 * @property {boolean} [natives]       charge native work (default true when enabled; false = statements only)
 * @property {number} [sampleEvery]    measure memory every N statements inside a callback (default 2000;
 *                                     0 = only at the end of callbacks)
 * @property {boolean} [memoryAtCallbackEnd] measure memory after callbacks (default true when enabled)
 * @property {number} [endSampleMin]  ...but only once at least this many statements ran since the last
 *                                     measurement (default 100; 0 = after every callback)
 */

export class CostModel {
  /**
   * @param {SimDevice} dev
   * @param {CostOptions} [opts]
   */
  constructor(dev, opts) {
    this.dev = dev;
    this.enabled = opts?.enabled !== false;
    const us = opts?.perStatementUs ?? dev.board.cost?.perStatementUs ?? 0;
    /** device ms charged per statement (virtual clock only) */
    this.msPerStatement = us / 1000;
    /** instructions one statement stands for (board.cost.perStatement) */
    this.perStatement = dev.board.cost?.perStatement ?? DEFAULT_PER_STATEMENT;
    const ips = opts?.instructionsPerSecond ?? dev.board.cost?.instructionsPerSecond ?? (us > 0 ? (this.perStatement / us) * 1e6 : 0);
    /** device ms charged per native instruction (virtual clock only) */
    this.msPerInstruction = ips > 0 ? 1000 / ips : 0;
    this.natives = this.enabled && opts?.natives !== false;
    this.sampleEvery = opts?.sampleEvery ?? 2000;
    this.memoryAtCallbackEnd = opts?.memoryAtCallbackEnd ?? this.enabled;
    this.endSampleMin = opts?.endSampleMin ?? 100;
    this.stats = { statements: 0, nativeInstructions: 0, callbacks: 0, chargedMs: 0, outOfMemory: 0, execRuns: 0, execDropped: 0 };
    /** @type {(() => Record<string, unknown>)[]} scope accessors of loaded bundles */
    this.scopes = [];
    /** true while an out-of-memory abort unwinds device code */
    this.aborting = false;
    /** nesting of device code being run (0 = idle loop) */
    this.depth = 0;
    this.sinceSample = 0;
  }

  /**
   * Source text to run for `code` (instrumented when enabled; cached per text).
   * @param {string} code
   */
  prepare(code) {
    if (!this.enabled) return code;
    const r = instrument(code);
    return r.code;
  }

  /**
   * Wraps the charged built-ins of the device realm (host-sim/natives.mjs); called by the device before
   * memory.attach() so the wrappers are built-ins (ROM) to the memory model. Does nothing when disabled.
   */
  installNatives() {
    if (!this.natives) return;
    installNativeCosts(this.dev.realm, (n) => this.native(n));
  }

  /**
   * Charges native work (instructions the statement counter does not see): counted in
   * `stats.nativeInstructions`; on the virtual clock also instructions / instructionsPerSecond of device time.
   * @param {number} instructions
   */
  native(instructions) {
    if (!this.natives || !(instructions > 0)) return;
    this.stats.nativeInstructions += instructions;
    const clock = this.dev.clock;
    if (clock.mode === "virtual" && this.msPerInstruction > 0) {
      const ms = instructions * this.msPerInstruction;
      clock.virtualMs += ms;
      this.stats.chargedMs += ms;
    }
  }

  /** Total work so far in instructions: statements x perStatement + native instructions. */
  instructions() {
    return this.stats.statements * this.perStatement + this.stats.nativeInstructions;
  }

  /** Globals the instrumented code calls: the statement hook and the scope accessor registration. */
  globals() {
    const self = this;
    const dev = this.dev;
    const clock = dev.clock;
    const virtual = clock.mode === "virtual";
    const ms = this.msPerStatement;
    const stats = this.stats;
    /** the statement hook: keep it small, it runs for every statement */
    const hook = function () {
      if (self.aborting) throw OOM_ABORT;
      stats.statements++;
      if (virtual && ms > 0) {
        clock.virtualMs += ms;
        stats.chargedMs += ms;
      }
      const hw = dev.hw;
      if (hw.nextDue !== Infinity) {
        const now = virtual ? clock.virtualMs : clock.now();
        if (now >= hw.nextDue) hw.runTo(now);
      }
      if (hw.pendingExec.length && !hw.runningExec) hw.runOneExec();
      if (++self.sinceSample >= self.sampleEvery && self.sampleEvery > 0) {
        self.sinceSample = 0;
        if (dev.memory.measure() > dev.memory.total) self.outOfMemory();
      }
    };
    const scope = function (/** @type {() => Record<string, unknown>} */ acc) {
      if (typeof acc === "function") self.scopes.push(acc);
    };
    return { [HOOK]: hook, [SCOPE_HOOK]: scope };
  }

  /** Starts the out-of-memory abort of the running code (Espruino: jsvar.c sets the error flags and
   * interrupts execution; the console shows "OUT OF MEMORY"). */
  outOfMemory() {
    if (this.aborting) throw OOM_ABORT;
    this.stats.outOfMemory++;
    this.dev.raiseMemoryError();
    if (this.depth > 0) {
      this.aborting = true;
      throw OOM_ABORT;
    }
  }

  /**
   * Runs device code (a callback, the bundle, an EXEC task). Returns false if it was aborted by running out of
   * memory (the caller removes an interval then). Device exceptions are reported, not thrown; the abort
   * sentinel propagates to the outermost run.
   * @param {() => void} body
   * @returns {boolean}
   */
  run(body) {
    const outer = this.depth === 0;
    this.depth++;
    if (outer) this.stats.callbacks++;
    try {
      body();
    } catch (e) {
      if (e === OOM_ABORT) {
        if (!outer) throw e;
      } else if (this.aborting) {
        if (!outer) throw OOM_ABORT;
      } else {
        this.dev.reportUncaught(e);
      }
    } finally {
      this.depth--;
    }
    if (!outer) return true;
    if (this.aborting) {
      this.aborting = false;
      this.dev.print("Execution Interrupted during event processing.");
      return false;
    }
    if (!this.memoryAtCallbackEnd || this.sinceSample < this.endSampleMin) return true;
    this.sinceSample = 0;
    if (this.dev.memory.measure() > this.dev.memory.total) {
      this.stats.outOfMemory++;
      this.dev.raiseMemoryError();
      return false;
    }
    return true;
  }

  /**
   * Statements and native instructions executed while `fn` runs (host-side helper for benchmarks and tests).
   * @template T
   * @param {() => T} fn
   * @returns {{statements: number, nativeInstructions: number, instructions: number, ms: number, value: T}}
   */
  count(fn) {
    const s0 = this.stats.statements;
    const n0 = this.stats.nativeInstructions;
    const t0 = this.dev.clock.now();
    const value = fn();
    const statements = this.stats.statements - s0;
    const nativeInstructions = this.stats.nativeInstructions - n0;
    return {
      statements,
      nativeInstructions,
      instructions: statements * this.perStatement + nativeInstructions,
      ms: this.dev.clock.now() - t0,
      value,
    };
  }

  resetStats() {
    for (const k of /** @type {(keyof CostModel["stats"])[]} */ (Object.keys(this.stats))) this.stats[k] = 0;
  }
}
