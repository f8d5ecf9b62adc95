// Push mode left out: the bundle `npm run flash` writes for a config without `push` (dist/firmware-core.min.js)
// is built with this module in place of push.ts (rollup.config.mjs), so none of push mode's code is on the device.
import { log } from "../platform.js";
import type { Runtime } from "./state.js";
import type { PushConfig } from "../../config/device-config.js";
import type { PushCtl } from "./push.js";

/**
 * A device file with `push` on a bundle without push mode (only `--bundle` can pair them): said on the console
 * and on the status page, not ignored.
 */
export function startPush(rt: Runtime, _c: PushConfig, _token: string): PushCtl | null {
  var why = "push: not in this bundle (npm run flash picks dist/firmware.min.js for a config with push)";
  log(why);
  rt.errors.push(why);
  return null;
}

export function stopPush(_p: PushCtl | null): void {}
