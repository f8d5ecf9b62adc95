// JsVar memory model: what process.memory() reports and what runs a device out of memory.
// The cost rules, their calibration against the costs measured on the interpreter (docs/espruino-platform.md §5) and what the model cannot see are
// documented in host-sim/MEMORY.md; keep the two in step.
import vm from "node:vm";
import { BUILTIN } from "./events.mjs";
import { liveFrameJsVars } from "./instrument.mjs";

/** @typedef {import("./device.mjs").SimDevice} SimDevice */

/** Interpreter root objects, hidden root, built-in module objects: JsVars in use on an empty board. */
export const BASE_JSVARS = 150;
/** Per accepted connection: Espruino's socket/http hidden objects (socket number, flags, header vars). */
export const SOCKET_JSVARS = 10;
/**
 * Per open HTTP connection, beyond the request/response values the model walks: Espruino's hidden socket,
 * request and response state. Measured on the real interpreter (espruino-16383): a held request with only a Host
 * header costs 41 JsVars, where the walked objects come to 15.
 */
export const CONN_JSVARS = 26;
/** Per pending setTimeout/setInterval: timer-array name + object + time/interval/callback properties. */
export const TIMER_JSVARS = 8;
/** A property name holds this many characters in its own JsVar before it needs an extension. */
const NAME_INLINE_CHARS = 8;

export class MemoryModel {
  /**
   * @param {{jsVars: number, jsVarBytes?: number}} board
   * @param {{base?: number, refreshMs?: number} | number} [opts]  (a number is ignored: the old code-size
   *   argument); refreshMs: snapshot() walks at most once per this many ms of host time
   */
  constructor(board, opts) {
    this.total = board.jsVars;
    this.blocksize = board.jsVarBytes ?? 14;
    /** characters stored per string JsVar (14-byte JsVars: 10) */
    this.charsPerVar = Math.max(4, this.blocksize - 4);
    this.base = (typeof opts === "object" ? opts.base : undefined) ?? BASE_JSVARS;
    /** last measured usage */
    this.usage = this.base;
    /** highest usage measured since creation / resetPeak() */
    this.peak = this.base;
    /** number of measurements taken */
    this.samples = 0;
    /** @type {Record<string, number>} usage by root kind at the last measurement */
    this.breakdown = {};
    /** @type {SimDevice | undefined} */
    this.dev = undefined;
    /** @type {WeakSet<object>} built-in objects (ROM on the board: cost nothing) */
    this.rom = new WeakSet();
    /** @type {Map<string, unknown>} built-in globals and their initial values */
    this.romGlobals = new Map();
    /** @type {object | undefined} */
    this.global = undefined;
    /** @type {WeakMap<object, number>} own property count of each built-in at attach() */
    this.romKeys = new WeakMap();
    /** @type {WeakMap<Function, number>} code characters per function (text never changes) */
    this.codeChars = new WeakMap();
    /** JsVars held outside the firmware (fault hook, see reserve()) */
    this.reserved = 0;
    /** whether transient() measures: from the first resetPeak() on (a heap walk per res.write() costs a scrape
     * most of its host time, and only a reader of the peak needs it) */
    this.writePeaks = false;
    this.refreshMs = (typeof opts === "object" ? opts.refreshMs : undefined) ?? 0;
    /** host time (performance.now()) of snapshot()'s last walk */
    this.walkedAt = -Infinity;
  }

  /**
   * Binds the model to a device once its globals are defined (before any device code runs): everything
   * reachable from the global object at that point is a built-in.
   * @param {SimDevice} dev
   */
  attach(dev) {
    this.dev = dev;
    const g = vm.runInContext("globalThis", dev.realm.context);
    this.global = g;
    for (const k of Object.getOwnPropertyNames(g)) {
      let v;
      try {
        v = /** @type {any} */ (g)[k];
      } catch {
        continue;
      }
      this.romGlobals.set(k, v);
    }
    /** @type {unknown[]} */
    const stack = [g];
    while (stack.length) {
      const o = stack.pop();
      if (o === null || (typeof o !== "object" && typeof o !== "function") || this.rom.has(o)) continue;
      this.rom.add(o);
      const keys = Object.getOwnPropertyNames(o);
      this.romKeys.set(o, keys.length);
      for (const k of keys) {
        const d = Object.getOwnPropertyDescriptor(o, k);
        if (d && "value" in d) stack.push(d.value);
      }
      stack.push(Object.getPrototypeOf(o));
    }
  }

