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

/** Starts a TCP server on `port` with Espruino's net module; `onConnection(socket)` per client. */
export function listenNet(port: number, onConnection: (socket: EspSocket) => void): EspNetServer {
  var server = require("net").createServer(onConnection);
  server.listen(port);
  return server;
}

/** require("http").request(options, cb): an HTTP client request (connects on the first write()). */
export function httpRequest(options: EspHttpClientOptions, cb: (res: EspHttpClientResponse) => void): EspHttpClientRequest {
  return require("http").request(options, cb);
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

/** CRC-32 (IEEE) of a string's bytes, unsigned (E.CRC32); -1 on a build without it (SAVE_ON_FLASH). */
export function crc32(s: string): number {
  return typeof E.CRC32 === "function" ? E.CRC32(s) : -1;
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

/** Cancels a timer from every()/after() (clearTimeout and clearInterval are one function on Espruino); an id that
 *  already fired or was cleared (or removed after an out-of-memory) is ignored. */
export function cancelTimer(id: number): void {
  try {
    clearTimeout(id);
  } catch (e) {
    // already fired (Espruino throws "Unknown Timeout")
  }
}

/**
 * process.memory(): JsVar counts; a garbage collection first only when `gc` (a boot's helpers leave reference
 * cycles that otherwise wait for memory to run low).
 */
export function memoryJsVars(gc?: boolean): EspProcessMemory {
  return process.memory(gc === true);
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
 * The network module: require("Wifi") on every profile. On ESP32 it is the native module; on the Espruino WiFi
 * board (profile network "espruinowifi", firmware 1v96+) it is the built-in ESP8266 AT-command driver with the
 * old EspruinoWiFi module's API (connect callback errors, no getDetails). undefined when it cannot be loaded.
 */
export function wifiModule(): EspWifi | undefined {
  try {
    return require("Wifi");
  } catch (e) {
    return undefined;
  }
}

/**
 * The board's Telnet console (ESP32 builds open it on port 23 at every boot): on or off. Boards without the
 * TelnetServer module are left alone; the name is built at run time because the stock CLI looks up every literal
 * require() it finds and this module is not on every board. Returns true when the board has the module.
 */
export function setTelnetConsole(on: boolean): boolean {
  var name = "Telnet" + "Server";
  var mods = process.env.MODULES;
  if (typeof mods !== "string") return false;
  // compared name by name: Espruino's indexOf matches a needle that runs past the end (docs/real-interpreter.md)
  var list = mods.split(",");
  var i = 0;
  while (i < list.length && list[i] !== name) i++;
  if (i === list.length) return false;
  try {
    require(name).setOptions({ mode: on ? "on" : "off" });
    return true;
  } catch (e) {
    return false;
  }
}

// ---- sampling accessors (firmware/sampling/*) ----

/** Espruino's analogRead itself (called per sample without a wrapper call): `read("D32")` -> raw/4096, NaN on a non-ADC pin. */
export function analogReader(): (pin: string) => number {
  return analogRead as unknown as (pin: string) => number;
}

/** E.sum itself: the sum of a typed array's elements in one native call (the drain's per-sample work). */
export function nativeSum(): (a: Float32Array) => number {
  return E.sum as unknown as (a: Float32Array) => number;
}

/** getTime itself (seconds, double, not monotonic), for per-tick use without a wrapper call. */
export function timeReader(): () => number {
  return getTime;
}

/** process.env.VERSION, e.g. "2v29" or "2v29.12" ("" when absent). */
export function firmwareVersion(): string {
  var v = process.env.VERSION;
  return typeof v === "string" ? v : "";
}

/** ESP32.setAtten(pin, fullScaleMv) when the ESP32 class exists; false otherwise (or when it threw). */
export function setAdcAttenuation(pin: string, fullScaleMv: number): boolean {
  if (typeof ESP32 === "undefined" || !ESP32) return false;
  try {
    ESP32.setAtten(pin, fullScaleMv);
    return true;
  } catch (e) {
    return false;
  }
}

/**
 * require("timer").add({type: "EXEC", fn, time, interval}) (Espruino 2v29+): runs `fn` every `intervalMs`
 * from the hardware utility timer, at the next statement boundary of whatever JS runs. Returns the task id,
 * or -1 when the module is missing or no timer slot is free.
 */
export function hwTimerExec(fn: () => void, intervalMs: number): number {
  try {
    var id = require("timer").add({ type: "EXEC", fn: fn, time: intervalMs, interval: intervalMs });
    return typeof id === "number" && id >= 0 ? id : -1;
  } catch (e) {
    return -1;
  }
}

/** require("timer").remove(id); ignores an id that no longer exists. */
export function hwTimerRemove(id: number): void {
  try {
    require("timer").remove(id);
  } catch (e) {
    // "No timer with ID"
  }
}

/** new Waveform(samples, {doubleBuffer: true, bits: 16}), or null when Waveform is missing or refused. */
export function newInputWaveform(samples: number): EspWaveform | null {
  if (typeof Waveform === "undefined" || !Waveform) return null;
  try {
    return new Waveform(samples, { doubleBuffer: true, bits: 16 });
  } catch (e) {
    return null;
  }
}
