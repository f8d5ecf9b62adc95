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
import { CostModel } from "./cost.mjs";
import { HwTimer } from "./hwtimer.mjs";
import { loadBoard } from "./boards.mjs";
import { toSignal } from "./signals.mjs";
import { Agenda } from "./agenda.mjs";
import { SimWifi } from "./wifi.mjs";
import { FaultInjector } from "./faults.mjs";
import { consoleGlobals, openDeviceConsole, selectBootSource } from "./console/boot.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_BUNDLE = join(ROOT, "dist", "firmware.min.js");

/** Bound on callbacks run by one advance()/idle drain, so runaway catch-up cannot hang the host. */
const MAX_PASSES = 1_000_000;

/**
 * @typedef {import("./signals.mjs").Signal | ((t: number, pin: number) => number) | number | Record<string, unknown>} SignalSpec
 * @typedef {object} SimDeviceOptions
 * @property {string | null} [bundle]   path to a built bundle, or its source text (default dist/firmware.min.js);
 *   null: no bundle, every boot runs Storage ".bootcde" if present (a bare REPL otherwise), like a board
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
 * @property {import("./cost.mjs").CostOptions | boolean} [costModel]  statement instrumentation, charged time,
 *   memory sampling (default on; false = uninstrumented bundle for fast fleets). See host-sim/MEMORY.md.
 * @property {number} [memoryRefreshMs]  process.memory() walks the heap at most once per this many ms of host
 *   time and reports the last walk in between (default 0: every call; fleets use 5000, host-sim/fleet.mjs)
 * @property {Partial<import("./wifi.mjs").AccessPoint>} [wifi]  the device's access point (host-scriptable)
 * @property {boolean} [unreachableWithoutWifi]  the host reaches the board's sockets only while its Wi-Fi
 *   station is connected (has an IP): otherwise new clients are reset and open connections are reset on the
 *   next idle pass (host-sim/http.mjs). Default false: sockets are reachable whatever Wi-Fi does (firmware
 *   that never joins Wi-Fi stays testable). For firmware that joins Wi-Fi, to show a wifi-drop as a scrape gap.
 */

/** Idle passes per turn of Node's event loop while network work is pending, without the cost model. */
const NET_BURST_PASSES = 64;

export class SimDevice extends EventEmitter {
  /** @param {SimDeviceOptions} [opts] */
  constructor(opts = {}) {
    super();
    this.options = opts;
    this.board = loadBoard(opts.board);
    this.name = opts.name ?? this.board.name;
    /** boots run Storage ".bootcde" (bundle: null), see host-sim/console/boot.mjs */
    this.bootFromStorage = opts.bundle === null;
    /** the code the current boot runs from Storage (set by runBundle; see host-sim/MEMORY.md "Code") */
    this.flashCode = "";
    const bundle = opts.bundle === null ? "" : opts.bundle ?? DEFAULT_BUNDLE;
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
    /** host-side jobs at device times (Wi-Fi events, fault schedules, watchdog); kept across reboots */
    this.agenda = new Agenda();
    /** boots so far (power cycles included); jobs of an older boot are stale */
    this.bootCount = 0;
    this.wifi = new SimWifi(this, opts.wifi);
    /** @type {string | undefined} the Telnet console's mode ("on" at every boot, "off") on boards that have one */
    this.telnetMode = undefined;
    this.faults = new FaultInjector(this);
    /** @type {{timeoutMs: number, auto: boolean, lastKick: number} | undefined} E.enableWatchdog state */
    this.watchdog = undefined;
    /** @type {Map<number, number>} pin -> ADC full scale in mV set by ESP32.setAtten (absent: board default) */
    this.atten = new Map();
    this.inIdle = false;
    // per-boot state, (re)built by createRuntime()
    /** @type {import("./sandbox.mjs").Realm} */
    this.realm = /** @type {any} */ (undefined);
    /** @type {EventHub} */
    this.events = /** @type {any} */ (undefined);
    /** @type {SimNetwork} */
    this.net = /** @type {any} */ (undefined);
    /** @type {MemoryModel} */
    this.memory = /** @type {any} */ (undefined);
    /** @type {CostModel} */
    this.cost = /** @type {any} */ (undefined);
    /** @type {HwTimer} */
    this.hw = /** @type {any} */ (undefined);
    /** @type {Map<number, Record<string, any>>} */
    this.pins = new Map();
    /** @type {WeakMap<object, number>} */
    this.pinIds = new WeakMap();

    /** @type {NodeJS.Immediate | undefined} */
    this.pumpHandle = undefined;
    /** @type {NodeJS.Timeout | undefined} */
    this.rtHandle = undefined;
    this.createRuntime();
  }

