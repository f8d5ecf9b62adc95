// Espruino's globals and built-in modules for one device (what firmware/platform.ts and ordinary Espruino
// code use). Everything is created in the device realm or as host functions that never leak host objects.
import { createStorageModule } from "./storage.mjs";
import { sampleRaw } from "./signals.mjs";

/** @typedef {import("./device.mjs").SimDevice} SimDevice */

/**
 * Formats console.log/print arguments roughly as Espruino does (strings raw, the rest as JSON-ish text).
 * @param {unknown[]} args
 * @param {SimDevice} dev
 */
export function formatArgs(args, dev) {
  return args
    .map((a) => {
      if (typeof a === "string") return a;
      if (typeof a === "function") return "function () { ... }";
      if (a === undefined) return "undefined";
      if (a !== null && typeof a === "object" && typeof (/** @type {any} */ (a).message) === "string" && a instanceof dev.realm.ErrorCtor) {
        return (/** @type {any} */ (a).name === "Error" || !(/** @type {any} */ (a).name) ? "Error" : /** @type {any} */ (a).name) + ": " + /** @type {any} */ (a).message;
      }
      if (a !== null && typeof a === "object" && dev.pinNumber(a) !== undefined) return String(a);
      try {
        const s = dev.realm.stringifyJSON(a);
        return s === undefined ? String(a) : s;
      } catch {
        return String(a);
      }
    })
    .join(" ");
}

/**
 * Builds the global object contents for `dev`.
 * @param {SimDevice} dev
 * @returns {Record<string, unknown>}
 */
