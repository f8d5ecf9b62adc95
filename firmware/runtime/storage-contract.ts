// The Storage contract (docs/storage.md): which files the firmware reads at boot, how each is validated,
// and what a failure means. Every error names the file and the field; secret values are never shown.
import { boardName, storageRead, storageWrite } from "../platform.js";
import type { BoardProfile } from "../config/board-profile.js";
import { checkConfig, checkProfile } from "../config/device-check.js";
import type { DeviceConfig } from "../config/device-config.js";
import { isIntIn, isLabelText, isObject } from "../config/check.js";

export var BOARD_FILE = "telemetry.board.json";
export var CONFIG_FILE = "telemetry.config.json";
export var SECRETS_FILE = "telemetry.secrets.json";
export var BOOTS_FILE = "telemetry.boots";
/** The config schema this firmware reads. */
export var CONFIG_SCHEMA = 1;
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
  profile: BoardProfile | null;
  /** null unless every file is valid */
  config: DeviceConfig | null;
  secrets: Secrets;
  /** every problem found, "file: field: problem" */
  errors: string[];
  /** the configured port when it is readable (even in an invalid config), else 80 */
  port: number;
  /** `device` / `location` of the config when they are valid labels (even in an invalid config), else "" */
  device: string;
  location: string;
  /**
   * Auth was asked for but cannot be honoured: the secrets file has a `token` that is invalid, or the config
   * says `auth: true` and there is no valid token. The runtime then refuses /metrics and / (fails closed).
   */
  authBroken: boolean;
}

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

/** Reads and parses file `name`: {ok:false} when absent (err "") or unparsable (err set). */
function readJson(name: string, errors: string[], missing: string): { v: unknown; ok: boolean } {
  var text = storageRead(name);
  if (text === undefined) {
    if (missing) errors.push(name + ": missing (" + missing + ")");
    return { v: undefined, ok: false };
  }
  var p = parseJson(text);
  if (!p.ok || p.v === null || typeof p.v !== "object" || Array.isArray(p.v)) {
    errors.push(name + ": not a JSON object");
    return { v: undefined, ok: false };
  }
  return p;
}

function prefixAll(errors: string[], name: string, list: string[]): void {
  for (var i = 0; i < list.length; i++) errors.push(name + ": " + list[i]);
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
  var r = readJson(SECRETS_FILE, errors, "");
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
 * Reads the three files, validates them against each other and returns everything found.
 * Order: board profile (needed to validate the config), config (schema first), secrets.
 */
export function loadStorage(): Loaded {
  var errors: string[] = [];
  var profile: BoardProfile | null = null;
  var pr = readJson(BOARD_FILE, errors, "npm run flash");
  if (pr.ok) {
    var pv = checkProfile(pr.v);
    prefixAll(errors, BOARD_FILE, pv.errors);
    profile = pv.profile;
    if (profile && profile.board !== boardName()) {
      errors.push(BOARD_FILE + ": board: profile " + profile.name + " is for " + profile.board + " but this board is " + boardName());
      profile = null;
    }
  }

  var config: DeviceConfig | null = null;
  var port = DEFAULT_PORT;
  var device = "";
  var location = "";
  var cr = readJson(CONFIG_FILE, errors, "npm run flash");
  if (cr.ok) {
    var c = cr.v as { [k: string]: unknown };
    if (isIntIn(c.port, 1, 65535)) port = c.port as number;
    // identity stays readable while the rest is broken, so broken devices of a fleet do not look alike
    if (typeof c.device === "string" && isLabelText(c.device, 1, 64)) device = c.device;
    if (typeof c.location === "string" && isLabelText(c.location, 0, 64)) location = c.location;
    var sv = c.schema;
    if (sv === undefined) {
      errors.push(CONFIG_FILE + ": schema: missing, need " + CONFIG_SCHEMA);
    } else if (typeof sv !== "number" || Math.floor(sv) !== sv) {
      errors.push(CONFIG_FILE + ": schema: " + sv + ", need " + CONFIG_SCHEMA);
    } else if (sv < CONFIG_SCHEMA) {
      // no older schema has been released, so there is nothing to migrate from
      errors.push(CONFIG_FILE + ": schema: " + sv + " is older than schema " + CONFIG_SCHEMA + " and cannot be migrated; rewrite the config");
    } else if (sv > CONFIG_SCHEMA) {
      errors.push(CONFIG_FILE + ": schema: " + sv + " was written for newer firmware; update the firmware");
    } else if (profile) {
      var dv = checkConfig(c, profile);
      prefixAll(errors, CONFIG_FILE, dv.errors);
      config = dv.config;
    } else {
      errors.push(CONFIG_FILE + ": not checked (no valid board profile)");
    }
  }

  var secrets = loadSecrets(errors);
  // auth as written, even when the rest of the config is invalid: anything but absent or false asks for it
  var authField = cr.ok && isObject(cr.v) ? (cr.v as { auth?: unknown }).auth : undefined;
  var wantAuth = authField !== undefined && authField !== false;
  if (wantAuth && !secrets.token && !secrets.badToken) {
    errors.push(CONFIG_FILE + ": auth: true needs a token in " + SECRETS_FILE);
  }
  if (errors.length > 0) config = null;
  var authBroken = !secrets.token && (secrets.badToken || wantAuth);
  return { profile: profile, config: config, secrets: secrets, errors: errors, port: port, device: device, location: location, authBroken: authBroken };
}

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

/** Adds this boot to telemetry.boots and returns the new count (1 when the file is absent or unreadable). */
export function countBoot(): number {
  var n = parseCount(storageRead(BOOTS_FILE));
  n = n < 0 ? 1 : n + 1;
  storageWrite(BOOTS_FILE, "" + n);
  return n;
}
