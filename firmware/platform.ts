// The one module that touches Espruino's globals and built-in modules.
// Everything else in firmware/ talks to the board through these functions, so the rest stays plain ES5
// and the simulator's surface is exactly what is listed here.

/** Seconds since boot/epoch as a double with microsecond resolution (Espruino's getTime()). */
export function now(): number {
  return getTime();
}

/** The Espruino board name (process.env.BOARD), e.g. "ESP32". */
export function boardName(): string {
  return "" + process.env.BOARD;
}

/** Writes one line to the Espruino console. */
export function log(msg: string): void {
  console.log(msg);
}

/** Starts an HTTP server on `port` with Espruino's http module. */
export function listenHttp(port: number, handler: (req: EspHttpRequest, res: EspHttpResponse) => void): EspHttpServer {
  var server = require("http").createServer(handler);
  server.listen(port);
  return server;
}

/** Reads a JSON file from Storage; undefined when it is absent or unparsable. */
export function readStorageJson(name: string): unknown {
  return require("Storage").readJSON(name, true);
}

// ---- runtime accessors (firmware/runtime/*) ----

/** The interpreter's root scope (Espruino's `global`), where the running instance is kept across re-runs. */
export function globalObject(): { [key: string]: unknown } {
  return global as unknown as { [key: string]: unknown };
}

/** Reads a Storage file as a string; undefined when it is absent. */
export function storageRead(name: string): string | undefined {
  var s = require("Storage").read(name);
  return s === undefined || s === null ? undefined : "" + s;
}

/** Writes (replaces) a Storage file; false when Storage refused it. */
export function storageWrite(name: string, data: string): boolean {
  try {
    return require("Storage").write(name, data) !== false;
  } catch (e) {
    return false;
  }
}

/** Runs `fn` on E's 'init' event (after saved code loads at power-up). */
export function onInitEvent(fn: () => void): void {
  E.on("init", fn);
}

/** setInterval: `fn` every `ms` milliseconds; returns the timer id. */
export function every(ms: number, fn: () => void): number {
  return setInterval(fn, ms);
}

/** setTimeout: `fn` once after `ms` milliseconds; returns the timer id. */
export function after(ms: number, fn: () => void): number {
  return setTimeout(fn, ms);
}

/** Cancels a timer from every()/after(); an id that already fired or was cleared is ignored. */
export function cancelTimer(id: number): void {
  try {
    clearTimeout(id);
  } catch (e) {
    // already fired (Espruino throws "Unknown Timeout")
  }
}

/** process.memory(false): JsVar counts without forcing a garbage collection. */
export function memoryJsVars(): EspProcessMemory {
  return process.memory(false);
}

/** E.getErrorFlags(): the interpreter error flags set since the previous call (the call clears them). */
export function takeErrorFlags(): string[] {
  var f = E.getErrorFlags() as string[] | undefined;
  return f ? f : [];
}

/** E.enableWatchdog(seconds, false): a watchdog that only kickWatchdog() feeds (cannot be disabled on ESP32). */
export function enableWatchdog(seconds: number): void {
  E.enableWatchdog(seconds, false);
}

/** E.kickWatchdog(). */
export function kickWatchdog(): void {
  E.kickWatchdog();
}

/**
 * The network module for a profile's `network` field: "wifi" = require("Wifi") (ESP32),
 * "espruinowifi" = require("EspruinoWiFi") (Espruino WiFi board); undefined when it cannot be loaded.
 */
export function wifiModule(kind: string): EspWifi | undefined {
  try {
    return kind === "espruinowifi" ? require("EspruinoWiFi") : require("Wifi");
  } catch (e) {
    return undefined;
  }
}
