// Faults a test or a fleet run can inject into one simulated device, at once (device.fault(name, params))
// or on a schedule of device time (device.schedule([{at: seconds, fault: name, ...params}])).
// Details: docs/simulator.md "host-sim/faults.mjs".
import net from "node:net";

/** @typedef {import("./device.mjs").SimDevice} SimDevice */

export const FAULTS = [
  "wifi-drop", "wifi-restore", "stall", "clock-step", "memory-pressure", "memory-release", "socket-exhaustion",
  "socket-release", "power-cycle", "watchdog",
];

/**
 * @typedef {object} ScheduleEntry
 * @property {number} at       seconds after schedule()
 * @property {string} fault
 * @property {string | string[]} [device]
 * @property {number} [ms]
 * @property {number} [seconds]
 * @property {number} [jsVars]
 * @property {number} [count]
 * @property {number} [port]
 */

/**
 * Validates fault parameters; throws with a message naming the problem.
 * @param {string} name @param {Record<string, unknown>} p @param {string} [where]
 */
export function checkFault(name, p, where) {
  const w = where ? where + ": " : "";
  if (!FAULTS.includes(name)) throw new Error(w + "unknown fault " + JSON.stringify(name) + " (" + FAULTS.join(", ") + ")");
  /** @param {string} k @param {boolean} required @param {(v: number) => boolean} ok @param {string} what */
  const num = (k, required, ok, what) => {
    const v = p[k];
    if (v === undefined) {
      if (required) throw new Error(w + name + " needs '" + k + "' (" + what + ")");
      return;
    }
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) throw new Error(w + name + ": '" + k + "' must be " + what + ", got " + JSON.stringify(v));
  };
  if (name === "stall") num("ms", true, (v) => v >= 0, "a number of ms >= 0");
  if (name === "clock-step") num("seconds", true, () => true, "a number of seconds (may be negative)");
  if (name === "memory-pressure") num("jsVars", true, (v) => v >= 0 && Number.isInteger(v), "an integer >= 0");
  if (name === "socket-exhaustion") {
    num("count", false, (v) => v >= 0 && Number.isInteger(v), "an integer >= 0");
    num("port", false, (v) => v > 0 && Number.isInteger(v), "a device port");
  }
}

/**
 * Parses and validates a schedule (array or {schedule: [...]}).
 * @param {unknown} json @param {string} [name]
 * @returns {ScheduleEntry[]}
 */
export function parseSchedule(json, name = "faults") {
  const list = Array.isArray(json) ? json : json && typeof json === "object" ? /** @type {any} */ (json).schedule : undefined;
  if (!Array.isArray(list)) throw new Error(name + ": expected an array of {at, fault, ...} or {\"schedule\": [...]}");
  return list.map((e, i) => {
    const where = name + " entry " + (i + 1);
    if (!e || typeof e !== "object" || Array.isArray(e)) throw new Error(where + ": expected an object {at, fault, ...}");
    if (typeof e.at !== "number" || !Number.isFinite(e.at) || e.at < 0) throw new Error(where + ": 'at' must be seconds >= 0, got " + JSON.stringify(e.at));
    if (typeof e.fault !== "string") throw new Error(where + ": 'fault' must be a fault name");
    if (e.device !== undefined && typeof e.device !== "string" && !(Array.isArray(e.device) && e.device.every((/** @type {unknown} */ d) => typeof d === "string"))) {
      throw new Error(where + ": 'device' must be a device name or an array of names");
    }
    checkFault(e.fault, e, where);
    return /** @type {ScheduleEntry} */ (e);
  });
}

/**
 * Per-device fault state and the fault implementations.
 */
export class FaultInjector {
  /** @param {SimDevice} dev */
  constructor(dev) {
    this.dev = dev;
    /** @type {net.Socket[]} */
    this.heldSockets = [];
    /** @type {{fault: string, at: number}[]} faults applied, with device time (ms) */
    this.log = [];
  }

