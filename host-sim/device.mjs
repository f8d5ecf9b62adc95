// SimDevice: one simulated Espruino board running an unmodified firmware bundle.
// Each device owns its realm (node:vm context), Clock, TimerQueue, event queue, Storage, network and console,
// so any number of devices can run in one Node process, fully independent.
import { EventEmitter } from "node:events";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Clock, TimerQueue } from "./clock.mjs";
import { createRealm, defineGlobals, installDeviceDate, runInRealm } from "./sandbox.mjs";
import { EventHub } from "./events.mjs";
import { SimStorage } from "./storage.mjs";
import { SimNetwork } from "./http.mjs";
import { createGlobals, formatArgs } from "./globals.mjs";
import { MemoryModel } from "./memory.mjs";
import { loadBoard } from "./boards.mjs";
import { toSignal } from "./signals.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_BUNDLE = join(ROOT, "dist", "firmware.min.js");

/** Bound on callbacks run by one advance()/idle drain, so runaway catch-up cannot hang the host. */
const MAX_PASSES = 1_000_000;

/**
 * @typedef {import("./signals.mjs").Signal | ((t: number, pin: number) => number) | number} SignalSpec
 * @typedef {object} SimDeviceOptions
 * @property {string} [bundle]   path to a built bundle, or its source text (default dist/firmware.min.js)
 * @property {string | Partial<import("./boards.mjs").BoardProfile>} [board]  profile name/path/object
 * @property {Record<string, unknown>} [storage]  files seeded before the bundle runs (string or JSON value)
 * @property {Record<string, SignalSpec>} [signals]  per pin ("D32", "32"): analogRead source
 * @property {"virtual" | "realtime"} [clock]   default "virtual"
 * @property {number} [startTime]  device time at creation in seconds (default 0)
 * @property {Record<string, number> | ((devicePort: number) => number | undefined)} [portMap]
 *   device port -> host port on 127.0.0.1
 * @property {number} [hostPort]   host port for device ports not in portMap (default 0 = ephemeral)
 * @property {(line: string) => void} [onConsole]  called for every console line
 * @property {boolean} [throwErrors]  rethrow uncaught device errors from boot()/advance() (default false)
 * @property {string} [name]       label (used in realm name)
 */

