// require("Wifi") on a simulated ESP32, with one scriptable access point per device.
// Details: docs/simulator.md "host-sim/wifi.mjs".

/** @typedef {import("./device.mjs").SimDevice} SimDevice */

/**
 * @typedef {object} AccessPoint  the device's one access point, scriptable from the host
 * @property {string} ssid
 * @property {string} password        "" = open network
 * @property {boolean} available      false: out of range / powered off (connect -> NO_AP_FOUND)
 * @property {number} rssi            dBm, reported by getDetails()/getStatus()/scan()
 * @property {number} channel
 * @property {string} mac             BSSID
 * @property {string} ip              address the station gets by DHCP
 * @property {string} netmask
 * @property {string} gw
 * @property {boolean | "at"} callbackErrors ESP8266-style cb(err) on failures (default false: ESP32 behaviour);
 *   "at": the AT-command module of the Espruino WiFi board (cb("WiFi connect failed: FAIL"))
 * @property {WifiTiming} timing
 *
 * @typedef {object} WifiTiming  virtual ms from connect()/the fault to the event
 * @property {number} associateMs  connect() -> 'associated'
 * @property {number} dhcpMs       'associated' -> cb(null) + 'connected'
 * @property {number} authFailMs   connect() with a wrong password -> 'disconnected' AUTH_FAIL
 * @property {number} notFoundMs   connect() without the AP -> 'disconnected' NO_AP_FOUND
 * @property {number} beaconTimeoutMs  AP dropped -> 'disconnected' BEACON_TIMEOUT
 * @property {number} scanMs
 */

export const REASONS = /** @type {const} */ ({
  ASSOC_LEAVE: 8,
  BEACON_TIMEOUT: 200,
  NO_AP_FOUND: 201,
  AUTH_FAIL: 202,
});

/** @type {WifiTiming} */
export const DEFAULT_TIMING = { associateMs: 1200, dhcpMs: 300, authFailMs: 1500, notFoundMs: 2500, beaconTimeoutMs: 0, scanMs: 2000 };

/**
 * @param {Partial<AccessPoint>} [o]
 * @returns {AccessPoint}
 */
export function makeAccessPoint(o) {
  return {
    ssid: "sim-ap",
    password: "simpassword",
    available: true,
    rssi: -55,
    channel: 6,
    mac: "24:0a:c4:00:00:01",
    ip: "192.168.1.100",
    netmask: "255.255.255.0",
    gw: "192.168.1.1",
    callbackErrors: false,
    ...(o ?? {}),
    timing: { ...DEFAULT_TIMING, ...(o?.timing ?? {}) },
  };
}

/** @param {number} code */
function reasonName(code) {
  for (const k of Object.keys(REASONS)) if (/** @type {Record<string, number>} */ (REASONS)[k] === code) return k;
  return "Unknown reason";
}

export class SimWifi {
  /**
   * @param {SimDevice} dev
   * @param {Partial<AccessPoint>} [ap]
   */
  constructor(dev, ap) {
    this.dev = dev;
    this.ap = makeAccessPoint(ap);
    this.stationMac = "24:0a:c4:" + hex3(hashName(dev.name));
    /** bumped whenever pending station jobs become stale (new attempt, disconnect, drop, reboot) */
    this.attempt = 0;
    /** IDF reason code of the last disconnect (0: none yet) */
    this.lastReason = 0;
    this.reset();
  }

  /** Station state of a fresh boot (the AP, outside the board, is kept). */
  reset() {
    /** @type {"off" | "connecting" | "associated" | "connected"} */
    this.state = "off";
    this.attempt++;
    this.lastReason = 0;
    /** @type {{ssid: string, password: string} | undefined} */
    this.config = undefined;
    this.hostname = "";
    /** @type {Record<string, any> | undefined} the realm's Wifi module object (events are emitted on it) */
    this.module = undefined;
  }

  /**
   * Host API: changes the access point. Taking it away (available: false) while the station is associated
   * drops the station ('disconnected' BEACON_TIMEOUT after timing.beaconTimeoutMs).
   * @param {Partial<AccessPoint>} patch
   */
  setAccessPoint(patch) {
    const timing = { ...this.ap.timing, ...(patch.timing ?? {}) };
    Object.assign(this.ap, patch, { timing });
    if (patch.available === false) this.lostAp();
  }

  /** Fault: the AP disappears. */
  drop() {
    this.setAccessPoint({ available: false });
  }

  /** Fault: the AP comes back (no auto-reconnect: the firmware must call connect()). */
  restore() {
    this.setAccessPoint({ available: true });
  }