  /**
   * Fault hook (host-sim/faults.mjs memory-pressure): keeps `n` JsVars in use, as if something outside the
   * firmware held them; 0 releases. Counted in measure() as breakdown.reserved.
   * @param {number} n
   */
  reserve(n) {
    this.reserved = Math.max(0, Math.floor(n));
  }

  /**
   * The peak as the board's high-water mark sees it inside a callback: what the device holds now (a piece just
   * written is in the send buffer) plus the written string itself, alive until the callback returns.
   * @param {number} chars
   */
  transient(chars) {
    if (!this.dev || !this.writePeaks) return;
    const u = this.measure() + new Walker(this, this.dev).str(chars);
    if (u > this.peak) this.peak = u;
  }

  /** Starts a peak reading: from now on `peak` also sees the write points (transient()). */
  resetPeak() {
    this.writePeaks = true;
    this.peak = this.usage;
  }

  /**
   * Walks everything the device holds and returns the JsVars in use (also stored in `usage`, `peak`).
   * @returns {number}
   */
  measure() {
    const dev = this.dev;
    if (!dev) return this.usage;
    const w = new Walker(this, dev);
    /** @type {Record<string, number>} */
    const b = { base: this.base, reserved: this.reserved ?? 0, globals: 0, scope: 0, frames: this.liveFrames(), timers: 0, hwtimers: 0, sockets: 0 };
    // globals the device defined or replaced
    const g = /** @type {Record<string, unknown>} */ (this.global);
    for (const k of Object.getOwnPropertyNames(g)) {
      if (/^__(s|scope|k|c|a|cm)$/.test(k)) continue;
      let v;
      try {
        v = g[k];
      } catch {
        continue;
      }
      if (v === g) continue; // global, globalThis: walked right here
      if (this.romGlobals.has(k) && this.romGlobals.get(k) === v) {
        b.globals += w.romChildren(v);
        continue;
      }
      b.globals += w.name(k) + w.value(v);
    }
    // module state in the bundle's IIFE closure (scope accessor injected by the instrumentation)
    for (const acc of dev.cost?.scopes ?? []) {
      let vars;
      try {
        vars = acc();
      } catch {
        continue;
      }
      for (const k of Object.keys(vars)) b.scope += w.name(k) + w.value(vars[k]);
    }
    // pending timers
    for (const t of dev.timers.timers.values()) {
      b.timers += TIMER_JSVARS + w.value(t.fn);
      for (const a of t.args) b.timers += 1 + w.value(a);
    }
    // hardware timer tasks (EXEC functions, waveforms)
    if (dev.hw) b.hwtimers += dev.hw.memoryCost(w);
    // sockets: listeners, connections, unsent bytes, request state
    const net = dev.net;
    for (const l of net.listeners) {
      if (l.closed) continue;
      b.sockets += SOCKET_JSVARS + w.value(l.server) + w.value(l.handler);
    }
    for (const c of net.conns) {
      const d = c.dev;
      if (!d) continue;
      b.sockets += CONN_JSVARS + w.value(d.req) + w.value(d.res) + w.value(d.implicitHeaders);
      if (d.sendData) b.sockets += w.str(d.sendData.length);
      if (d.recv) b.sockets += w.str(d.recv.length);
    }
    let usage = 0;
    for (const k of Object.keys(b)) usage += b[k];
    this.breakdown = b;
    this.usage = usage;
    if (usage > this.peak) this.peak = usage;
    this.samples++;
    return usage;
  }

  /**
   * JsVars of the bundle's function calls running right now (a measurement from inside device code: process.memory(),
   * res.write(), a periodic sample): each frame on the host stack that is the bundle's code, by the instrumenter's
   * frame table. 0 from host code and without the cost model.
   */
  liveFrames() {
    const dev = this.dev;
    const table = dev?.cost?.frames;
    if (!table || !dev.bundleFile) return 0;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 64;
    const holder = /** @type {{stack?: string}} */ ({});
    Error.captureStackTrace(holder);
    Error.stackTraceLimit = limit;
    return liveFrameJsVars(table, holder.stack ?? "", dev.bundleFile);
  }

