// Boot entry of the firmware bundle. Everything happens in runtime/boot.ts; this file runs it once per
// execution of the bundle and hooks E.on('init') so code restored by save() starts again at power-up.
// Re-running the bundle (load(), a second upload without reset()) stops the previous instance first.
import { globalObject, onInitEvent } from "./platform.js";
import { boot } from "./runtime/boot.js";
import { GLOBAL_NAME } from "./runtime/state.js";
import type { Runtime } from "./runtime/state.js";

var BOOT_FN = "__telemetryBoot";
var INIT_HOOK = "__telemetryInit";

/** E.on('init'): right after the top-level run of the same power-up it only ends the fresh window; after a
 *  power-up that restored saved RAM it boots again (with the newest bundle's boot function). */
function onInit(): void {
  var g = globalObject();
  var rt = g[GLOBAL_NAME] as Runtime | undefined;
  if (rt && rt.fresh && !rt.stopped) {
    rt.fresh = false;
    return;
  }
  var b = g[BOOT_FN] as (() => Runtime) | undefined;
  if (typeof b === "function") b();
}

var glob = globalObject();
glob[BOOT_FN] = boot;
if (!glob[INIT_HOOK]) {
  glob[INIT_HOOK] = 1;
  onInitEvent(onInit);
}
boot();