  lostAp() {
    if (this.state === "off") return;
    const wasUp = this.state === "associated" || this.state === "connected";
    const gen = ++this.attempt;
    const ssid = this.config?.ssid ?? this.ap.ssid;
    if (!wasUp) {
      // a pending attempt ends as "no AP found"
      this.later(this.ap.timing.notFoundMs, gen, () => this.fail(ssid, REASONS.NO_AP_FOUND, undefined));
      return;
    }
    this.later(this.ap.timing.beaconTimeoutMs, gen, () => this.fail(ssid, REASONS.BEACON_TIMEOUT, undefined));
  }

  // ---------------------------------------------------------------- internals

  /**
   * Runs `fn` after `ms` of device time if nothing made the attempt stale meanwhile.
   * @param {number} ms @param {number} gen @param {() => void} fn
   */
  later(ms, gen, fn) {
    const dev = this.dev;
    const boot = dev.bootCount;
    dev.agenda.add(dev.clock.now() + Math.max(0, ms), () => {
      if (dev.bootCount !== boot || this.attempt !== gen) return;
      fn();
    });
    dev.timersChanged();
  }

  /**
   * Queues a Wifi event for device code.
   * @param {string} ev @param {Record<string, unknown>} details
   */
  emit(ev, details) {
    if (!this.module) return;
    this.dev.events.queueEmit(this.module, ev, [this.dev.realm.fromHost(details)]);
    this.dev.kick();
  }

  /**
   * @param {Function | undefined} cb @param {unknown[]} args
   */
  callback(cb, args) {
    if (typeof cb !== "function") return;
    this.dev.queue(() => this.dev.invoke(cb, undefined, args));
    this.dev.kick();
  }

  /**
   * The station lost or never got its association.
   * @param {string} ssid @param {number} code @param {Function | undefined} cb
   */
  fail(ssid, code, cb) {
    this.state = "off";
    this.lastReason = code;
    if (this.ap.callbackErrors && cb) {
      // Espruino WiFi's built-in Wifi (libs/js/espruino_wifi/Wifi.min.js): AT+CWJAP answers FAIL for a wrong
      // password and for a missing AP alike, and connect() calls back "WiFi connect failed: FAIL"
      const msg = this.ap.callbackErrors === "at" ? "WiFi connect failed: FAIL" : code === REASONS.AUTH_FAIL ? "bad password" : reasonName(code).toLowerCase();
      this.callback(cb, [msg]);
    }
    this.emit("disconnected", { ssid, mac: code === REASONS.NO_AP_FOUND ? "00:00:00:00:00:00" : this.ap.mac, reason: String(code), msg: reasonName(code) });
  }

  /**
   * @param {string} ssid @param {string} password @param {Function | undefined} cb
   */
  startAttempt(ssid, password, cb) {
    const gen = ++this.attempt;
    this.state = "connecting";
    this.config = { ssid, password };
    const ap = this.ap;
    const t = ap.timing;
    if (!ap.available || ap.ssid !== ssid) {
      this.later(t.notFoundMs, gen, () => this.fail(ssid, REASONS.NO_AP_FOUND, cb));
      return;
    }
    if (ap.password !== password) {
      this.later(t.authFailMs, gen, () => this.fail(ssid, REASONS.AUTH_FAIL, cb));
      return;
    }
    this.later(t.associateMs, gen, () => {
      if (!this.ap.available) return this.fail(ssid, REASONS.NO_AP_FOUND, cb);
      this.state = "associated";
      this.emit("associated", { ssid, mac: this.ap.mac, channel: String(this.ap.channel) });
      this.later(t.dhcpMs, gen, () => {
        this.state = "connected";
        this.callback(cb, [null]);
        this.emit("connected", { ip: this.ap.ip, netmask: this.ap.netmask, gw: this.ap.gw });
      });
    });
  }