export function createGlobals(dev) {
  const { realm, board } = dev;
  /** @type {Record<string, unknown>} */
  const g = {};

  // --- console / print
  const con = realm.obj();
  for (const k of ["log", "info", "warn", "error", "debug", "trace"]) {
    con[k] = function () {
      dev.print(formatArgs(Array.prototype.slice.call(arguments), dev));
    };
  }
  g.console = con;
  g.print = con.log;

  // --- time and timers
  g.getTime = function () {
    return dev.clock.getTimeSeconds();
  };
  /** @param {boolean} repeat */
  const makeSet = (repeat) =>
    function (/** @type {unknown} */ fn, /** @type {number} */ ms) {
      let f = fn;
      if (typeof f === "string") {
        const code = f;
        f = () => dev.evaluate(code);
      }
      if (typeof f !== "function") throw realm.error("Function or String not supplied!");
      const args = Array.prototype.slice.call(arguments, 2);
      const id = dev.timers.add(/** @type {Function} */ (f), ms, repeat, args, dev.clock.now());
      dev.timersChanged();
      return id;
    };
  g.setTimeout = makeSet(false);
  g.setInterval = makeSet(true);
  /** @param {string} what */
  const makeClear = (what) =>
    function (/** @type {unknown} */ id) {
      if (arguments.length === 0) {
        dev.timers.clear();
        dev.timersChanged();
        return;
      }
      if (id === undefined) throw realm.error("clear" + what + "(undefined) not allowed. Use clear" + what + "() instead.");
      if (!dev.timers.remove(Number(id))) throw realm.error("Unknown " + what);
      dev.timersChanged();
    };
  g.clearTimeout = makeClear("Timeout");
  g.clearInterval = makeClear("Interval");
  g.changeInterval = function (/** @type {number} */ id, /** @type {number} */ ms) {
    if (!dev.timers.change(Number(id), ms, dev.clock.now())) throw realm.error("Unknown Interval");
    dev.timersChanged();
  };

  // --- pins and ADC
  for (let i = 0; i < board.pins.count; i++) g[board.pins.prefix + i] = dev.pin(i);
  g.analogRead = function (/** @type {unknown} */ pin) {
    const n = dev.pinNumber(pin);
    if (n === undefined || board.adc.pins.indexOf(n) < 0) return NaN;
    const sig = dev.signals.get(n);
    const raw = sig ? sampleRaw(sig, dev.clock.getTimeSeconds(), n, { bits: board.adc.bits, fullScaleVolts: dev.fullScaleVolts(n) }) : 0;
    return raw / (1 << board.adc.bits);
  };
  g.analogWrite = function () {};
  g.digitalRead = function (/** @type {unknown} */ pin) {
    const n = dev.pinNumber(pin);
    return n === undefined ? 0 : dev.pinState.get(n) ?? 0;
  };
  g.digitalWrite = function (/** @type {unknown} */ pin, /** @type {unknown} */ value) {
    const n = dev.pinNumber(pin);
    if (n !== undefined) dev.pinState.set(n, value ? 1 : 0);
  };
  g.pinMode = function () {};
  g.getPinMode = function () {
    return "input";
  };

  // --- E
  const E = dev.events.install(realm.obj());
  E.getErrorFlags = function () {
    // jswrap_espruino_getErrorFlags: "Get and reset the error flags"
    const flags = realm.arr(dev.errorFlags);
    dev.errorFlags.length = 0;
    return flags;
  };
  E.toString = function () {
    let s = "";
    for (let i = 0; i < arguments.length; i++) {
      const a = arguments[i];
      if (typeof a === "number") s += String.fromCharCode(a & 255);
      else if (typeof a === "string") s += a;
      else if (a && typeof a.length === "number") for (let j = 0; j < a.length; j++) s += String.fromCharCode(a[j] & 255);
    }
    return s;
  };
  // ESP32: the task watchdog; cannot be disabled. isAuto (default true) kicks it from the idle loop.
  E.kickWatchdog = function () {
    if (dev.watchdog) dev.watchdog.lastKick = dev.clock.now();
  };
  E.enableWatchdog = function (/** @type {unknown} */ timeout, /** @type {unknown} */ isAuto) {
    const t = Number(timeout);
    if (!(t > 0)) throw realm.error("Invalid timeout");
    dev.enableWatchdog(t, isAuto === undefined || !!isAuto);
  };
  // jswrap_espruino_sum: the elements' sum as a float (Array, String or ArrayBuffer view)
  E.sum = function (/** @type {ArrayLike<number> | string} */ a) {
    let s = 0;
    if (typeof a === "string") for (let i = 0; i < a.length; i++) s += a.charCodeAt(i);
    else for (let i = 0; i < a.length; i++) s += Number(a[i]);
    return s;
  };
  E.getSizeOf = function (/** @type {unknown} */ v) {
    return dev.memory.sizeOf(v); // JsVar model, host-sim/memory.mjs
  };
  g.E = E;
  g.Waveform = dev.hw.createWaveform(); // host-sim/hwtimer.mjs

  // --- process
  const proc = dev.events.install(realm.obj());
  proc.env = realm.fromHost({
    VERSION: board.version,
    GIT_COMMIT: "simulator",
    BOARD: board.board,
    RAM: 524288,
    FLASH: 0,
    STORAGE: board.storageBytes,
    SERIAL: "simulated",
    CONSOLE: "Telnet",
    // every module require() can load without an upload: the stock CLI skips these (it printed "Module timer not
    // found" on every flash while `timer`, built in since 2v19 and listed first by the real 2v29, was missing here)
    // (the ESP32 module on ESP32 builds; the Telnet console only where upstream boards/*.py build TELNET: the
    // classic ESP32, not the ESP32-C3 nor the Espruino WiFi)
    MODULES: "timer,Flash,Storage,hexdump,heatshrink,net,dgram,http,NetworkJS,Wifi," + (/^ESP32/.test(board.board) ? "ESP32," : "") + (board.board === "ESP32" ? "TelnetServer," : "") + "crypto,neopixel",
    EXPTR: 0,
  });
  proc.version = board.version;
  proc.memory = function (/** @type {unknown} */ gc) {
    return realm.fromHost(dev.memory.snapshot(gc !== false));
  };
  g.process = proc;

  // --- require
  /** @type {Record<string, () => unknown>} */
  const modules = {
    http: () => dev.net.createModule(),
    net: () => dev.net.createNetModule(),
    Storage: () => createStorageModule(dev.storage, realm),
    // ESP32: the native Wifi module. Espruino WiFi board (profile network "espruinowifi"): since 1v96 its firmware
    // has the ESP8266 AT-command driver built in as require("Wifi") (boards/ESPRUINOWIFI.py JSMODULESOURCES
    // libs/js/espruino_wifi/Wifi.min.js; the old EspruinoWiFi JS module is not built in). Emulated by the same
    // access point with its cb("WiFi connect failed: FAIL") and without getDetails/getStatus (no RSSI).
    Wifi: () => {
      if (board.network === "espruinowifi") dev.wifi.setAccessPoint({ callbackErrors: "at" });
      return dev.wifi.createModule();
    },
    timer: () => dev.hw.createModule(), // require("timer") 2v29+, host-sim/hwtimer.mjs
  };
  // the Telnet console (libs/network/telnet/jswrap_telnet.c): on at every boot on the ESP32; setOptions({mode})
  // switches it. The simulator's own console (host-sim/console) is a serial line and stays as it is; the mode is
  // kept in dev.telnetMode for tests.
  if (board.board === "ESP32") {
    dev.telnetMode = "on";
    modules.TelnetServer = () => {
      const t = realm.obj();
      t.setOptions = function (/** @type {any} */ o) {
        if (!o || typeof o !== "object") throw realm.error("Expecting Object, got " + typeof o);
        if (typeof o.mode === "string") {
          if (o.mode !== "on" && o.mode !== "off") throw realm.error("Unknown mode value");
          dev.telnetMode = o.mode;
        }
      };
      return t;
    };
  }
  /** @type {Record<string, unknown>} */
  const loaded = {};
  g.require = function (/** @type {string} */ name) {
    name = String(name);
    if (name in loaded) return loaded[name];
    const make = modules[name];
    if (!make) throw realm.error("Module " + name + " not found");
    return (loaded[name] = make());
  };

  // --- url, base64
  const url = realm.obj();
  url.parse = function (/** @type {string} */ s, /** @type {boolean=} */ parseQuery) {
    return parseUrl(String(s), !!parseQuery, realm);
  };
  g.url = url;
  g.btoa = function (/** @type {string} */ s) {
    return Buffer.from(String(s), "latin1").toString("base64");
  };
  g.atob = function (/** @type {string} */ s) {
    return Buffer.from(String(s), "base64").toString("latin1");
  };

  // --- ESP32 class (global, also require("ESP32")): ADC attenuation, reboot
  if (/^ESP32/.test(board.board)) {
    const esp = realm.obj();
    esp.setAtten = function (/** @type {unknown} */ pin, /** @type {unknown} */ mv) {
      const n = dev.pinNumber(pin);
      if (n === undefined) return;
      const m = Number(mv);
      dev.atten.set(n, m === 1000 || m === 1340 || m === 2000 ? m : 3600); // anything else: 11 dB
    };
    esp.reboot = function () {
      const boot = dev.bootCount;
      dev.agenda.add(dev.clock.now(), () => {
        if (dev.bootCount === boot) dev.powerCycle("ESP32.reboot()");
      });
      dev.kick();
      dev.timersChanged();
    };
    esp.getState = function () {
      const m = dev.memory.snapshot(false);
      return realm.fromHost({ sdkVersion: "v4.4.8", cpuFrequency: 160, freeHeap: m.free * m.blocksize, maxCon: board.sockets });
    };
    g.ESP32 = esp;
    modules.ESP32 = () => esp;
  }
  // reset(): clears RAM (timers, servers, variables) without running saved code; restores the ADC's 11 dB.
  g.reset = function (/** @type {unknown} */ clearFlash) {
    dev.atten.clear();
    if (clearFlash) dev.storage.files.clear();
    const boot = dev.bootCount;
    dev.agenda.add(dev.clock.now(), () => {
      if (dev.bootCount === boot) dev.powerCycle("reset()", { runCode: false, keepWatchdog: true });
    });
    dev.kick();
    dev.timersChanged();
  };

  // --- not emulated yet
  for (const k of ["load", "save"]) {
    g[k] = function () {
      dev.print(k + "() is not emulated by the simulator");
    };
  }
  return g;
}

