// Per-device cost model: the hooks instrument.mjs splices into the bundle (`__s(c)` per statement site, `__k(c)`
// for skipped code and function entry, `__c`/`__a`/`__cm` for string building) and the JS-execution bookkeeping
// around them (host-sim/MEMORY.md "Calibration" for the rules and the unit).
// Details: docs/simulator.md "host-sim/cost.mjs".
import { readFileSync } from "node:fs";
import { instrument, HOOK, SCOPE_HOOK, CHARGE_HOOK, CONCAT_HOOK, APPEND_HOOK, APPEND_MEMBER_HOOK, FEATURES, F, SITES } from "./instrument.mjs";
import { installNativeCosts } from "./natives.mjs";

/** Instructions per statement when a board profile gives none (an empty loop iteration, dialect section 6). */
export const DEFAULT_PER_STATEMENT = 6900;

/** Used when host-sim/calibration.json is missing: the pre-calibration model (statements and natives only). */
const FALLBACK = {
  statement: 6900, loopIteration: 6900, arrayPushItem: 12100, arraySplice: 24200, arrayWalkElement: 700,
  joinElement: 11812, concatChar: 0, numberToString: 5000, jsonValue: 7100,
};

/**
 * The calibration table (host-sim/calibration.json, written by bench/real/constructs.mjs): instructions of the
 * real interpreter's Linux build (callgrind's unit) per construct.
 * @returns {{constructs: Record<string, number>, interpreter?: string, date?: string, unit?: string}}
 */
export function loadCalibration() {
  try {
    return JSON.parse(readFileSync(new URL("./calibration.json", import.meta.url), "utf8"));
  } catch {
    return { constructs: { ...FALLBACK }, unit: "fallback (no host-sim/calibration.json)" };
  }
}
const CALIBRATION = loadCalibration();

/** Weights (instructions per construct, FEATURES order) of a table. @param {Record<string, number>} t */
export function weightsOf(t) {
  return Float64Array.from(FEATURES, (n) => Number(t[n]) || 0);
}
const DEFAULT_WEIGHTS = weightsOf(CALIBRATION.constructs);

/** Constructs that are built-ins' work (natives.mjs): charged time even on a fixed per-statement test clock. */
const NATIVE_WORK = new Set(["arrayPushItem", "arraySplice", "arrayWalkElement", "joinElement", "jsonValue", "numberToString"].map((n) => F[n]));

/** Thrown through device code to abort the running callback (never a device-realm value). */
export const OOM_ABORT = Object.freeze({ espruinoSimAbort: "OUT OF MEMORY" });

/** @typedef {import("./device.mjs").SimDevice} SimDevice */

