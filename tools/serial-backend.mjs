// Can the stock `espruino` CLI use a serial port (a /dev/pts/N from pty-bridge.mjs) on this machine?
//
// The CLI's serial backend (node_modules/espruino/core/serial_node_serial.js) needs, in order:
//   1. the `serialport` package, resolvable from the espruino package;
//   2. its native binding (@serialport/bindings-cpp: a linux-x64 prebuild, loaded with node-gyp-build — npm 11's
//      blocked install script is not needed when a prebuild matches);
//   3. `SerialPort.list()` to succeed *and list the port*: the CLI refuses to open a path its backends did not
//      list ("Port … not found" → "Unable to connect!"). On Linux list() runs `udevadm info -e`.
// `probeSerialBackend()` checks these and returns a reason string naming the first thing missing; flashing over
// serial should call `assertSerialBackend()` and fail with that reason instead of hanging.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import which from "which";

/**
 * @typedef {object} SerialBackendProbe
 * @property {boolean} ok everything the CLI's serial path needs is present
 * @property {string} reason "ok" or a sentence naming what is missing and how to fix it
 * @property {boolean} moduleFound `serialport` resolves from node_modules/espruino
 * @property {boolean} bindingLoaded the native binding loads
 * @property {string | undefined} udevadm path of `udevadm` on the given PATH, if any
 * @property {string | undefined} serialportPath where `serialport` resolved
 */

export class SerialBackendUnavailableError extends Error {
  /** @param {string} reason */
  constructor(reason) {
    super("espruino CLI serial backend unavailable: " + reason);
    this.name = "SerialBackendUnavailableError";
  }
}

/**
 * @param {string} cmd
 * @param {string | undefined} pathEnv
 * @returns {string | undefined}
 */
function whichOn(cmd, pathEnv) {
  if (!pathEnv) return undefined;
  return which.sync(cmd, { path: pathEnv, nothrow: true }) ?? undefined;
}

/**
 * Probe the CLI's serial backend.
 * @param {{ projectRoot?: string, pathEnv?: string, listing?: boolean }} [options] projectRoot: the directory holding
 *   node_modules (default: the current directory); pathEnv: the PATH the CLI will run with (default: this process's
 *   PATH); listing: false when only the binding is needed (the flash tool opens the port itself, without the CLI's
 *   SerialPort.list())
 * @returns {SerialBackendProbe}
 */
export function probeSerialBackend(options = {}) {
  const root = options.projectRoot ?? process.cwd();
  const pathEnv = options.pathEnv ?? process.env.PATH;
  /** @type {SerialBackendProbe} */
  const result = { ok: false, reason: "", moduleFound: false, bindingLoaded: false, udevadm: undefined, serialportPath: undefined };
  let espruinoPkg;
  try {
    espruinoPkg = createRequire(join(root, "package.json")).resolve("espruino/package.json");
  } catch {
    result.reason = "the `espruino` package is not installed under " + root + " (npm install espruino@0.1.67)";
    return result;
  }
  const req = createRequire(espruinoPkg);
  try {
    result.serialportPath = req.resolve("serialport");
    result.moduleFound = true;
  } catch {
    result.reason = "the `serialport` module is not installed (an optional dependency of espruino; reinstall without --omit=optional)";
    return result;
  }
  try {
    const sp = req("serialport");
    // constructing the binding loads the native addon (node-gyp-build picks a prebuild)
    const bindingsPath = createRequire(result.serialportPath).resolve("@serialport/bindings-cpp");
    const bindings = createRequire(result.serialportPath)(bindingsPath);
    if (!sp || !sp.SerialPort || !bindings || typeof bindings.autoDetect !== "function") throw new Error("unexpected module shape");
    const Binding = bindings.autoDetect();
    if (!Binding || typeof Binding.open !== "function") throw new Error("autoDetect() returned no binding");
    result.bindingLoaded = true;
  } catch (e) {
    result.reason =
      "the serialport native binding does not load (" +
      (e instanceof Error ? e.message.split("\n")[0] : String(e)) +
      "); @serialport/bindings-cpp needs a prebuild for " +
      process.platform +
      "-" +
      process.arch +
      " or a successful node-gyp build";
    return result;
  }
  result.udevadm = whichOn("udevadm", pathEnv);
  if (options.listing === false) {
    result.ok = true;
    result.reason = "ok";
    return result;
  }
  if (process.platform === "linux" && !result.udevadm) {
    result.reason =
      "`udevadm` is not on PATH: SerialPort.list() fails, so the espruino CLI lists no serial ports and refuses to open " +
      "any path ('Port not found'). Install udev (Debian/Ubuntu: apt-get install udev); in containers without udev, " +
      "a shim first on PATH works (host-sim/console/pty-bridge.mjs writeUdevadmShim())";
    return result;
  }
  if (result.udevadm) {
    const r = spawnSync(result.udevadm, ["info", "-e"], { encoding: "utf8", timeout: 5000 });
    if (r.status !== 0) {
      result.reason = "`" + result.udevadm + " info -e` failed (exit " + r.status + "): SerialPort.list() will fail";
      return result;
    }
  }
  result.ok = true;
  result.reason = "ok";
  return result;
}

/**
 * Throw SerialBackendUnavailableError unless the CLI can use a serial port (and `port`, when given, exists).
 * @param {{ projectRoot?: string, pathEnv?: string, port?: string, listing?: boolean }} [options]
 * @returns {SerialBackendProbe}
 */
export function assertSerialBackend(options) {
  const port = options?.port;
  if (port !== undefined && !existsSync(port)) {
    throw new SerialBackendUnavailableError(
      "serial port " + port + " does not exist: is the board plugged in (and powered)? Boards usually appear as " +
        "/dev/ttyUSB0 or /dev/ttyACM0 (ls /dev/ttyUSB* /dev/ttyACM*); or pass --port tcp://HOST:PORT",
    );
  }
  const p = probeSerialBackend(options);
  if (!p.ok) throw new SerialBackendUnavailableError(p.reason);
  return p;
}