  /**
   * process.memory() fields (Espruino names). `gc` is what a collection freed: the model only counts
   * reachable values, so there is never garbage to free (see MEMORY.md).
   * @param {boolean} gc
   */
  snapshot(gc) {
    const now = this.refreshMs > 0 ? performance.now() : 0;
    if (this.refreshMs <= 0 || now - this.walkedAt >= this.refreshMs) {
      this.measure();
      this.walkedAt = now;
    }
    const usage = Math.min(this.total, this.usage);
    return { free: this.total - usage, usage, total: this.total, history: 0, gc: 0, gctime: gc ? 0.1 : 0, blocksize: this.blocksize };
  }

  /**
   * E.getSizeOf(v): JsVars of one value (fresh walk, shared references counted once).
   * @param {unknown} v
   */
  sizeOf(v) {
    if (!this.dev) return 1;
    return new Walker(this, this.dev).value(v);
  }
}

/** codeChars markers: a built-in (no code), a function whose code stays in flash (a NativeString). */
const NATIVE_FN = -1;
const FLASH_CODE = -2;

/** One measurement: counts each object once. */
export class Walker {
  /** @param {MemoryModel} model @param {SimDevice} dev */
  constructor(model, dev) {
    this.m = model;
    this.dev = dev;
    /** @type {Set<unknown>} */
    this.seen = new Set();
  }

  /** JsVars of a string of `len` characters. @param {number} len */
  str(len) {
    return len <= this.m.charsPerVar ? 1 : Math.ceil(len / this.m.charsPerVar);
  }

  /** JsVars of a property/variable name. @param {string} k */
  name(k) {
    return k.length <= NAME_INLINE_CHARS ? 1 : 1 + Math.ceil((k.length - NAME_INLINE_CHARS) / this.m.charsPerVar);
  }

  /**
   * Non-built-in values hanging off a built-in object (E.foo = ..., listeners on E/process).
   * @param {unknown} o
   */
  romChildren(o) {
    if (o === null || (typeof o !== "object" && typeof o !== "function") || this.seen.has(o)) return 0;
    this.seen.add(o);
    let n = this.listeners(o);
    const keys = Object.getOwnPropertyNames(o);
    // a built-in with the same number of properties as at boot is taken as unchanged (see MEMORY.md)
    if (o !== this.m.global && keys.length === this.m.romKeys.get(o)) return n;
    for (const k of keys) {
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (!d || !("value" in d)) continue;
      const v = d.value;
      if (v !== null && (typeof v === "object" || typeof v === "function") && this.m.rom.has(v)) continue;
      if (typeof v !== "object" && typeof v !== "function") continue; // primitive built-in constants
      n += this.name(k) + this.value(v);
    }
    return n;
  }

  /** Event listeners the simulator keeps for `o` (Espruino stores them as "#onevent" properties). */
  /** @param {object} o */
  listeners(o) {
    const map = this.dev.events?.listeners?.get(o);
    if (!map) return 0;
    let n = 0;
    for (const [ev, fns] of map) {
      if (!fns.length) continue;
      n += this.name("#on" + ev) + (fns.length > 1 ? 1 + fns.length : 0);
      for (const f of fns) n += this.value(f);
    }
    return n;
  }

  /**
   * JsVars of a value held by one reference (the referencing name is counted by the caller).
   * @param {unknown} v
   * @returns {number}
   */
  value(v) {
    switch (typeof v) {
      case "undefined":
      case "boolean":
      case "number":
      case "bigint":
      case "symbol":
        return 1;
      case "string":
        return this.str(v.length);
    }
    if (v === null) return 1;
    const o = /** @type {object} */ (v);
    if (this.m.rom.has(o)) return this.romChildren(o) + 0;
    if (this.seen.has(o)) return 0;
    this.seen.add(o);
    if (ArrayBuffer.isView(o)) {
      // typed array: view + ArrayBuffer + flat string (header JsVar + data blocks)
      const buf = /** @type {ArrayBufferView} */ (o).buffer;
      let n = 1;
      if (!this.seen.has(buf)) {
        this.seen.add(buf);
        n += 2 + Math.ceil(buf.byteLength / this.m.blocksize);
      }
      return n + this.props(o, true);
    }
    if (Object.prototype.toString.call(o) === "[object ArrayBuffer]") {
      return 2 + Math.ceil(/** @type {ArrayBuffer} */ (o).byteLength / this.m.blocksize);
    }
    if (typeof o === "function") return this.fn(/** @type {Function} */ (o));
    if (Array.isArray(o)) {
      let n = 1;
      const a = /** @type {unknown[]} */ (o);
      for (let i = 0; i < a.length; i++) {
        if (!(i in a)) continue;
        const x = a[i];
        // an index name holds a small integer value inline (JSV_NAME_INT_INT): 1 JsVar; anything else is
        // name + value
        if (typeof x === "number" && (x | 0) === x) n += 1;
        else if (typeof x === "boolean") n += 1;
        else n += 1 + this.value(x);
      }
      return n + this.props(o, true) + this.listeners(o);
    }
    let n = 1 + this.props(o, false) + this.listeners(o);
    const proto = Object.getPrototypeOf(o);
    if (proto && !this.m.rom.has(proto)) n += 1 + this.value(proto); // __proto__ link of a class instance
    return n;
  }