  /**
   * Applies a fault now.
   * @param {string} name
   * @param {Record<string, unknown>} [params]
   * @returns {Promise<void> | void}  socket-exhaustion resolves once the connections are accepted by the host
   */
  apply(name, params = {}) {
    checkFault(name, params);
    const dev = this.dev;
    this.log.push({ fault: name, at: dev.clock.now() });
    dev.emit("fault", { fault: name, params });
    switch (name) {
      case "wifi-drop":
        dev.wifi.drop();
        return;
      case "wifi-restore":
        dev.wifi.restore();
        return;
      case "stall":
        return this.stall(/** @type {number} */ (params.ms));
      case "clock-step":
        dev.clock.step(/** @type {number} */ (params.seconds) * 1000);
        return;
      case "memory-pressure":
        this.reserve(/** @type {number} */ (params.jsVars));
        return;
      case "memory-release":
        this.reserve(0);
        return;
      case "socket-exhaustion":
        return this.holdSockets(/** @type {number | undefined} */ (params.count), /** @type {number | undefined} */ (params.port));
      case "socket-release":
        this.releaseSockets();
        return;
      case "power-cycle":
        dev.powerCycle("power cycle");
        return;
      case "watchdog":
        dev.print("WATCHDOG TIMEOUT: rebooting (fault injected)");
        dev.powerCycle("watchdog");
        return;
    }
  }

  /**
   * The loop is blocked for `ms`; timers catch up afterwards (the caller's advance() loop, or settle()).
   * @param {number} ms
   */
  stall(ms) {
    const dev = this.dev;
    const wd = dev.watchdog;
    const now = dev.clock.now();
    if (wd && now + ms >= wd.lastKick + wd.timeoutMs) {
      dev.clock.jump(Math.max(0, wd.lastKick + wd.timeoutMs - now));
      dev.watchdogBite();
      return;
    }
    dev.clock.jump(ms);
    if (!dev.inIdle) dev.settle();
    dev.timersChanged();
  }

  /** @param {number} n */
  reserve(n) {
    const mem = /** @type {any} */ (this.dev.memory);
    if (typeof mem.reserve !== "function") throw new Error("the memory model has no reserve(n) hook");
    mem.reserve(n);
  }

  /**
   * @param {number | undefined} count @param {number | undefined} devicePort
   */
  async holdSockets(count, devicePort) {
    const dev = this.dev;
    let hostPort;
    if (devicePort !== undefined) hostPort = dev.hostPort(devicePort);
    else for (const hp of dev.ports.values()) hostPort ??= hp;
    if (!hostPort) throw new Error("socket-exhaustion: the device is not listening" + (devicePort ? " on port " + devicePort : ""));
    const n = count ?? Math.max(0, dev.board.sockets - dev.net.socketsInUse());
    /** @type {Promise<void>[]} */
    const opened = [];
    for (let i = 0; i < n; i++) {
      const s = net.connect({ host: "127.0.0.1", port: hostPort });
      s.on("error", () => {});
      s.on("data", () => {});
      this.heldSockets.push(s);
      opened.push(new Promise((r) => s.once("connect", () => r()).once("close", () => r())));
    }
    await Promise.all(opened);
    // let the device accept them (one per listener per idle pass)
    for (let i = 0; i < n * 4 + 10; i++) await new Promise((r) => setImmediate(r));
  }

  releaseSockets() {
    for (const s of this.heldSockets.splice(0)) s.destroy();
    this.dev.kick();
  }

  /**
   * Registers schedule entries on the device's agenda (times relative to now).
   * @param {ScheduleEntry[]} entries
   */
  schedule(entries) {
    const dev = this.dev;
    const base = dev.clock.now();
    for (const e of entries) {
      checkFault(e.fault, /** @type {any} */ (e));
      if (e.device !== undefined) {
        const names = Array.isArray(e.device) ? e.device : [e.device];
        if (!names.includes(dev.name)) continue;
      }
      dev.agenda.add(base + e.at * 1000, () => {
        const r = this.apply(e.fault, /** @type {any} */ (e));
        if (r && typeof r.then === "function") r.catch((err) => dev.print("fault " + e.fault + " failed: " + (err instanceof Error ? err.message : String(err))));
      });
    }
    dev.timersChanged();
  }

  stop() {
    this.releaseSockets();
  }
}
