// Boot from Storage, load()/save(), E.CRC32 and the device console of a SimDevice.
// Details: docs/simulator.md "host-sim/console/boot.mjs".
import { EspruinoRepl } from "./repl.mjs";
import { TcpConsole } from "./tcp-console.mjs";
import { runInRealm } from "../sandbox.mjs";
import { crc32 } from "../../config/load.mjs";
import { untokenise } from "./pretokenised.mjs";

export { crc32 };

/** @typedef {import("../device.mjs").SimDevice} SimDevice */

/**
 * Called at the start of every runtime (constructor and each reboot): picks the code this boot runs.
 * A pending `load(name)` wins once; a `bundle: null` device runs Storage ".bootcde" (or nothing).
 * @param {SimDevice} dev
 */
export function selectBootSource(dev) {
  const d = /** @type {SimDevice & {pendingLoad?: string}} */ (dev);
  const file = d.pendingLoad ?? (dev.bootFromStorage ? ".bootcde" : undefined);
  d.pendingLoad = undefined;
  if (file === undefined) return;
  // pretokenised code (npm run flash writes .bootcde so) is read as Espruino's lexer reads it
  dev.source = untokenise(dev.storage.readFile(file) ?? "");
  dev.bundleFile = file;
}

/**
 * Globals added to every realm: load(), save(), and E.CRC32 when missing.
 * @param {SimDevice} dev
 * @returns {Record<string, unknown>}
 */
export function consoleGlobals(dev) {
  const { realm } = dev;
  const E = /** @type {Record<string, unknown> | undefined} */ (/** @type {any} */ (realm.context).E);
  if (E && typeof E.CRC32 !== "function") {
    E.CRC32 = function (/** @type {unknown} */ data) {
      if (typeof data === "string") return crc32(data);
      const a = /** @type {ArrayLike<number> | null | undefined} */ (data);
      if (a && typeof a.length === "number") return crc32(Uint8Array.from(Array.prototype.slice.call(a), (x) => Number(x) & 255));
      return crc32("");
    };
  }
  return {
    load(/** @type {unknown} */ name) {
      const d = /** @type {SimDevice & {pendingLoad?: string}} */ (dev);
      if (name !== undefined) {
        const n = String(name);
        if (dev.storage.readFile(n) === undefined) throw realm.error("File " + JSON.stringify(n) + " not found");
        if (!(dev.bootFromStorage && n === ".bootcde")) d.pendingLoad = n;
      }
      rebootSoon(dev, "load()", true);
    },
    save() {
      if (dev.storage.readFile(".bootcde") !== undefined) {
        throw realm.error("save() is not possible while .bootcde exists: erase it or use Storage instead");
      }
      dev.print("save(): the simulator cannot save RAM; write .bootcde instead");
    },
  };
}

/**
 * Reboot after the running statement, from the idle loop (like reset() in globals.mjs).
 * @param {SimDevice} dev @param {string} reason @param {boolean} runCode
 */
function rebootSoon(dev, reason, runCode) {
  const boot = dev.bootCount;
  dev.agenda.add(dev.clock.now(), () => {
    if (dev.bootCount === boot) dev.powerCycle(reason, { runCode });
  });
  dev.kick();
  dev.timersChanged();
}

/**
 * @typedef {object} DeviceConsoleOptions
 * @property {number} [port] TCP port on 127.0.0.1 (default 0: any free port)
 * @property {"reject" | "replace"} [busy] see TcpConsole
 * @property {{ deafMs: number, bootText?: boolean }} [resetOnOpen] behave like an ESP32 behind a USB-serial chip:
 *   each client that connects resets the board (DTR/RTS), which then ignores input for `deafMs`; with `bootText`
 *   the ROM's first lines and Espruino's banner are printed first
 */

/** What an ESP32 prints after a reset: the ROM's first lines (at 115200 baud they arrive garbled; here clean) and the banner. */
const RESET_TEXT =
  "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n" +
  " ____                 _ \r\n|  __|___ ___ ___ _ _|_|___ ___ \r\n|  __|_ -| . |  _| | | |   | . |\r\n" +
  "|____|___|  _|_| |___|_|_|_|___|\r\n         |_| espruino.com\r\n";

/**
 * @typedef {object} DeviceConsole
 * @property {EspruinoRepl} repl
 * @property {TcpConsole} tcp
 * @property {string} url `tcp://127.0.0.1:PORT`
 * @property {number} port
 * @property {() => Promise<void>} close
 */

/**
 * The REPL of `dev` on a loopback TCP port.
 * @param {SimDevice} dev
 * @param {DeviceConsoleOptions} [options]
 * @returns {Promise<DeviceConsole>}
 */
export async function openDeviceConsole(dev, options = {}) {
  const repl = new EspruinoRepl({
    evaluate(code) {
      if (dev.stopped) return { error: new Error("device stopped") };
      /** @type {import("./repl.mjs").EvalResult} */
      let result;
      try {
        result = { value: runInRealm(dev.realm, code, "console") };
      } catch (e) {
        result = { error: e, hasError: true };
      }
      dev.runQueue();
      dev.kick();
      dev.timersChanged();
      return result;
    },
  });
  const onLine = (/** @type {string} */ line) => repl.print(line + "\n");
  dev.on("console", onLine);
  let deafUntil = 0;
  const reset = options.resetOnOpen;
  const target = {
    /** @param {Uint8Array} d */
    input: (d) => (Date.now() < deafUntil ? undefined : repl.input(d)),
    /** @param {(bytes: Buffer) => void} l */
    onOutput: (l) => repl.onOutput(l),
  };
  const onClient = () => {
    if (!reset || dev.stopped) return;
    deafUntil = Date.now() + reset.deafMs;
    if (reset.bootText) repl.print(RESET_TEXT + " " + dev.board.version + " (c) 2025 G.Williams\r\n\r\n");
    dev.powerCycle("reset: the serial port was opened (DTR/RTS)");
  };
  const tcp = new TcpConsole(target, { port: options.port ?? 0, busy: options.busy, onClient });
  await tcp.listen();
  repl.showPrompt();
  const port = tcp.address().port;
  return {
    repl,
    tcp,
    url: tcp.url,
    port,
    async close() {
      dev.off("console", onLine);
      await tcp.close();
    },
  };
}
