// Boot sequence. Order (so no registration can be lost and nothing waits for the network):
//   1. stop the instance a previous run left on global.__telemetry (timers, server, sampler, Wi-Fi handlers)
//   2. read Storage (the device file, verified; the secrets, checked) and count the boot
//   3. registry and every metric, label sets pre-initialised
//   4. sampling (startSampling), only with a valid config
//   5. network (Wi-Fi, never blocking), watchdog and main loop, push mode (first push one interval later)
//   6. listen (the configured port if readable, else 80), also with an invalid config
import { boardName, globalObject, log, now, after, cancelTimer, setTelnetConsole, memoryJsVars } from "../platform.js";
import { Registry } from "../metrics/registry.js";
import { BUILD_VERSION } from "../build-info.js";
import { countBoot, loadStorage } from "./storage-contract.js";
import { registerSelfMetrics, runtimeCollector } from "./self-metrics.js";
import { startSampling } from "../sampling/sampling.js";
import { startWifi, stopWifi, wifiRssi } from "./wifi.js";
import { startLoop } from "./watchdog.js";
import { serve } from "./http-server.js";
import { startPush, stopPush } from "./push.js";
import { GLOBAL_NAME } from "./state.js";
import type { Runtime } from "./state.js";
import type { SamplingHandle } from "../sampling/sampling.js";

export var DEFAULT_MAX_STREAMS = 2;
var LISTEN_RETRY_MS = 5000;

/** Stops everything this instance started; safe to call twice. Called as old.stop() (this = the instance). */
function stopRuntime(this: Runtime): void {
  if (this.stopped) return;
  this.stopped = true;
  if (this.loop) cancelTimer(this.loop);
  if (this.retry) cancelTimer(this.retry);
  this.loop = 0;
  this.retry = 0;
  stopPush(this.push);
  this.push = null;
  stopWifi(this.wifi);
  if (this.sampling) this.sampling.stop();
  if (this.srv) this.srv.close();
  this.srv = null;
}

/** startSampling in its own function (try/catch scope, see registry.ts runCollector). */
function trySampling(rt: Runtime): SamplingHandle | null {
  try {
    return startSampling(rt.reg, rt.config as never, rt.profile as never);
  } catch (e) {
    rt.errors.push("sampling: " + (e && (e as Error).message ? (e as Error).message : "" + e));
    return null;
  }
}

var pendingListen: Runtime | null = null;

function tryListen(rt: Runtime): boolean {
  try {
    rt.srv = serve(rt);
    return true;
  } catch (e) {
    log("http: cannot listen on port " + rt.port + " (" + (e && (e as Error).message ? (e as Error).message : "" + e) + "), retrying in " + LISTEN_RETRY_MS / 1000 + " s");
    return false;
  }
}

function onListenRetry(): void {
  var rt = pendingListen;
  if (!rt || rt.stopped) return;
  rt.retry = 0;
  if (tryListen(rt)) {
    pendingListen = null;
    log("espruino-telemetry " + BUILD_VERSION + " listening on port " + rt.port);
  }
  else rt.retry = after(LISTEN_RETRY_MS, onListenRetry);
}

/** Runs the boot sequence and leaves the new instance on global.__telemetry. */
export function boot(): Runtime {
  var g = globalObject();
  var old = g[GLOBAL_NAME] as Runtime | undefined;
  if (old && typeof old.stop === "function") old.stop();

  var L = loadStorage();
  var boots = countBoot();
  var cfg = L.config;
  var prof = L.profile;
  var board = prof ? prof.name : L.name;
  var device = cfg ? cfg.device : L.device ? L.device : board;
  var location = cfg ? cfg.location : L.location;

  var reg = new Registry({ clock: now });
  // constant labels (config `labels`), on every series from the first one registered
  if (cfg && cfg.labelPairs) reg.cl = cfg.labelPairs;
  var m = registerSelfMetrics(reg, device, location, board ? board : boardName());
  var t0 = now();
  var col = runtimeCollector(m, t0);
  col.rssi = wifiRssi;
  reg.addCollector(col);
  m.boots.inc(boots);
  var maxStreams = prof ? (prof as { maxMetricsStreams?: unknown }).maxMetricsStreams : undefined;

  var rt: Runtime = {
    t0: t0,
    boots: boots,
    reg: reg,
    m: m,
    col: col,
    profile: prof,
    board: board ? board : "unknown",
    config: cfg,
    errors: L.errors,
    // Auth fails closed: with a valid config the token guards /metrics and / when `auth` is on; with an invalid
    // config (we cannot tell what was meant) any token in the secrets file guards them.
    token: cfg ? (cfg.auth ? L.secrets.token : "") : L.secrets.token || "",
    // ... and with an invalid token, or `auth: true` without one, nothing can authenticate: refuse everyone
    locked: !cfg && L.authBroken,
    textOnly: !!cfg && cfg.exposition === "text",
    port: cfg ? cfg.port : L.port,
    srv: null,
    sockets: prof ? prof.sockets : 10,
    sampling: null,
    wifi: null,
    streams: 0,
    maxStreams: typeof maxStreams === "number" && maxStreams >= 1 ? maxStreams : DEFAULT_MAX_STREAMS,
    pb: 0,
    push: null,
    loop: 0,
    retry: 0,
    device: device,
    location: location,
    fresh: true,
    stopped: false,
    stop: stopRuntime,
  };
  g[GLOBAL_NAME] = rt;
  for (var i = 0; i < rt.errors.length; i++) log("config error: " + rt.errors[i]);

  // the board's JavaScript console on the network reads every file, secrets included: off unless asked for
  if (setTelnetConsole(!!cfg && cfg.telnet) && cfg && cfg.telnet) log("telnet: the JavaScript console stays open on the network (config telnet: true): anyone who can reach the board can read its files, secrets included");
  if (cfg) rt.sampling = trySampling(rt);
  m.configValid.set(cfg ? 1 : 0);

  rt.wifi = startWifi(prof ? prof.network : "wifi", L.secrets.ssid, L.secrets.password, device ? device : "espruino", m);
  rt.loop = startLoop(rt);
  if (cfg && cfg.push) rt.push = startPush(rt, cfg.push, L.secrets.pushToken);
  // The profile is only needed while booting (sampling limits, watchdog, network, stream cap): drop it so
  // its ~140 JsVars are free for series; the status page keeps the name.
  rt.profile = null;
  // the config likewise (about 90 JsVars): the status page keeps the rate and each channel's pin and unit
  if (cfg) {
    var chs: { pin: string; unit: string }[] = [];
    for (var k = 0; k < cfg.channels.length; k++) chs.push({ pin: cfg.channels[k].pin, unit: cfg.channels[k].unit });
    rt.config = { sampleRateHz: cfg.sampleRateHz, channels: chs };
  }

  var what = "boot " + boots + ", " + (cfg ? "config valid" : rt.errors.length + " config error(s)") + (rt.sampling ? ", sampling " + rt.sampling.strategy : ", not sampling");
  if (tryListen(rt)) log("espruino-telemetry " + BUILD_VERSION + " " + what + ", listening on port " + rt.port);
  else {
    log("espruino-telemetry " + BUILD_VERSION + " " + what + ", not listening yet");
    pendingListen = rt;
    rt.retry = after(LISTEN_RETRY_MS, onListenRetry);
  }
  // the boot's helpers (storage-contract.ts) are freed by a collection, not by reference counts
  memoryJsVars(true);
  return rt;
}
