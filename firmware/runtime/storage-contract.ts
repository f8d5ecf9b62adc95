// The Storage contract (docs/storage.md): the files the firmware reads at boot and what a failure means. The
// config arrives validated by the host in one device file (config/device-file.ts); here it is only verified:
// its header, format and checksum, and that it was written for this board. Secrets are checked here (they never
// pass through the device file); their values are never shown.
import { boardName, storageRead, storageWrite, crc32 } from "../platform.js";
import type { DeviceProfile } from "../../config/device-file.js";
import type { DeviceConfig } from "../../config/device-config.js";

export var DEVICE_FILE = "telemetry.cfg";
/** The device-file format this firmware reads (config/device-file.ts DEVICE_FORMAT). */
export var DEVICE_FORMAT = 1;
export var SECRETS_FILE = "telemetry.secrets.json";
export var BOOTS_FILE = "telemetry.boots";
export var DEFAULT_PORT = 80;

export interface Secrets {
  /** "" = no Wi-Fi */
  ssid: string;
  password: string;
  /** "" = no bearer token */
  token: string;
  /** bearer token sent to the Pushgateway ("" = none) */
  pushToken: string;
  /** the file has a `token` that is not valid (then `token` is "") */
  badToken: boolean;
}

export interface Loaded {
  profile: DeviceProfile | null;
  /** null unless every file is valid */
  config: DeviceConfig | null;
  secrets: Secrets;
  /** every problem found, "file: field: problem" */
  errors: string[];
  /** the configured port when the device file can be read (even when it is refused), else 80 */
  port: number;
  /** `device` / `location` of the config when the device file can be read, else "" */
  device: string;
  location: string;
  /** the profile's name when the device file can be read and is for this board, else "" */
  name: string;
  /**
   * Auth was asked for but cannot be honoured: the secrets file has a `token` that is invalid, or the config
   * says `auth: true` and there is no valid token. The runtime then refuses /metrics and / (fails closed).
   */
  authBroken: boolean;
}

/**
 * Reads the device file and the secrets and returns everything found. Auth fails closed: `auth` of a refused but
 * intact file still counts (a token is then required, and without one nothing is served but /healthz).
 */
