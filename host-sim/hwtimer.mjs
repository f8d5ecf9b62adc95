// The hardware utility timer (Timer Group 0 on ESP32: 1 us ticks) and what runs on it:
// require("timer") tasks (2v29+) and Waveform input. Everything here happens "in the interrupt", at the
// virtual time of each task, independent of JavaScript; JS only sees the results at statement boundaries
// (EXEC tasks) or from the idle loop (Waveform events).
// Details: docs/simulator.md "host-sim/hwtimer.mjs".
import vm from "node:vm";
import { sampleRaw } from "./signals.mjs";

export const UTILTIMER_TASKS = 16;
/** Hardware floor for repeating tasks (docs/espruino-platform.md §7: 30 us on ESP32). */
export const MIN_INTERVAL_MS = 0.03;

/** @typedef {import("./device.mjs").SimDevice} SimDevice */
/**
 * @typedef {object} Wave
 * @property {Record<string, any>} obj     the device's Waveform object
 * @property {any[]} buffers              typed arrays captured at start (1 or 2)
 * @property {number} cur                 index of the buffer being filled
 * @property {number} idx                 next sample index in it
 * @property {number} reported            buffer index last reported by a flip event
 * @property {boolean} repeat
 * @property {number} pin
 * @property {boolean} is16
 */
/**
 * @typedef {object} Task
 * @property {number} id
 * @property {"EXEC" | "SET" | "RD8" | "RD16"} type
 * @property {number} time       device ms of the next run
 * @property {number} interval   ms, 0 = once
 * @property {Function} [fn]
 * @property {number[]} [pins]
 * @property {number} [value]
 * @property {Wave} [wave]
 */

export class HwTimer {
  /** @param {SimDevice} dev */
  constructor(dev) {
    this.dev = dev;
    /** @type {(Task | undefined)[]} */
    this.tasks = new Array(UTILTIMER_TASKS).fill(undefined);
    /** @type {(Function | undefined)[]} JSI_TIMER_RUN_JS_NAME: EXEC functions by task index */
    this.execFns = new Array(UTILTIMER_TASKS).fill(undefined);
    /** earliest task time (device ms) */
    this.nextDue = Infinity;
    /** @type {number[]} task indices triggered and waiting for a statement boundary / the idle loop */
    this.pendingExec = [];
    this.runningExec = false;
    this.stats = { triggers: 0, runs: 0, dropped: 0, samples: 0, flips: 0 };
  }

  recompute() {
    let m = Infinity;
    for (const t of this.tasks) if (t && t.time < m) m = t.time;
    this.nextDue = m;
  }

  /** Earliest time at which JavaScript will have something to do (EXEC trigger, buffer full). */
  nextJsDue() {
    let m = Infinity;
    for (const t of this.tasks) {
      if (!t) continue;
      let due = t.time;
      if (t.wave) due = t.time + (t.wave.buffers[t.wave.cur].length - 1 - t.wave.idx) * t.interval;
      if (due < m) m = due;
    }
    return this.pendingExec.length ? Math.min(m, this.dev.clock.now()) : m;
  }

  /** @returns {number} a free slot, or -1 */
  freeSlot() {
    for (let i = 0; i < UTILTIMER_TASKS; i++) if (!this.tasks[i]) return i;
    return -1;
  }

  /**
   * The utility timer's interrupt handler, run up to device time `now`: every task due at or before `now`
   * runs in time order at its own time.
   * @param {number} now
   */
  runTo(now) {
    for (let guard = 0; guard < 10_000_000; guard++) {
      let t;
      for (const x of this.tasks) if (x && x.time <= now && (!t || x.time < t.time || (x.time === t.time && x.id < t.id))) t = x;
      if (!t) break;
      this.fire(t);
    }
    this.recompute();
  }

  /** @param {Task} t */
  fire(t) {
    if (t.type === "EXEC") {
      this.stats.triggers++;
      if (this.runningExec) this.stats.dropped++;
      else this.pendingExec.push(t.id);
    } else if (t.type === "SET") {
      for (const p of t.pins ?? []) this.dev.pinState.set(p, t.value ? 1 : 0);
    } else if (t.wave) {
      this.sample(t, t.wave);
      if (!this.tasks[t.id]) return; // finished
    }
    if (t.interval > 0) t.time += t.interval;
    else this.tasks[t.id] = undefined;
  }