  /**
   * Everything that belongs to one boot of the board: the realm and its globals, memory model, event hub,
   * Pin objects and network. Called by the constructor and again by powerCycle().
   */
  createRuntime() {
    this.bootCount++;
    selectBootSource(this); // bundle: null / load(name): the code this boot runs
    this.memory = new MemoryModel(this.board, { refreshMs: this.options.memoryRefreshMs });
    const cm = this.options.costModel;
    /** statement hook, counts, charged time, OOM aborts (host-sim/cost.mjs) */
    this.cost = new CostModel(this, typeof cm === "boolean" ? { enabled: cm } : cm);
    /** hardware utility timer: require("timer") tasks and Waveform (host-sim/hwtimer.mjs) */
    this.hw = new HwTimer(this);
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
      chargeNative: (n) => this.cost.native(n),
      transient: (chars) => {
        if (this.cost.memoryAtCallbackEnd) this.memory.transient(chars);
      },
      board: this.board,
      reachable: () => !this.options.unreachableWithoutWifi || this.wifi.state === "connected",
    });
    installDeviceDate(this.realm, () => this.clock.wallNow());
    defineGlobals(this.realm, createGlobals(this));
    defineGlobals(this.realm, this.cost.globals());
    defineGlobals(this.realm, consoleGlobals(this)); // load(), save(), E.CRC32
    this.cost.installNatives(); // native-work charges (host-sim/natives.mjs): built-ins, so before attach()
    this.memory.attach(this);
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
    this.runBundle();
    for (const l of this.net.listeners) await l.ready; // rejects with EADDRINUSE etc.
    if (this.options.throwErrors && this.errors.length > errorsBefore) throw this.errors[errorsBefore];
    return this;
  }

  /** Runs the bundle, then E.on('init') handlers and onInit() (synchronous part of boot and power cycles). */
  runBundle() {
    const code = this.cost.prepare(this.source);
    // what this boot runs from Storage (.bootcde or load(file)): its functions' text stays in flash on boards
    // that memory-map Storage (host-sim/boards.mjs codeRunsFromFlash, MEMORY.md)
    this.flashCode = code;
    this.cost.run(() => runInRealm(this.realm, code, this.bundleFile));
    this.queue(() => this.events.emitNow(/** @type {any} */ (this.globalGet("E")), "init", []));
    this.queue(() => {
      const onInit = this.globalGet("onInit");
      if (typeof onInit === "function") this.invoke(onInit, undefined, []);
    });
    this.runQueue();
    this.timersChanged();
  }

  /**
   * Reboots the board keeping Storage (and the outside world: signals, access point, fault schedule):
   * the old realm's timers, servers and sockets are closed, a fresh realm runs the bundle and E.on('init')
   * handlers again. Listeners rebind the same host ports. getTime() continues (as if re-synced at boot).
   * Synchronous; the old servers finish closing in the background.
   * `{runCode: false}` is Espruino's reset(): RAM cleared, no saved code run; `keepWatchdog` (reset()) keeps
   * an enabled watchdog, which is hardware.
   * @param {string} [reason]
   * @param {{runCode?: boolean, keepWatchdog?: boolean}} [opts]
   */
  powerCycle(reason, opts) {
    if (this.stopped) return;
    const oldNet = this.net;
    oldNet.stop().catch(() => {});
    this.timers = new TimerQueue({ minMs: this.board.timerMinMs });
    this.eventQueue.length = 0;
    const wd = this.watchdog;
    this.watchdog = undefined;
    this.atten.clear();
    this.pinState.clear();
    this.errorFlags.length = 0;
    this.wifi.reset();
    this.createRuntime();
    if (wd && opts?.keepWatchdog) this.enableWatchdog(wd.timeoutMs / 1000, wd.auto);
    this.emit("reboot", { reason: reason ?? "power cycle", bootCount: this.bootCount });
    if (this.booted && opts?.runCode !== false) this.runBundle();
    this.kick();
  }

  /**
   * Applies a fault now (see host-sim/faults.mjs for names and parameters).
   * @param {string} name @param {Record<string, unknown>} [params]
   */
  fault(name, params) {
    return this.faults.apply(name, params);
  }

  /**
   * Schedules faults at device times: [{at: seconds from now, fault, ...params}].
   * @param {import("./faults.mjs").ScheduleEntry[]} entries
   */
  schedule(entries) {
    this.faults.schedule(entries);
  }

  /**
   * Host API: changes this device's access point (ssid, password, available, rssi, timing, ...).
   * @param {Partial<import("./wifi.mjs").AccessPoint>} patch
   */
  setAccessPoint(patch) {
    this.wifi.setAccessPoint(patch);
  }

  /**
   * E.enableWatchdog(seconds, isAuto): cannot be disabled; isAuto (default) kicks it on every idle pass.
   * @param {number} seconds @param {boolean} auto
   */
  enableWatchdog(seconds, auto) {
    const timeoutMs = Math.max(1, seconds * 1000);
    const wd = { timeoutMs, auto, lastKick: this.clock.now() };
    this.watchdog = wd;
    const boot = this.bootCount;
    const check = () => {
      if (this.bootCount !== boot || this.watchdog !== wd || this.stopped) return;
      const deadline = wd.lastKick + wd.timeoutMs;
      if (this.clock.now() >= deadline) this.watchdogBite();
      else this.agenda.add(deadline, check);
    };
    this.agenda.add(wd.lastKick + timeoutMs, check);
    this.timersChanged();
  }

  /** The watchdog was not kicked in time: a console line, then a power cycle. */
  watchdogBite() {
    const wd = this.watchdog;
    this.print("WATCHDOG TIMEOUT: not kicked for " + (wd ? wd.timeoutMs / 1000 : "?") + " s, rebooting");
    this.powerCycle("watchdog");
  }

  /**
   * The ADC full scale (volts) of a pin: its ESP32.setAtten value, else the board default.
   * @param {number} pin
   */
  fullScaleVolts(pin) {
    const mv = this.atten.get(pin);
    return mv === undefined ? this.board.adc.fullScaleVolts : mv / 1000;
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
      fired += this.settle(target);
    } else {
      for (let i = 0; i < MAX_PASSES; i++) {
        const next = Math.min(this.timers.nextDue(), this.agenda.nextDue(), this.hw.nextJsDue());
        if (next > target) break;
        this.clock.setVirtual(next);
        fired += this.idle(true);
      }
      this.clock.setVirtual(target);
      fired += this.settle(target);
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
   * Serves the device's REPL on 127.0.0.1 (the stock espruino CLI's `-p tcp://127.0.0.1:PORT`).
   * @param {import("./console/boot.mjs").DeviceConsoleOptions} [opts]
   */
  openConsole(opts) {
    return openDeviceConsole(this, opts);
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
    this.hw.clear();
    this.eventQueue.length = 0;
    this.agenda.clear();
    this.faults.stop();
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
    return this.cost.run(() => fn.apply(thisArg, args)); // false: aborted by OUT OF MEMORY
  }

  /** Out of memory (memory model over budget): Espruino's console text and error flags. */
  raiseMemoryError() {
    this.print("OUT OF MEMORY");
    let added = false;
    for (const f of ["LOW_MEMORY", "MEMORY"]) {
      if (this.errorFlags.indexOf(f) < 0) {
        this.errorFlags.push(f);
        added = true;
      }
    }
    if (added) this.print("New interpreter error: " + this.errorFlags.join(","));
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
    this.hostPass();
    this.net.pass();
    this.hw.idle();
    this.runQueue();
    let fired = 0;
    if (runTimers) {
      for (const t of this.timers.takeDue(this.clock.now())) {
        if (this.timers.timers.get(t.id) !== t) continue; // cleared by an earlier callback of this pass
        if (!t.interval) this.timers.remove(t.id);
        fired++;
        if (!this.invoke(t.fn, undefined, t.args) && t.interval && this.timers.remove(t.id)) {
          this.print("ERROR: Error processing interval - removing it."); // ran out of memory
        }
        this.runQueue();
      }
    }
    return fired;
  }

  /** Start of an idle pass: the auto watchdog kick, then host jobs due now (Wi-Fi events, faults). */
  hostPass() {
    if (this.watchdog?.auto) this.watchdog.lastKick = this.clock.now();
    this.inIdle = true;
    try {
      this.agenda.run(this.clock.now());
    } finally {
      this.inIdle = false;
    }
  }

  /**
   * Idle passes until no timer is due at the current time (catch-up bursts). `limit`: only timers due by
   * then, or by the time settling started if that is later (a stall): under the cost model callbacks move the
   * clock, and a device busier than its timers would never catch up; the overshoot carries into the next
   * advance().
   * @param {number} [limit]
   */
  settle(limit) {
    let fired = 0;
    const stop = limit === undefined ? Infinity : Math.max(limit, this.clock.now());
    for (let i = 0; i < MAX_PASSES; i++) {
      const n = this.idle(true);
      fired += n;
      if (this.timers.nextDue() > Math.min(this.clock.now(), stop) || n === 0) break;
    }
    return fired;
  }

  /** Network work is pending: schedule idle-loop passes from Node's event loop (both clock modes). */
  kick() {
    if (this.pumpHandle || this.stopped || !this.booted) return;
    this.pumpHandle = setImmediate(() => {
      this.pumpHandle = undefined;
      if (this.stopped) return;
      // without the cost model a pass takes no device time, so passes with network work run back to back (as
      // Espruino's idle loop does) instead of one per turn of Node's loop: a fleet's scrape in one turn
      const passes = this.cost.enabled ? 1 : NET_BURST_PASSES;
      for (let i = 0; i < passes; i++) {
        this.idle(this.clock.mode === "realtime");
        if (this.stopped || !(this.net.hasWork() || this.eventQueue.length)) break;
      }
      if (this.stopped) return;
      if (this.net.hasWork() || this.eventQueue.length) this.kick();
      this.timersChanged();
    });
  }

  /** Real-time mode: (re)arms one host timer for the earliest device timer. */
  timersChanged() {
    if (this.clock.mode !== "realtime" || this.stopped || !this.booted) return;
    if (this.rtHandle) clearTimeout(this.rtHandle);
    this.rtHandle = undefined;
    const next = Math.min(this.timers.nextDue(), this.agenda.nextDue(), this.hw.nextJsDue());
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
    const sticky = this.ports.get(devicePort); // after a power cycle: the same host port again
    if (sticky) return sticky;
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
