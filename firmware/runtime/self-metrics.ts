// The runtime's own metrics (docs/metrics.md, component runtime/http server/wifi/config). Every labelled
// family is pre-initialised with all its known label values, so no series appears late.
import { BUILD_VERSION } from "../build-info.js";
import { memoryJsVars, now, takeErrorFlags } from "../platform.js";
import type { Registry } from "../metrics/registry.js";
import type { CounterChild, GaugeChild, Metric } from "../metrics/metric.js";

/** Error flags E.getErrorFlags() can report (it clears them on every call, so they are latched here). */
export var ERROR_FLAGS = ["FIFO_FULL", "BUFFER_FULL", "CALLBACK", "LOW_MEMORY", "MEMORY", "MEMORY_BUSY", "UART_OVERFLOW"];
/** Status codes the server answers with; each has a series from boot. */
export var HTTP_CODES = ["200", "400", "401", "404", "405", "431", "503"];

export interface SelfMetrics {
  uptime: GaugeChild;
  boots: CounterChild;
  /**
   * espruino_memory_jsvars{state} (free, used, total), espruino_error_flags{flag} (ERROR_FLAGS order) and
   * espruino_http_requests_total{code} (HTTP_CODES order): families whose series are all preset in that order, so
   * their values are written by index (v[i]) and no handle per series is kept
   */
  mem: Metric;
  flags: Metric;
  scrapes: CounterChild;
  scrapeSeconds: GaugeChild;
  codes: Metric;
  wifiUp: GaugeChild;
  wifiReconnects: CounterChild;
  rssi: GaugeChild;
  configValid: GaugeChild;
}

/** The scrape-time collector: uptime, memory, latched error flags, RSSI. */
export interface RuntimeCollector {
  name: string;
  collect(reg: Registry): void;
  m: SelfMetrics;
  /** boot time, seconds */
  t0: number;
  /** uptime accumulated so far (seconds) and the getTime() it was last advanced at (see advanceUptime) */
  up: number;
  upAt: number;
  /** RSSI source: returns NaN while not connected */
  rssi: () => number;
}

/** Reads E.getErrorFlags() and latches every flag it reports into the error_flags gauges. */
export function latchErrorFlags(c: RuntimeCollector): void {
  var f = takeErrorFlags();
  for (var i = 0; i < f.length; i++) {
    var k = ERROR_FLAGS.indexOf("" + f[i]);
    if (k >= 0) c.m.flags.v[k] = 1;
  }
}

/**
 * A gap between two uptime readings above this (seconds) is a clock step, not elapsed time. An hour: long
 * stalls (flash compaction, a long callback) and a dead main loop (readings only at scrapes) still count,
 * while SNTP's first sync after boot (about +1.7e9 s) does not. A forward correction below an hour counts.
 */
export var UPTIME_STEP_S = 3600;

/**
 * Advances the uptime to getTime() `t` and returns it. getTime() is wall-clock time that SNTP steps (by
 * +1.7e9 s on the first sync after boot): uptime adds the gaps between readings instead, skipping a gap that
 * is negative or longer than UPTIME_STEP_S. The main loop reads it every second, so a step costs at most one
 * loop period of uptime; without the loop, scrapes and the status page still advance it.
 */
export function advanceUptime(c: RuntimeCollector, t: number): number {
  var d = t - c.upAt;
  c.upAt = t;
  if (d > 0 && d <= UPTIME_STEP_S) c.up += d;
  return c.up;
}

function collectRuntime(this: RuntimeCollector): void {
  var m = this.m;
  m.uptime.set(advanceUptime(this, now()));
  var mem = memoryJsVars();
  var v = m.mem.v;
  v[0] = mem.free;
  v[1] = mem.usage;
  v[2] = mem.total;
  latchErrorFlags(this);
  m.rssi.set(this.rssi());
}

function noRssi(): number {
  return NaN;
}

/** Registers every runtime family in `reg` (get-or-create) and returns their series. */
/** `board`: the profile name (as on the status page and in the targets file), process.env.BOARD without one. */
export function registerSelfMetrics(reg: Registry, device: string, location: string, board: string): SelfMetrics {
  reg
    .gauge({ name: "espruino_build_info", help: "Firmware build and board (always 1).", labelNames: ["version", "board"], fixed: true })
    .labels([BUILD_VERSION, board])
    .set(1);
  reg
    .gauge({ name: "espruino_device_info", help: "Device identity (always 1).", labelNames: ["device", "location"], fixed: true })
    .labels([device, location])
    .set(1);
  var configValid = reg.gauge({
    name: "espruino_config_valid",
    help: "1 when the stored config is valid.",
  });
  var uptime = reg.gauge({ name: "espruino_uptime_seconds", help: "Seconds since boot." });
  var boots = reg.counter({ name: "espruino_boots_total", help: "Boots, counted across resets." });
  var mem = reg.gauge({
    name: "espruino_memory_jsvars",
    help: "Interpreter JsVars by state.",
    labelNames: ["state"],
    fixed: true,
    preset: [["free"], ["used"], ["total"]],
  });
  var i: number;
  var flagPreset: string[][] = [];
  for (i = 0; i < ERROR_FLAGS.length; i++) flagPreset.push([ERROR_FLAGS[i]]);
  var flagFam = reg.gauge({
    name: "espruino_error_flags",
    help: "Interpreter error flags (1 set).",
    labelNames: ["flag"],
    fixed: true,
    preset: flagPreset,
  });
  var scrapes = reg.counter({ name: "espruino_scrapes_total", help: "Requests for /metrics answered." });
  var scrapeSeconds = reg.gauge({ name: "espruino_scrape_duration_seconds", help: "Seconds the previous /metrics took." });
  var codePreset: string[][] = [];
  for (i = 0; i < HTTP_CODES.length; i++) codePreset.push([HTTP_CODES[i]]);
  var reqFam = reg.counter({
    name: "espruino_http_requests_total",
    help: "HTTP requests answered, by code.",
    labelNames: ["code"],
    fixed: true,
    preset: codePreset,
  });
  var wifiUp = reg.gauge({ name: "espruino_wifi_connected", help: "1 while Wi-Fi has an IP address." });
  var wifiReconnects = reg.counter({ name: "espruino_wifi_reconnects_total", help: "Wi-Fi reconnect attempts." });
  var rssi = reg.gauge({ name: "espruino_wifi_rssi_dbm", help: "Wi-Fi signal strength." });
  rssi.set(NaN);
  return {
    uptime: uptime,
    boots: boots,
    mem: mem as unknown as Metric,
    flags: flagFam as unknown as Metric,
    scrapes: scrapes,
    scrapeSeconds: scrapeSeconds,
    codes: reqFam as unknown as Metric,
    wifiUp: wifiUp,
    wifiReconnects: wifiReconnects,
    rssi: rssi,
    configValid: configValid,
  };
}

/** The collector object (state on the object, collect() a shared function). */
export function runtimeCollector(m: SelfMetrics, t0: number): RuntimeCollector {
  return { name: "runtime", collect: collectRuntime, m: m, t0: t0, up: 0, upAt: t0, rssi: noRssi };
}