  /** @param {Task} t @param {Wave} w */
  sample(t, w) {
    const dev = this.dev;
    const sig = dev.signals.get(w.pin);
    const tSec = Math.round((t.time + dev.clock.wallOffsetMs) * 1000) / 1e6; // getTime() at the sample
    const raw = sig ? sampleRaw(sig, tSec, w.pin, { bits: dev.board.adc.bits, fullScaleVolts: dev.fullScaleVolts(w.pin) }) : 0;
    const v16 = raw << (16 - dev.board.adc.bits);
    const buf = w.buffers[w.cur];
    if (!buf) return;
    buf[w.idx++] = w.is16 ? v16 : v16 >> 8;
    this.stats.samples++;
    if (w.idx < buf.length) return;
    w.idx = 0;
    if (!w.repeat) {
      this.finish(t, w);
      return;
    }
    if (w.buffers.length > 1) {
      w.cur = 1 - w.cur;
      this.stats.flips++;
      dev.queue(() => {
        // jswrap_waveform_eventHandler, EVC_TIMER_BUFFER_FLIP: state as of when the idle loop handles it
        if (w.reported === w.cur) return;
        w.reported = w.cur;
        const b = w.cur === 0 ? w.obj.buffer2 : w.obj.buffer;
        dev.events.queueEmit(w.obj, "buffer", [b]);
      });
      dev.kick();
    }
  }

  /** @param {Task} t @param {Wave} w */
  finish(t, w) {
    this.tasks[t.id] = undefined;
    const dev = this.dev;
    dev.queue(() => {
      w.obj.running = false;
      dev.events.queueEmit(w.obj, "finish", [w.obj.buffer]);
    });
    dev.kick();
  }

  /** Runs one triggered EXEC task (at a statement boundary or from the idle loop). */
  runOneExec() {
    const id = /** @type {number} */ (this.pendingExec.shift());
    const fn = this.execFns[id];
    if (typeof fn !== "function") return;
    this.runningExec = true;
    this.stats.runs++;
    try {
      this.dev.cost.run(() => fn.call(undefined));
    } finally {
      this.runningExec = false;
    }
  }

  /** Idle loop: catch up and run every triggered EXEC task. */
  idle() {
    const now = this.dev.clock.now();
    if (now >= this.nextDue) this.runTo(now);
    for (let i = 0; i < 1000 && this.pendingExec.length && !this.runningExec; i++) this.runOneExec();
  }

  clear() {
    this.tasks.fill(undefined);
    this.pendingExec.length = 0;
    this.nextDue = Infinity;
  }

  /** @param {import("./memory.mjs").Walker} w */
  memoryCost(w) {
    let n = 0;
    for (let i = 0; i < UTILTIMER_TASKS; i++) {
      const f = this.execFns[i];
      if (f) n += 1 + w.value(f);
      const t = this.tasks[i];
      if (t?.wave) n += 1 + w.value(t.wave.obj);
    }
    return n;
  }

  // ---------------------------------------------------------------- device-facing modules

  /** require("timer") */
  createModule() {
    const dev = this.dev;
    const { realm } = dev;
    const self = this;
    const mod = realm.obj();
    mod.add = function (/** @type {any} */ opts) {
      if (opts === null || typeof opts !== "object") throw realm.error("Expecting an object, got " + typeof opts);
      const type = String(opts.type ?? "").toUpperCase();
      const time = Number(opts.time) || 0;
      let interval = Number(opts.interval) || 0;
      if (interval > 0 && interval < MIN_INTERVAL_MS) interval = MIN_INTERVAL_MS;
      /** @type {Task} */
      let task;
      if (type === "EXEC") {
        if (typeof opts.fn !== "function") throw realm.error("`ptr` or `fn` required for EXEC timer");
        task = { id: -1, type: "EXEC", time: 0, interval, fn: opts.fn };
      } else if (type === "SET") {
        const pins = [opts.pin, opts.pin2, opts.pin3, opts.pin4].map((p) => (p === undefined ? undefined : dev.pinNumber(p)));
        if (pins[0] === undefined) throw realm.error("`pin` required for SET timer");
        task = { id: -1, type: "SET", time: 0, interval, pins: /** @type {number[]} */ (pins.filter((p) => p !== undefined)), value: Number(opts.value) | 0 };
      } else {
        throw realm.error("Unsupported timer type " + JSON.stringify(opts.type === undefined ? "undefined" : String(opts.type)));
      }
      const id = self.freeSlot();
      if (id < 0) return -1;
      task.id = id;
      task.time = dev.clock.now() + Math.max(0, time);
      if (task.fn) self.execFns[id] = task.fn;
      self.tasks[id] = task;
      self.recompute();
      dev.timersChanged();
      return id;
    };
    mod.remove = function (/** @type {number} */ id) {
      const t = self.tasks[Number(id)];
      if (!t) throw realm.error("No timer with ID " + id);
      self.tasks[t.id] = undefined;
      self.recompute();
    };
    mod.get = function (/** @type {number} */ id) {
      return self.describe(Number(id));
    };
    mod.list = function () {
      const arr = realm.arr();
      for (let i = 0; i < UTILTIMER_TASKS; i++) {
        const o = self.describe(i);
        if (o) arr[i] = o;
      }
      return arr;
    };
    return mod;
  }

