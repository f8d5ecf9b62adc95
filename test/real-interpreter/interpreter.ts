// Whether the real interpreter builds a suite needs are here. Call at a file's top level and skip the file when it
// returns false: missing interpreters print one line saying how to get them; with CI=true they fail the run instead.
import { interpreterPath, InterpreterMissing } from "../../tools/espruino-linux.mjs";

/** True when every build in `jsVars` is found. Missing + CI=true: throws. Missing otherwise: one console line, false. */
export function requireInterpreter(jsVars: number[] = [16383, 8190, 4095]): boolean {
  try {
    for (const n of jsVars) interpreterPath(n);
    return true;
  } catch (e) {
    if (!(e instanceof InterpreterMissing) || process.env.CI === "true") throw e;
    console.log("skipped (no real Espruino interpreter): " + e.message + "; ../shared/espruino/get 16383 unpacks it, or set ESPRUINO_LINUX_DIR");
    return false;
  }
}
