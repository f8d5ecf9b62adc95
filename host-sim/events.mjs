// Espruino's object events (jswrap_object.c on/emit/removeListener/removeAllListeners) for objects the
// simulator hands to device code, plus the stream buffer of jswrap_stream.c: data pushed while an object
// has no 'data' listener is kept and delivered when one is added (read()/available() also drain it).

/** @typedef {(fn: Function, thisArg: unknown, args: unknown[]) => void} Invoker */

/**
 * Marks a method the simulator puts on an object that Espruino implements natively (a class method in ROM on the
 * board: `req.on`, `res.write`, ...): the JsVar model (host-sim/memory.mjs) does not count such a property.
 */
export const BUILTIN = Symbol.for("espruino-sim.builtin");

/** @template {Function} F @param {F} fn @returns {F} */
export function builtin(fn) {
  /** @type {any} */ (fn)[BUILTIN] = true;
  return fn;
}

export class EventHub {
  /**
   * @param {(job: () => void) => void} queue  queues a callback for the device's event loop
   * @param {Invoker} invoke                    calls device code, reporting uncaught errors
   */
  constructor(queue, invoke) {
    this.queue = queue;
    this.invoke = invoke;
    /** @type {WeakMap<object, Map<string, Function[]>>} */
    this.listeners = new WeakMap();
    /** @type {WeakMap<object, string>} */
    this.streamBuffers = new WeakMap();
  }

  /**
   * @param {object} obj @param {string} ev
   * @returns {Function[]}
   */
  list(obj, ev) {
    return this.listeners.get(obj)?.get(ev) ?? [];
  }

  /** @param {object} obj @param {string} ev */
  has(obj, ev) {
    return this.list(obj, ev).length > 0;
  }

  /**
   * Adds on/addListener/prependListener/emit/removeListener/removeAllListeners to `obj`.
   * @param {Record<string, any>} obj
   */
  install(obj) {
    const hub = this;
    /** @param {string} ev @param {Function} fn @param {boolean} first */
    const add = (ev, fn, first) => {
      let m = hub.listeners.get(obj);
      if (!m) hub.listeners.set(obj, (m = new Map()));
      const arr = m.get(ev) ?? [];
      if (first) arr.unshift(fn);
      else arr.push(fn);
      m.set(ev, arr);
      if (ev === "data") hub.flushStream(obj);
    };
    obj.on = function (/** @type {string} */ ev, /** @type {Function} */ fn) {
      add(String(ev), fn, false);
    };
    obj.addListener = obj.on;
    obj.prependListener = function (/** @type {string} */ ev, /** @type {Function} */ fn) {
      add(String(ev), fn, true);
    };
    obj.emit = function (/** @type {string} */ ev) {
      hub.emitNow(obj, String(ev), Array.prototype.slice.call(arguments, 1));
    };
    obj.removeListener = function (/** @type {string} */ ev, /** @type {Function} */ fn) {
      const arr = hub.listeners.get(obj)?.get(String(ev));
      if (!arr) return;
      const i = arr.indexOf(fn);
      if (i >= 0) arr.splice(i, 1);
    };
    obj.removeAllListeners = function (/** @type {string | undefined} */ ev) {
      const m = hub.listeners.get(obj);
      if (!m) return;
      if (ev === undefined) m.clear();
      else m.delete(String(ev));
    };
    for (const k of ["on", "prependListener", "emit", "removeListener", "removeAllListeners"]) builtin(obj[k]);
    return obj;
  }

  /**
   * Calls the listeners now (used from queued jobs and by obj.emit()).
   * @param {object} obj @param {string} ev @param {unknown[]} args
   */
  emitNow(obj, ev, args) {
    for (const fn of this.list(obj, ev).slice()) this.invoke(fn, obj, args);
  }

  /**
   * Queues an event for the device's event loop (Espruino's jsiQueueObjectCallbacks).
   * @param {object} obj @param {string} ev @param {unknown[]} args
   */
  queueEmit(obj, ev, args) {
    this.queue(() => this.emitNow(obj, ev, args));
  }

  /**
   * jswrap_stream_pushData: deliver as a queued 'data' event, or keep it until a listener appears.
   * @param {object} obj @param {string} data
   */
  pushData(obj, data) {
    if (this.has(obj, "data")) this.queueEmit(obj, "data", [data]);
    else this.streamBuffers.set(obj, (this.streamBuffers.get(obj) ?? "") + data);
  }

  /** @param {object} obj */
  flushStream(obj) {
    const buf = this.streamBuffers.get(obj);
    if (buf) {
      this.streamBuffers.delete(obj);
      this.queueEmit(obj, "data", [buf]);
    }
  }

  /**
   * stream.read(chars) / available()
   * @param {object} obj @param {number | undefined} chars
   */
  read(obj, chars) {
    const buf = this.streamBuffers.get(obj) ?? "";
    const n = chars && chars > 0 ? Math.min(chars, buf.length) : buf.length;
    const rest = buf.substring(n);
    if (rest) this.streamBuffers.set(obj, rest);
    else this.streamBuffers.delete(obj);
    return buf.substring(0, n);
  }

  /** @param {object} obj */
  available(obj) {
    return (this.streamBuffers.get(obj) ?? "").length;
  }
}