  /** jswrap_timer_get @param {number} id */
  describe(id) {
    const t = this.tasks[id];
    if (!t) return undefined;
    const o = this.dev.realm.obj();
    o.id = id;
    if (t.type === "EXEC") o.fn = this.execFns[id];
    if (t.type === "SET") {
      o.value = t.value;
      o.pins = this.dev.realm.arr((t.pins ?? []).map((p) => this.dev.pin(p)));
    }
    if (t.wave) {
      o.buffer = t.wave.buffers[t.wave.cur];
      if (t.wave.buffers.length > 1) o.buffer2 = t.wave.buffers[1 - t.wave.cur];
    }
    o.type = t.type;
    o.time = t.time - this.dev.clock.now();
    if (t.interval) o.interval = t.interval;
    return o;
  }

  /** The global Waveform constructor. */
  createWaveform() {
    const dev = this.dev;
    const { realm } = dev;
    const self = this;
    const U8 = vm.runInContext("Uint8Array", realm.context);
    const U16 = vm.runInContext("Uint16Array", realm.context);
    /** @type {WeakMap<object, Task>} */
    const running = new WeakMap();
    const proto = realm.obj();
    /** @param {unknown} pin @param {unknown} freq @param {any} options */
    proto.startInput = function (pin, freq, options) {
      const w = /** @type {any} */ (this);
      if (w.running) throw realm.error("Waveform is already running");
      const n = dev.pinNumber(pin);
      if (n === undefined) throw realm.error("Invalid pin");
      if (dev.board.adc.pins.indexOf(n) < 0) throw realm.error("Pin " + String(pin) + " is not an ADC pin");
      const f = Number(freq);
      if (!isFinite(f) || f < 0.001) throw realm.error("Frequency must be above 0.001Hz");
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw realm.error("Expecting options to be undefined or an Object, not " + typeof options);
      }
      let start = dev.clock.now();
      const t = Number(options?.time);
      if (isFinite(t) && t > 0) start = t * 1000;
      const id = self.freeSlot();
      if (id < 0) {
        dev.print("WARNING: Unable to schedule a timer");
        return;
      }
      const buffers = [w.buffer];
      if (options?.repeat && w.buffer2) buffers.push(w.buffer2);
      const is16 = w.buffer instanceof U16;
      /** @type {Task} */
      const task = {
        id, type: is16 ? "RD16" : "RD8", time: start, interval: 1000 / f,
        wave: { obj: w, buffers, cur: 0, idx: 0, reported: 0, repeat: !!options?.repeat, pin: n, is16 },
      };
      self.tasks[id] = task;
      running.set(w, task);
      self.recompute();
      w.running = true;
      w.freq = f;
      dev.timersChanged();
    };
    proto.startOutput = function () {
      throw realm.error("Waveform.startOutput is not emulated by the simulator");
    };
    proto.stop = function () {
      const w = /** @type {any} */ (this);
      const task = running.get(w);
      if (!w.running || !task) throw realm.error("Waveform is not running");
      running.delete(w);
      if (self.tasks[task.id] === task && task.wave) self.finish(task, task.wave);
      w.running = false; // stop() runs the idle handler at once (jswrap_waveform_stop); 'finish' is queued
      self.recompute();
    };
    const Waveform = function (/** @type {number} */ samples, /** @type {any} */ options) {
      const n = Number(samples) | 0;
      if (n <= 0) throw realm.error("Samples must be greater than 0");
      let double = false;
      let bits = 8;
      if (options !== undefined) {
        if (options === null || typeof options !== "object") {
          throw realm.error("Expecting options to be undefined or an Object, not " + typeof options);
        }
        double = !!options.doubleBuffer;
        const b = Number(options.bits) | 0;
        if (b !== 0 && b !== 8 && b !== 16) throw realm.error("Invalid number of bits");
        if (b === 16) bits = 16;
      }
      const w = dev.events.install(realm.obj());
      Object.setPrototypeOf(w, proto);
      const T = bits === 16 ? U16 : U8;
      w.buffer = new T(n);
      if (double) w.buffer2 = new T(n);
      return w;
    };
    Object.setPrototypeOf(proto, Object.getPrototypeOf(realm.obj()));
    Waveform.prototype = proto;
    return Waveform;
  }
}