  /**
   * Own named properties (2 JsVars each for short names and small values).
   * @param {object} o @param {boolean} skipIndices
   */
  props(o, skipIndices) {
    let n = 0;
    let keys = Object.getOwnPropertyNames(o);
    // a typed array's own keys are its indices 0..length-1, then any named ones: skip the indices unread
    if (ArrayBuffer.isView(o)) keys = keys.slice(/** @type {Uint8Array} */ (o).length ?? 0);
    for (const k of keys) {
      if (skipIndices && (k === "length" || /^[0-9]+$/.test(k))) continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (!d) continue;
      // a method Espruino implements natively (a class method in ROM on the board) costs the object nothing
      if ("value" in d && typeof d.value === "function" && /** @type {any} */ (d.value)[BUILTIN]) continue;
      if ("value" in d) n += this.name(k) + this.value(d.value);
      else n += this.name(k) + (d.get ? this.value(d.get) : 0) + (d.set ? this.value(d.set) : 0);
    }
    return n;
  }

  /**
   * A function: the function JsVar, its code (a copy of its source text, one per created closure; or, for a
   * function parsed from a Storage file on a board that memory-maps Storage, a NativeString of 1 JsVar that
   * points into flash), one JsVar per parameter name, a scope link, own properties.
   * @param {Function} f
   */
  fn(f) {
    let code = this.m.codeChars.get(f);
    if (code === undefined) {
      let text;
      try {
        text = Function.prototype.toString.call(f);
      } catch {
        text = "";
      }
      const dev = this.dev;
      if (text.endsWith("{ [native code] }")) code = NATIVE_FN;
      else if (dev.board.codeInFlash && text && dev.flashCode && dev.flashCode.includes(text)) code = FLASH_CODE;
      else code = storedCodeChars(text);
      this.m.codeChars.set(f, code);
    }
    if (code === NATIVE_FN) return 1 + this.fnProps(f);
    const params = f.length;
    return 1 + 1 + (code === FLASH_CODE ? 1 : this.str(code)) + params + 1 + this.fnProps(f);
  }

  /** @param {Function} f */
  fnProps(f) {
    let n = 0;
    for (const k of Object.getOwnPropertyNames(f)) {
      if (k === "length" || k === "name" || k === "arguments" || k === "caller") continue;
      const d = Object.getOwnPropertyDescriptor(f, k);
      if (!d || !("value" in d)) continue;
      if (k === "prototype") {
        // Espruino creates a prototype object lazily; count it only when something was put on it
        const p = d.value;
        if (p && Object.getOwnPropertyNames(p).some((x) => x !== "constructor")) n += this.name(k) + this.value(p);
        else if (p) this.seen.add(p);
        continue;
      }
      n += this.name(k) + this.value(d.value);
    }
    return n;
  }
}

/**
 * Characters Espruino keeps of a function's source: comments stripped, whitespace runs collapsed (identifiers
 * kept), without the simulator's `__s();` ticks. (Approximate: a comment-like sequence inside a string
 * literal is also dropped.)
 * @param {string} text
 */
export function storedCodeChars(text) {
  const wraps = (text.match(/__(?:cm?|a)\(/g) ?? []).length;
  const t = text.replace(/__[sk]\(\d+\);|else\{__k\(\d+\);\}/g, "").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").replace(/\s+/g, " ");
  return Math.max(0, t.length - 5 * wraps); // each `a+b` -> `__c(a,b)` wrap adds about 5 characters
}