/**
 * Espruino's url.parse (jswrap_net.c): method, host, path, pathname, search, port, query.
 * @param {string} s @param {boolean} parseQuery @param {import("./sandbox.mjs").Realm} realm
 */
export function parseUrl(s, parseQuery, realm) {
  const o = realm.obj();
  let rest = s;
  let host = "";
  let port = null;
  const proto = rest.indexOf("//");
  if (proto >= 0) {
    rest = rest.substring(proto + 2);
    const slash = rest.indexOf("/");
    const hostPart = slash < 0 ? rest : rest.substring(0, slash);
    rest = slash < 0 ? "/" : rest.substring(slash);
    const colon = hostPart.indexOf(":");
    host = colon < 0 ? hostPart : hostPart.substring(0, colon);
    if (colon >= 0) port = parseInt(hostPart.substring(colon + 1), 10);
  }
  const q = rest.indexOf("?");
  o.method = "GET";
  o.host = host;
  o.path = rest;
  o.pathname = q < 0 ? rest : rest.substring(0, q);
  o.search = q < 0 ? null : rest.substring(q);
  o.port = port === null ? 80 : port;
  if (parseQuery && q >= 0) {
    const query = realm.obj();
    for (const part of rest.substring(q + 1).split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      const k = decodeURIComponent((eq < 0 ? part : part.substring(0, eq)).replace(/\+/g, " "));
      query[k] = eq < 0 ? "" : decodeURIComponent(part.substring(eq + 1).replace(/\+/g, " "));
    }
    o.query = query;
  } else {
    o.query = q < 0 ? null : rest.substring(q + 1);
  }
  return o;
}