  /** The object device code gets from require("Wifi") (one per boot). */
  createModule() {
    const dev = this.dev;
    const { realm } = dev;
    const self = this;
    const mod = dev.events.install(realm.obj());
    this.module = mod;
    /** @param {unknown} cb */
    const checkCb = (cb) => {
      if (cb !== undefined && cb !== null && typeof cb !== "function") throw realm.error("Expecting callback function but got " + describe(cb));
      return typeof cb === "function" ? cb : undefined;
    };
    mod.connect = function (/** @type {unknown} */ ssid, /** @type {unknown} */ options, /** @type {unknown} */ cb) {
      if (typeof ssid !== "string") throw realm.error("No SSID provided");
      if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) throw realm.error("Expecting Object, got " + typeName(options));
      const callback = checkCb(cb);
      const pw = options ? /** @type {Record<string, unknown>} */ (options).password : undefined;
      if (pw !== undefined && typeof pw !== "string") throw realm.error("Expecting options.password to be a string but got " + typeName(pw));
      const s = ssid.substring(0, 32);
      const p = (pw ?? "").substring(0, 64);
      if (self.state === "connected" && self.config && self.config.ssid === s && self.config.password === p) {
        self.callback(callback, [null]);
        return;
      }
      if (self.state === "associated" || self.state === "connected") {
        self.emit("disconnected", { ssid: self.config?.ssid ?? s, mac: self.ap.mac, reason: String(REASONS.ASSOC_LEAVE), msg: "ASSOC_LEAVE" });
        self.lastReason = REASONS.ASSOC_LEAVE;
      }
      self.startAttempt(s, p, callback);
    };
    mod.disconnect = function (/** @type {unknown} */ cb) {
      const callback = checkCb(cb);
      const wasUp = self.state === "associated" || self.state === "connected";
      self.attempt++;
      self.state = "off";
      if (wasUp) {
        self.lastReason = REASONS.ASSOC_LEAVE;
        self.emit("disconnected", { ssid: self.config?.ssid ?? "", mac: self.ap.mac, reason: String(REASONS.ASSOC_LEAVE), msg: "ASSOC_LEAVE" });
      }
      self.callback(callback, []);
    };
    mod.getIP = function (/** @type {unknown} */ cb) {
      const callback = checkCb(cb);
      const up = self.state === "connected";
      const info = { ip: up ? self.ap.ip : "0.0.0.0", netmask: up ? self.ap.netmask : "0.0.0.0", gw: up ? self.ap.gw : "0.0.0.0", mac: self.stationMac };
      self.callback(callback, [null, realm.fromHost(info)]);
      return realm.fromHost(info);
    };
    mod.getDetails = function (/** @type {unknown} */ cb) {
      const callback = checkCb(cb);
      const up = self.state === "associated" || self.state === "connected";
      const d = up
        ? { ssid: self.config?.ssid ?? "", password: self.config?.password ?? "", status: "connected", authMode: self.ap.password ? "wpa2" : "open", rssi: self.ap.rssi }
        : { status: reasonName(self.lastReason) };
      self.callback(callback, [realm.fromHost(d)]);
      return realm.fromHost(d);
    };
    mod.getStatus = function () {
      const up = self.state === "associated" || self.state === "connected";
      /** @type {Record<string, unknown>} */
      const s = up
        ? { station: "connected", ssid: self.ap.ssid, bssid: self.ap.mac, channel: self.ap.channel, rssi: self.ap.rssi, htMode: "HT20", authMode: self.ap.password ? "wpa2" : "open" }
        : { station: reasonName(self.lastReason) };
      s.mode = self.state === "off" && !self.config ? "NULL" : "STA";
      s.powersave = "none";
      return realm.fromHost(s);
    };
    mod.setHostname = function (/** @type {unknown} */ name, /** @type {unknown} */ cb) {
      self.hostname = String(name).substring(0, 255);
      self.callback(checkCb(cb), []);
    };
    mod.getHostname = function () {
      return self.hostname;
    };
    mod.scan = function (/** @type {unknown} */ cb) {
      if (typeof cb !== "function") throw realm.error("Expecting callback function but got " + describe(cb));
      const boot = dev.bootCount;
      dev.agenda.add(dev.clock.now() + self.ap.timing.scanMs, () => {
        if (dev.bootCount !== boot) return;
        const list = self.ap.available ? [{ rssi: self.ap.rssi, authMode: self.ap.password ? "wpa2" : "open", ssid: self.ap.ssid, mac: self.ap.mac, channel: String(self.ap.channel) }] : [];
        self.callback(cb, [realm.fromHost(list)]);
      });
      dev.timersChanged();
    };
    mod.setSNTP = function (/** @type {unknown} */ server, /** @type {unknown} */ zone) {
      if (typeof zone !== "string") throw realm.error("Zone is not a string");
      if (typeof server !== "string") throw realm.error("Server is not a string");
    };
    mod.save = function () {};
    mod.restore = function () {};
    if (this.ap.callbackErrors === "at") {
      // the Espruino WiFi board's module has no status, details, hostname query, SNTP or save (its exports:
      // connect, disconnect, startAP, stopAP, scan, getIP, setIP, getAPIP, setAPIP, setHostname, ping, turbo, debug)
      for (const k of ["getDetails", "getStatus", "getHostname", "setSNTP", "save", "restore"]) delete mod[k];
    }
    return mod;
  }
}

/** @param {unknown} v */
function typeName(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "Array";
  return typeof v === "object" ? "Object" : typeof v === "string" ? "String" : typeof v === "number" ? "Number" : typeof v;
}

/** @param {unknown} v */
function describe(v) {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** @param {string} s */
function hashName(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** @param {number} n */
function hex3(n) {
  const b = [(n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}
