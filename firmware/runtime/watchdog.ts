// The main-loop interval: feeds the watchdog (enabled with isAuto=false, so only this interval kicks it:
// a callback that hangs the interpreter for watchdogSeconds reboots the board), latches error flags and
// ends the boot's "fresh" window, advances the uptime (see advanceUptime). Runs once a second whatever the sampler does.
import { enableWatchdog, every, kickWatchdog, log, now } from "../platform.js";
import { advanceUptime, latchErrorFlags } from "./self-metrics.js";
import type { Runtime } from "./state.js";

export var LOOP_MS = 1000;
/** Shortest watchdog the 1 s kick interval can feed with margin. */
export var MIN_WATCHDOG_SECONDS = 3;

var active: Runtime | null = null;

function tick(): void {
  var rt = active;
  if (!rt || rt.stopped) return;
  // Always kick: the ESP32 watchdog cannot be disabled, so one enabled by an earlier boot of this power-up
  // (e.g. before a load() with a profile without watchdogSeconds) must still be fed. Harmless when off.
  kickWatchdog();
  rt.fresh = false;
  latchErrorFlags(rt.col);
  advanceUptime(rt.col, now());
}

/** Enables the watchdog per the profile (watchdogSeconds; absent or 0 = none) and starts the main loop. */
export function startLoop(rt: Runtime): number {
  active = rt;
  var p = rt.profile as { watchdogSeconds?: unknown } | null;
  var s = p ? p.watchdogSeconds : undefined;
  if (typeof s === "number" && s >= MIN_WATCHDOG_SECONDS && Math.floor(s) === s) {
    enableWatchdog(s);
    log("watchdog: " + s + " s, kicked every " + LOOP_MS / 1000 + " s");
  } else if (s !== undefined && s !== 0) {
    rt.errors.push("telemetry.cfg: profile.watchdogSeconds: need 0 or >= " + MIN_WATCHDOG_SECONDS + " (watchdog off)");
  }
  return every(LOOP_MS, tick);
}
