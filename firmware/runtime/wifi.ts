// Station Wi-Fi: connect at boot, reconnect from 'disconnected' with capped exponential backoff
// (1 s, 2 s, 4 s ... 60 s after each failure; back to 1 s after a success), hostname = device label
// (setHostname also starts mDNS). Sampling never waits for the network. The SSID and password are never
// logged or shown: messages say only what failed and when the next attempt is.
import { after, cancelTimer, log, wifiModule } from "../platform.js";
import type { SelfMetrics } from "./self-metrics.js";

export var BACKOFF_FIRST_MS = 1000;
export var BACKOFF_MAX_MS = 60000;

export interface WifiCtl {
  mod: EspWifi;
  ssid: string;
  pw: string;
  host: string;
  /** delay before the next retry, ms */
  delay: number;
  /** pending retry timer (0: none) */
  timer: number;
  /** 0 waiting, 1 connecting, 2 connected */
  st: number;
  /** connect() calls since boot */
  n: number;
  stopped: boolean;
  m: SelfMetrics;
  /** connect() callback (the module-level onConnectCb; held here because it is defined after attempt()) */
  cb: (err?: unknown) => void;
}

/** The controller the module-level event handlers act on (one per running instance). */
var cur: WifiCtl | null = null;

/** mDNS-safe hostname from the device label: a-z, 0-9 and '-', at most 32 characters. */
export function hostnameOf(device: string): string {
  var out = "";
  for (var i = 0; i < device.length && out.length < 32; i++) {
    var c = device.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    var ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    out += ok ? String.fromCharCode(c) : "-";
  }
  return out.length ? out : "espruino";
}

function attempt(w: WifiCtl): void {
  w.st = 1;
  w.n++;
  if (w.n > 1) w.m.wifiReconnects.inc();
  w.mod.connect(w.ssid, { password: w.pw }, w.cb);
}

function onRetry(): void {
  var w = cur;
  if (!w || w.stopped) return;
  w.timer = 0;
  attempt(w);
}

function noop(): void {}

function up(w: WifiCtl): void {
  if (w.st === 2) return;
  w.st = 2;
  w.delay = BACKOFF_FIRST_MS;
  if (w.timer) cancelTimer(w.timer);
  w.timer = 0;
  w.m.wifiUp.set(1);
  // with a callback: the Espruino WiFi board's AT driver passes it on to its command queue
  if (w.mod.setHostname) w.mod.setHostname(w.host, noop);
  log("wifi: connected (attempt " + w.n + "), hostname " + w.host);
}

/** Why an attempt failed, from an ESP32 'disconnected' details object or the Espruino WiFi board's callback error. */
function reasonOf(d: unknown): string {
  if (d && typeof d === "object") {
    var o = d as { msg?: unknown; reason?: unknown };
    if (typeof o.msg === "string") return o.msg;
    if (o.reason !== undefined) return "reason " + o.reason;
  }
  if (typeof d === "string") return d;
  return "unknown reason";
}

function down(w: WifiCtl, d: unknown): void {
  if (w.st === 0 || w.stopped) return;
  var was = w.st === 2;
  w.st = 0;
  w.m.wifiUp.set(0);
  var why = reasonOf(d);
  // ESP32 says AUTH_FAIL; the Espruino WiFi board's AT driver says FAIL for a wrong password and a missing AP alike
  var hint =
    why === "AUTH_FAIL" || why === "bad password"
      ? " - check the password in telemetry.secrets.json (npm run flash -- --secrets-only)"
      : why === "WiFi connect failed: FAIL"
        ? " - check the ssid and password in telemetry.secrets.json (npm run flash -- --secrets-only)"
        : "";
  log("wifi: " + (was ? "lost connection" : "connect failed") + " (" + why + ")" + hint + "; next attempt in " + w.delay / 1000 + " s");
  w.timer = after(w.delay, onRetry);
  w.delay = w.delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w.delay * 2;
}

function onConnectCb(err?: unknown): void {
  var w = cur;
  if (!w || w.stopped) return;
  if (err) down(w, err);
  else up(w);
}

function onConnected(): void {
  var w = cur;
  if (w && !w.stopped) up(w);
}

function onDisconnected(d?: unknown): void {
  var w = cur;
  if (w && !w.stopped) down(w, d);
}

/** RSSI in dBm while connected, else NaN (used by the runtime collector at scrape time). */
export function wifiRssi(): number {
  var w = cur;
  if (!w || w.st !== 2 || !w.mod.getDetails) return NaN;
  var d = w.mod.getDetails();
  return d && typeof d.rssi === "number" ? d.rssi : NaN;
}

/** True while the station has an IP address. */
export function wifiUp(): boolean {
  return !!cur && cur.st === 2;
}

/** Starts the station (first attempt now). Returns null (and says why) when there is no SSID or module. */
export function startWifi(kind: string, ssid: string, pw: string, device: string, m: SelfMetrics): WifiCtl | null {
  m.wifiUp.set(0);
  if (!ssid) {
    log("wifi: no ssid in telemetry.secrets.json - Wi-Fi stays off, sampling continues");
    return null;
  }
  var mod = wifiModule();
  if (!mod) {
    log("wifi: the Wifi module is not available (network " + kind + ") - Wi-Fi stays off");
    return null;
  }
  var w: WifiCtl = { mod: mod, ssid: ssid, pw: pw, host: hostnameOf(device), delay: BACKOFF_FIRST_MS, timer: 0, st: 0, n: 0, stopped: false, m: m, cb: onConnectCb };
  cur = w;
  if (mod.on) {
    mod.on("connected", onConnected);
    mod.on("disconnected", onDisconnected);
  }
  attempt(w);
  return w;
}

/** Stops retrying and removes the event handlers (the station itself stays connected for the next boot). */
export function stopWifi(w: WifiCtl | null): void {
  if (!w || w.stopped) return;
  w.stopped = true;
  if (w.timer) cancelTimer(w.timer);
  w.timer = 0;
  if (w.mod.removeListener) {
    w.mod.removeListener("connected", onConnected);
    w.mod.removeListener("disconnected", onDisconnected);
  }
  if (cur === w) cur = null;
}