export class SimDevice extends EventEmitter {
  /** @param {SimDeviceOptions} [opts] */
  constructor(opts = {}) {
    super();
    this.options = opts;
    this.board = loadBoard(opts.board);
    this.name = opts.name ?? this.board.name;
    const bundle = opts.bundle ?? DEFAULT_BUNDLE;
    const isPath = !/[\n;(]/.test(bundle) && (bundle.endsWith(".js") || existsSync(bundle));
    /** @type {string} */
    this.bundleFile = isPath ? bundle : "bundle.js";
    /** @type {string} */
    this.source = isPath ? readFileSync(bundle, "utf8") : bundle;

    this.clock = new Clock({ mode: opts.clock ?? "virtual", startMs: (opts.startTime ?? 0) * 1000 });
    this.timers = new TimerQueue({ minMs: this.board.timerMinMs });
    /** @type {string[]} */
    this.console = [];
    /** @type {unknown[]} uncaught device errors, in order */
    this.errors = [];
    /** @type {string[]} */
    this.errorFlags = [];
    /** @type {(() => void)[]} */
    this.eventQueue = [];
    this.booted = false;
    this.stopped = false;
    /** @type {Map<number, number>} device port -> host port */
    this.ports = new Map();
    /** @type {Map<number, number>} */
    this.pinState = new Map();
    /** @type {Map<number, import("./signals.mjs").Signal>} */
    this.signals = new Map();
    for (const k of Object.keys(opts.signals ?? {})) this.setSignal(k, /** @type {SignalSpec} */ ((opts.signals ?? {})[k]));

    this.storage = new SimStorage({ capacity: this.board.storageBytes });
    if (opts.storage) this.storage.seed(opts.storage);
    this.memory = new MemoryModel(this.board, this.source.length);

    this.realm = createRealm({ name: "espruino:" + this.name });
    this.events = new EventHub(
      (job) => this.queue(job),
      (fn, thisArg, args) => this.invoke(fn, thisArg, args)
    );
    /** @type {Map<number, Record<string, any>>} */
    this.pins = new Map();
    /** @type {WeakMap<object, number>} */
    this.pinIds = new WeakMap();
    this.net = new SimNetwork({
      realm: this.realm,
      events: this.events,
      queue: (job) => this.queue(job),
      invoke: (fn, thisArg, args) => this.invoke(fn, thisArg, args),
      print: (line) => this.print(line),
      kick: () => this.kick(),
      mapPort: (p) => this.mapPort(p),
      onListening: (info) => {
        this.ports.set(info.devicePort, info.hostPort);
        this.emit("listening", info);
      },
      onListenError: (err, devicePort) => {
        this.print("Uncaught InternalError: Unable to create socket");
        this.emit("hostError", Object.assign(err, { devicePort }));
      },
      onTx: (info) => this.emit("tx", info),
      board: this.board,
    });
    installDeviceDate(this.realm, () => this.clock.now());
    defineGlobals(this.realm, createGlobals(this));

    /** @type {NodeJS.Immediate | undefined} */
    this.pumpHandle = undefined;
    /** @type {NodeJS.Timeout | undefined} */
    this.rtHandle = undefined;
  }

  // ------------------------------------------------------------------ public API

  /**
   * Runs the bundle (as Espruino runs .bootcde), then E.on('init') handlers and onInit(), then waits until
   * every listen() is bound on the host. Uncaught errors go to the console (and `errors`); with
   * `throwErrors` the first one rejects. Rejects if a listen() could not bind its host port.
   * @returns {Promise<this>}
   */
  async boot() {
    if (this.booted) throw new Error("device already booted");
    if (this.stopped) throw new Error("device stopped");
    this.booted = true;
    const errorsBefore = this.errors.length;
    try {
      runInRealm(this.realm, this.source, this.bundleFile);
    } catch (e) {
      this.reportUncaught(e);
    }
    this.queue(() => this.events.emitNow(/** @type {any} */ (this.globalGet("E")), "init", []));
    this.queue(() => {
      const onInit = this.globalGet("onInit");
      if (typeof onInit === "function") this.invoke(onInit, undefined, []);
    });
    this.runQueue();
    this.timersChanged();
    for (const l of this.net.listeners) await l.ready; // rejects with EADDRINUSE etc.
    if (this.options.throwErrors && this.errors.length > errorsBefore) throw this.errors[errorsBefore];
    return this;
  }

  /**
   * Virtual clock: moves device time forward by `ms`.
   * Default (idle device): time steps to each due timer in turn and fires it on time.
   * `{ jump: true }`: time jumps by `ms` at once, as if running code had kept the board busy, then the idle
   * loop catches up (each late interval fires once per pass until caught up: Espruino's catch-up burst;
   * every callback of the burst sees the current getTime()).
   * @param {number} ms
   * @param {{jump?: boolean}} [opts]
   * @returns {number} number of timer callbacks run
   */
  advance(ms, opts) {
    if (this.clock.mode !== "virtual") throw new Error("advance() needs clock: 'virtual'");
    if (this.stopped) return 0;
    const target = this.clock.now() + Math.max(0, ms);
    const errorsBefore = this.errors.length;
    let fired = 0;
    if (opts?.jump) {
      this.clock.setVirtual(target);
      fired += this.settle();
    } else {
      for (let i = 0; i < MAX_PASSES; i++) {
        const next = this.timers.nextDue();
        if (next > target) break;
        this.clock.setVirtual(next);
        fired += this.idle(true);
      }
      this.clock.setVirtual(target);
      fired += this.settle();
    }
    if (this.options.throwErrors && this.errors.length > errorsBefore) throw this.errors[errorsBefore];
    return fired;
  }

  /** Device time in ms. */
  now() {
    return this.clock.now();
  }

  /** getTime() as the device sees it. */
  getTime() {
    return this.clock.getTimeSeconds();
  }

  /**
   * The real 127.0.0.1 port a device listen(port) was bound to (undefined until bound).
   * @param {number} devicePort
   */
  hostPort(devicePort) {
    return this.ports.get(devicePort);
  }

  /**
   * Resolves with the host port once the device listens on `devicePort` (any port if omitted).
   * @param {number} [devicePort]
   * @returns {Promise<number>}
   */
  whenListening(devicePort) {
    for (const [dp, hp] of this.ports) if (devicePort === undefined || dp === devicePort) return Promise.resolve(hp);
    return new Promise((resolve, reject) => {
      /** @param {{devicePort: number, hostPort: number}} info */
      const onL = (info) => {
        if (devicePort !== undefined && info.devicePort !== devicePort) return;
        cleanup();
        resolve(info.hostPort);
      };
      /** @param {Error & {devicePort?: number}} err */
      const onE = (err) => {
        if (devicePort !== undefined && err.devicePort !== devicePort) return;
        cleanup();
        reject(err);
      };
      const onS = () => {
        cleanup();
        reject(new Error("device stopped"));
      };
      const cleanup = () => {
        this.off("listening", onL);
        this.off("hostError", onE);
        this.off("stopped", onS);
      };
      this.on("listening", onL);
      this.on("hostError", onE);
      this.on("stopped", onS);
    });
  }

  /**
   * Evaluates code in the device realm and returns its value (exceptions propagate to the caller).
   * @param {string} code
   */
  evaluate(code) {
    return runInRealm(this.realm, String(code), "eval");
  }

  /**
   * Sets or replaces the analogRead source of a pin.
   * @param {string | number} pin  "D32" or 32
   * @param {SignalSpec} signal
   */
  setSignal(pin, signal) {
    const n = typeof pin === "number" ? pin : parseInt(String(pin).replace(/^[A-Za-z]+/, ""), 10);
    if (!(n >= 0)) throw new Error("bad pin " + String(pin));
    this.signals.set(n, toSignal(signal));
  }

  /** Stops everything: servers, sockets, timers, pumps. Idempotent. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pumpHandle) clearImmediate(this.pumpHandle);
    if (this.rtHandle) clearTimeout(this.rtHandle);
    this.pumpHandle = undefined;
    this.rtHandle = undefined;
    this.timers.clear();
    this.eventQueue.length = 0;
    await this.net.stop();
    this.emit("stopped");
  }

  // ------------------------------------------------------------------ internals (used by the modules)

  /** @param {string} line */
  print(line) {
    for (const l of String(line).split("\n")) {
      this.console.push(l);
      this.options.onConsole?.(l);
      this.emit("console", l);
    }
  }

  /** @param {string} name */
  globalGet(name) {
    return /** @type {any} */ (this.realm.context)[name];
  }

  /** @param {() => void} job */
  queue(job) {
    this.eventQueue.push(job);
  }

  /** Runs queued events (and events they queue), like jsiExecuteEvents. */
  runQueue() {
    let n = 0;
    while (this.eventQueue.length && !this.stopped && n++ < MAX_PASSES) {
      const job = /** @type {() => void} */ (this.eventQueue.shift());
      job();
    }
  }

  /**
   * Calls device code; an exception is reported as Espruino does and does not propagate.
   * @param {Function} fn @param {unknown} thisArg @param {unknown[]} args
   */
  invoke(fn, thisArg, args) {
    try {
      fn.apply(thisArg, args);
    } catch (e) {
      this.reportUncaught(e);
    }
  }

  /** @param {unknown} e */
  reportUncaught(e) {
    this.errors.push(e);
    const proc = /** @type {any} */ (this.globalGet("process"));
    if (proc && this.events.has(proc, "uncaughtException")) {
      this.events.emitNow(proc, "uncaughtException", [e]);
      return;
    }
    if (e !== null && typeof e === "object" && "message" in e) {
      const name = /** @type {any} */ (e).name;
      const kind = name === "ReferenceError" || name === "SyntaxError" || name === "InternalError" ? name : "Error";
      this.print("Uncaught " + kind + ": " + String(/** @type {any} */ (e).message));
    } else {
      this.print("Uncaught " + formatArgs([e], this).replace(/^([^"].*)$/, "$1"));
    }
  }

  /**
   * One pass of the idle loop: network, queued events, then (if asked) every due timer once.
   * @param {boolean} runTimers
   * @returns {number} timer callbacks run
   */
  idle(runTimers) {
    if (this.stopped) return 0;
    this.net.pass();
    this.runQueue();
    let fired = 0;
    if (runTimers) {
      for (const t of this.timers.takeDue(this.clock.now())) {
        if (this.timers.timers.get(t.id) !== t) continue; // cleared by an earlier callback of this pass
        if (!t.interval) this.timers.remove(t.id);
        fired++;
        this.invoke(t.fn, undefined, t.args);
        this.runQueue();
      }
    }
    return fired;
  }

  /** Idle passes until no timer is due at the current time (catch-up bursts). */
  settle() {
    let fired = 0;
    for (let i = 0; i < MAX_PASSES; i++) {
      const n = this.idle(true);
      fired += n;
      if (this.timers.nextDue() > this.clock.now() || n === 0) break;
    }
    return fired;
  }

  /** Network work is pending: schedule idle-loop passes from Node's event loop (both clock modes). */
  kick() {
    if (this.pumpHandle || this.stopped || !this.booted) return;
    this.pumpHandle = setImmediate(() => {
      this.pumpHandle = undefined;
      if (this.stopped) return;
      this.idle(this.clock.mode === "realtime");
      if (this.net.hasWork() || this.eventQueue.length) this.kick();
      this.timersChanged();
    });
  }

  /** Real-time mode: (re)arms one host timer for the earliest device timer. */
  timersChanged() {
    if (this.clock.mode !== "realtime" || this.stopped || !this.booted) return;
    if (this.rtHandle) clearTimeout(this.rtHandle);
    this.rtHandle = undefined;
    const next = this.timers.nextDue();
    if (next === Infinity) return;
    this.rtHandle = setTimeout(() => {
      this.rtHandle = undefined;
      if (this.stopped) return;
      this.idle(true);
      if (this.net.hasWork()) this.kick();
      this.timersChanged();
    }, Math.max(0, Math.min(next - this.clock.now(), 2 ** 31 - 1)));
  }

  /** @param {number} devicePort */
  mapPort(devicePort) {
    const pm = this.options.portMap;
    let hp;
    if (typeof pm === "function") hp = pm(devicePort);
    else if (pm && pm[String(devicePort)] !== undefined) hp = pm[String(devicePort)];
    return hp ?? this.options.hostPort ?? 0;
  }

  /**
   * The Pin object for GPIO `n` (a device-realm object; String(D32) === "D32").
   * @param {number} n
   */
  pin(n) {
    let p = this.pins.get(n);
    if (p) return p;
    p = this.realm.obj();
    const name = this.board.pins.prefix + n;
    const dev = this;
    p.toString = function () {
      return name;
    };
    p.read = function () {
      return dev.pinState.get(n) ?? 0;
    };
    p.write = function (/** @type {unknown} */ v) {
      dev.pinState.set(n, v ? 1 : 0);
    };
    p.set = function () {
      dev.pinState.set(n, 1);
    };
    p.reset = function () {
      dev.pinState.set(n, 0);
    };
    p.getInfo = function () {
      return dev.realm.fromHost({ port: "D", num: n, analog: dev.board.adc.pins.indexOf(n) >= 0 ? { ADC: 1, channel: 0 } : undefined });
    };
    this.pins.set(n, p);
    this.pinIds.set(p, n);
    return p;
  }

  /**
   * A pin argument (Pin object, "D32", 32) as a GPIO number, or undefined.
   * @param {unknown} pin
   */
  pinNumber(pin) {
    if (pin !== null && typeof pin === "object") return this.pinIds.get(pin);
    if (typeof pin === "number") return pin >= 0 && pin < this.board.pins.count && (pin | 0) === pin ? pin : undefined;
    if (typeof pin === "string") {
      const prefix = this.board.pins.prefix;
      if (pin.startsWith(prefix)) {
        const n = Number(pin.substring(prefix.length));
        if ((n | 0) === n && n >= 0 && n < this.board.pins.count) return n;
      }
    }
    return undefined;
  }
}