/**
 * @typedef {object} CostOptions
 * @property {boolean} [enabled]       instrument the bundle (default true); false = run it untouched (fast
 *                                     fleets): no statement counts, no charged time, memory only on demand
 * @property {number} [perStatementUs] override board.cost.perStatementUs (then every statement takes this much
 *                                     device time whatever it costs in instructions: a fixed-rate test clock)
 * @property {number} [instructionsPerSecond] override board.cost.instructionsPerSecond (device time =
 *                                     instructions / this; default: the board's, else perStatement / perStatementUs)
 * @property {boolean} [natives]       charge native work (default true when enabled; false = statements only)
 * @property {Record<string, number>} [constructs] override the calibration table (instructions per construct)
 * @property {boolean} [features]      calibration mode: also count every construct in `stats.features`
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
    /** instructions one statement stood for before calibration (board.cost.perStatement; legacy clock only) */
    this.perStatement = dev.board.cost?.perStatement ?? DEFAULT_PER_STATEMENT;
    const boardIps = opts?.instructionsPerSecond ?? dev.board.cost?.instructionsPerSecond;
    /** fixed device time per statement (a profile with perStatementUs but no instructionsPerSecond, or an
     * explicit perStatementUs option): the test clock; otherwise 0 and time follows instructions */
    this.msPerStatement = opts?.perStatementUs !== undefined || !boardIps ? us / 1000 : 0;
    const ips = boardIps ?? (us > 0 ? (this.perStatement / us) * 1e6 : 0);
    /** device ms charged per instruction (virtual clock only) */
    this.msPerInstruction = ips > 0 ? 1000 / ips : 0;
    /** instructions per construct (FEATURES order), from host-sim/calibration.json */
    this.weights = opts?.constructs ? weightsOf({ ...CALIBRATION.constructs, ...opts.constructs }) : DEFAULT_WEIGHTS;
    this.featureMode = opts?.features === true;
    /** construct counts (features mode only) */
    this.features = new Float64Array(FEATURES.length);
    this.natives = this.enabled && opts?.natives !== false;
    this.sampleEvery = opts?.sampleEvery ?? 2000;
    this.memoryAtCallbackEnd = opts?.memoryAtCallbackEnd ?? this.enabled;
    this.endSampleMin = opts?.endSampleMin ?? 100;
    this.stats = { statements: 0, statementInstructions: 0, nativeInstructions: 0, callbacks: 0, chargedMs: 0, outOfMemory: 0, execRuns: 0, execDropped: 0 };
    /** @type {(() => Record<string, unknown>)[]} scope accessors of loaded bundles */
    this.scopes = [];
    /** true while an out-of-memory abort unwinds device code */
    this.aborting = false;
    /** @type {import("./instrument.mjs").FrameTable | undefined} the running bundle's functions (live frames) */
    this.frames = undefined;
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
    const r = instrument(code, this.featureMode ? { weights: null } : { weights: this.weights, key: this.weights === DEFAULT_WEIGHTS ? "cal" : undefined });
    this.frames = r.frames;
    return r.code;
  }

  /**
   * Wraps the charged built-ins of the device realm (host-sim/natives.mjs); called by the device before
   * memory.attach() so the wrappers are built-ins (ROM) to the memory model. Does nothing when disabled.
   */
  installNatives() {
    if (!this.natives) return;
    installNativeCosts(this.dev.realm, (f, n) => this.construct(f, n));
  }

  /**
   * Charges `n` of construct `f` (index into FEATURES) at run time: native work and dynamic constructs.
   * @param {number} f @param {number} n
   */
  construct(f, n) {
    if (this.featureMode) this.features[f] += n;
    const instr = this.weights[f] * n;
    if (this.msPerStatement > 0 && !NATIVE_WORK.has(f)) {
      // fixed per-statement test clock: only built-ins' work takes extra time, as before calibration
      if (instr > 0 && this.enabled) this.stats.nativeInstructions += instr;
      return;
    }
    this.native(instr);
  }

  /**
   * Charges native work (instructions the statement counter does not see): counted in
   * `stats.nativeInstructions`; on the virtual clock also instructions / instructionsPerSecond of device time.
   * @param {number} instructions
   */
  native(instructions) {
    if (!this.enabled || !(instructions > 0)) return;
    this.stats.nativeInstructions += instructions;
    const clock = this.dev.clock;
    if (clock.mode === "virtual" && this.msPerInstruction > 0) {
      const ms = instructions * this.msPerInstruction;
      clock.virtualMs += ms;
      this.stats.chargedMs += ms;
    }
  }

  /** Total work so far in instructions (the calibration table's unit): statement sites + run-time charges. */
  instructions() {
    return this.stats.statementInstructions + this.stats.nativeInstructions;
  }

  /** Globals the instrumented code calls: the statement hook and the scope accessor registration. */
  globals() {
    const self = this;
    const dev = this.dev;
    const clock = dev.clock;
    const virtual = clock.mode === "virtual";
    const ms = this.msPerStatement;
    const stats = this.stats;
    const mpi = this.msPerInstruction;
    const fm = this.featureMode;
    const W = this.weights;
    const feats = this.features;
    /** features mode: the site's cost from its feature vector @param {number} id */
    const siteCost = (id) => {
      const v = SITES[id];
      let c = 0;
      for (let i = 0; i < v.length; i++) {
        if (!v[i]) continue;
        feats[i] += v[i];
        c += v[i] * W[i];
      }
      return c;
    };
    /** the statement hook: keep it small, it runs for every statement; `c` = the site's instructions */
    const hook = function (/** @type {number} */ c) {
      if (self.aborting) throw OOM_ABORT;
      if (fm) c = siteCost(c);
      stats.statements++;
      stats.statementInstructions += c;
      if (virtual) {
        const t = ms > 0 ? ms : c * mpi;
        clock.virtualMs += t;
        stats.chargedMs += t;
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
    /** charge without a statement (a skipped branch, a function's entry) */
    const charge = function (/** @type {number} */ c) {
      if (self.aborting) throw OOM_ABORT;
      if (fm) c = siteCost(c);
      stats.statementInstructions += c;
      if (virtual && ms <= 0) {
        const t = c * mpi;
        clock.virtualMs += t;
        stats.chargedMs += t;
      }
    };
    const SC = F.stringConcat, CC = F.concatChar, SA = F.stringAppend, AC = F.appendChar, NS = F.numberToString;
    /** @param {unknown} a @param {unknown} b @param {unknown} r @param {number} op @param {number} per */
    const str = (a, b, r, op, per) => {
      if (typeof r !== "string") return;
      if (typeof a === "number" || typeof b === "number") self.construct(NS, 1);
      self.construct(op, 1);
      self.construct(per, r.length);
    };
    /** `a + b` */
    const concat = function (/** @type {any} */ a, /** @type {any} */ b) {
      const r = a + b;
      if (typeof r === "string") str(a, b, r, SC, CC);
      return r;
    };
    /** `x += v` (as `x = __a(x, v)`) */
    const append = function (/** @type {any} */ a, /** @type {any} */ b) {
      const r = a + b;
      if (typeof r === "string") str(a, b, r, SA, AC);
      return r;
    };
    /** `o[k] += v` */
    const appendMember = function (/** @type {any} */ o, /** @type {any} */ k, /** @type {any} */ v) {
      const a = o[k];
      const r = a + v;
      o[k] = r;
      if (typeof r === "string") str(a, v, r, SA, AC);
      return r;
    };
    const scope = function (/** @type {() => Record<string, unknown>} */ acc) {
      if (typeof acc === "function") self.scopes.push(acc);
    };
    return { [HOOK]: hook, [SCOPE_HOOK]: scope, [CHARGE_HOOK]: charge, [CONCAT_HOOK]: concat, [APPEND_HOOK]: append, [APPEND_MEMBER_HOOK]: appendMember };
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
    const exec = this.dev.hw?.runningExec === true;
    if (this.enabled && (outer || exec)) this.construct(exec ? F.execTick : F.callback, 1);
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
    const si0 = this.stats.statementInstructions;
    const n0 = this.stats.nativeInstructions;
    const t0 = this.dev.clock.now();
    const value = fn();
    const statements = this.stats.statements - s0;
    const nativeInstructions = this.stats.nativeInstructions - n0;
    return {
      statements,
      nativeInstructions,
      instructions: this.stats.statementInstructions - si0 + nativeInstructions,
      ms: this.dev.clock.now() - t0,
      value,
    };
  }

  resetStats() {
    for (const k of /** @type {(keyof CostModel["stats"])[]} */ (Object.keys(this.stats))) this.stats[k] = 0;
    this.features.fill(0);
  }
}