export function loadStorage(): Loaded {
  // Its helpers live in here: created for this boot and freed after it (a function kept in module scope costs the
  // board about 6 JsVars for good, docs/design.md "Where the device's JsVars go").
  /**
   * JSON.parse in its own function (the minifier may reuse the catch name; nothing is read after it). The parse is
   * not a property value of an object literal: Espruino 2v29 does not catch an exception thrown there when more
   * properties follow (`try { return {v: JSON.parse(t), ok: true} } catch ...` dies "Uncaught", measured).
   */
  function parseJson(text: string): { v: unknown; ok: boolean } {
    var v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return { v: undefined, ok: false };
    }
    return { v: v, ok: true };
  }

  /** Reads and parses the secrets file: {ok:false} when absent or unparsable (an error then). */
  function readJson(name: string, errors: string[]): { v: unknown; ok: boolean } {
    var text = storageRead(name);
    if (text === undefined) return { v: undefined, ok: false };
    var p = parseJson(text);
    if (!p.ok || p.v === null || typeof p.v !== "object" || Array.isArray(p.v)) {
      errors.push(name + ": not a JSON object");
      return { v: undefined, ok: false };
    }
    return p;
  }

  /** Printable ASCII without spaces, `min`..`max` characters. */
  function isTokenText(s: unknown, min: number, max: number): boolean {
    if (typeof s !== "string" || s.length < min || s.length > max) return false;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 33 || c > 126) return false;
    }
    return true;
  }

  function loadSecrets(errors: string[]): Secrets {
    var out: Secrets = { ssid: "", password: "", token: "", pushToken: "", badToken: false };
    var r = readJson(SECRETS_FILE, errors);
    if (!r.ok) return out;
    var s = r.v as { [k: string]: unknown };
    var n = SECRETS_FILE + ": ";
    for (var k in s) {
      if (k !== "ssid" && k !== "password" && k !== "token" && k !== "pushToken") errors.push(n + k + ": unknown field");
    }
    // values are never echoed: only their kind and length rules
    if (s.ssid !== undefined) {
      if (typeof s.ssid !== "string" || s.ssid.length < 1 || s.ssid.length > 32) errors.push(n + "ssid: need 1-32 bytes (value not shown)");
      else out.ssid = s.ssid;
    }
    if (s.password !== undefined) {
      if (typeof s.password !== "string" || s.password.length > 64) errors.push(n + "password: need 0-64 bytes (value not shown)");
      else out.password = s.password;
    }
    if (s.token !== undefined) {
      if (!isTokenText(s.token, 16, 128)) {
        errors.push(n + "token: need 16-128 printable ASCII, no spaces (value not shown)");
        out.badToken = true;
      } else out.token = s.token as string;
    }
    if (s.pushToken !== undefined) {
      if (!isTokenText(s.pushToken, 1, 256)) errors.push(n + "pushToken: need 1-256 printable ASCII, no spaces (value not shown)");
      else out.pushToken = s.pushToken as string;
    }
    return out;
  }

  /**
   * The device file's {profile, config}, or null with the reason in `errors`. `id` gets what identity can be read
   * from a file that is refused (port, device, location), so broken devices of a fleet do not look alike.
   */
  function readDeviceFile(errors: string[], id: { [k: string]: unknown }): { profile: DeviceProfile; config: DeviceConfig } | null {
    var n = DEVICE_FILE + ": ";
    var t = storageRead(DEVICE_FILE);
    if (t === undefined) {
      errors.push(n + "missing (npm run flash writes it)");
      return null;
    }
    var nl = t.indexOf("\n");
    var head = (nl < 0 ? t : t.substring(0, nl)).split(" ");
    var body = nl < 0 ? "" : t.substring(nl + 1);
    // intact as a host tool wrote it (and so validated by one), whatever its format
    var sum = crc32(body);
    var intact = head.length === 3 && head[0] === DEVICE_FILE && (sum < 0 || parseInt(head[2], 16) === sum);
    var p = intact ? parseJson(body) : { v: null, ok: false };
    var v = p.v as { profile?: DeviceProfile; config?: DeviceConfig } | null;
    var ok = p.ok && v !== null && typeof v === "object" && typeof v.profile === "object" && typeof v.config === "object" && v.profile !== null && v.config !== null;
    if (ok) {
      var c = (v as { config: DeviceConfig }).config;
      id.port = c.port;
      id.device = c.device;
      id.location = c.location;
      // auth fails closed: a refused file that asked for auth still locks /metrics and / without a token
      id.auth = c.auth;
      var pf0 = (v as { profile: DeviceProfile }).profile;
      if (pf0.board === boardName()) id.name = pf0.name;
    }
    if (head.length !== 3 || head[0] !== DEVICE_FILE) errors.push(n + "not a device file (npm run flash writes it)");
    else if (!intact) errors.push(n + "checksum mismatch: the file is damaged, flash again");
    else if (head[1] !== "" + DEVICE_FORMAT) errors.push(n + "format " + head[1] + ", this firmware reads format " + DEVICE_FORMAT + ": flash the config with the tools of this firmware");
    else if (!ok) errors.push(n + "not readable, flash again");
    else if ((v as { profile: DeviceProfile }).profile.board !== boardName()) {
      var pf = (v as { profile: DeviceProfile }).profile;
      errors.push(n + "written for profile " + pf.name + " (board " + pf.board + ") but this board is " + boardName());
    } else return v as { profile: DeviceProfile; config: DeviceConfig };
    return null;
  }

  var errors: string[] = [];
  var id: { [k: string]: unknown } = {};
  var d = readDeviceFile(errors, id);
  var config = d ? d.config : null;
  var secrets = loadSecrets(errors);
  var wantAuth = config ? config.auth : id.auth === true;
  if (wantAuth && !secrets.token && !secrets.badToken) errors.push(DEVICE_FILE + ": auth: true needs a token in " + SECRETS_FILE);
  if (errors.length > 0) config = null;
  var authBroken = !secrets.token && (secrets.badToken || wantAuth);
  var port = id.port;
  return {
    profile: d ? d.profile : null,
    config: config,
    secrets: secrets,
    errors: errors,
    port: typeof port === "number" && port >= 1 && port <= 65535 && Math.floor(port) === port ? port : DEFAULT_PORT,
    device: typeof id.device === "string" ? id.device : "",
    location: typeof id.location === "string" ? id.location : "",
    name: typeof id.name === "string" ? id.name : "",
    authBroken: authBroken,
  };
}

/** Adds this boot to telemetry.boots and returns the new count (1 when the file is absent or unreadable). */
export function countBoot(): number {
  /** Decimal digits only -> number; -1 otherwise. */
  function parseCount(s: string | undefined): number {
    if (s === undefined || s.length < 1 || s.length > 15) return -1;
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n;
  }

  var n = parseCount(storageRead(BOOTS_FILE));
  n = n < 0 ? 1 : n + 1;
  storageWrite(BOOTS_FILE, "" + n);
  return n;
}
