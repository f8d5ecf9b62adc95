// What @types/espruino 1.95.0 lacks or gets wrong, declared for the firmware only.
// Everything here is used through firmware/platform.ts; no other firmware file touches Espruino globals.

declare function setInterval(fn: () => void, ms: number): number;
declare function setTimeout(fn: () => void, ms: number): number;

declare const console: { log(msg: string): void };

interface EspProcessMemory {
  free: number;
  usage: number;
  total: number;
  history: number;
  gc?: number;
  gctime?: number;
  blocksize?: number;
}
declare const process: {
  env: { VERSION: string; BOARD: string; [key: string]: unknown };
  version: string;
  memory(gc?: boolean): EspProcessMemory;
};

/** Server-side request (Espruino httpSRq). Events: "data", "end", "close". */
interface EspHttpRequest {
  method: string;
  url: string;
  headers: { [name: string]: string };
  on(event: string, fn: (data?: string) => void): void;
}
/** Server-side response (Espruino httpSRs). Events: "drain", "close". */
interface EspHttpResponse {
  writeHead(code: number, headers?: { [name: string]: string }): void;
  setHeader(name: string, value: string): void;
  write(data: string): boolean;
  end(data?: string): void;
  on(event: string, fn: () => void): void;
  removeAllListeners(event?: string): void;
}
/** A require("net") connection (Espruino Socket). Events: "data" (string), "drain", "close". `c`: ours. */
interface EspSocket {
  write(data: string): boolean;
  end(data?: string): void;
  on(event: string, fn: (data: string) => void): void;
  c?: unknown;
}
interface EspNetServer {
  listen(port: number): EspNetServer;
  close(): void;
}
interface EspNetModule {
  createServer(fn: (socket: EspSocket) => void): EspNetServer;
}
declare function require(name: "net"): EspNetModule;
interface EspHttpServer {
  listen(port: number): EspHttpServer;
  close(): void;
}
interface EspHttpClientOptions {
  host: string;
  port: number;
  path: string;
  method: string;
  headers: { [name: string]: string };
}
/** Client request (Espruino httpCRq): connects on the first write; events "drain" (send buffer empty, not
 *  after end()) and "error" ({code, message}). */
interface EspHttpClientRequest {
  write(data: string): boolean;
  end(data?: string): void;
  on(event: string, fn: (e?: { code: number; message: string }) => void): void;
}
/** Client response (Espruino httpCRs): statusCode is a string; events "data", "end", "close". */
interface EspHttpClientResponse {
  statusCode: string;
  headers: { [name: string]: string };
  on(event: string, fn: (data?: string) => void): void;
}
interface EspHttpModule {
  createServer(fn: (req: EspHttpRequest, res: EspHttpResponse) => void): EspHttpServer;
  request(options: EspHttpClientOptions, cb: (res: EspHttpClientResponse) => void): EspHttpClientRequest;
}
interface EspStorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  readJSON(name: string, noExceptions?: boolean): unknown;
  write(name: string, data: string, offset?: number, size?: number): boolean;
  writeJSON(name: string, data: unknown): boolean;
  list(regex?: unknown): string[];
  erase(name: string): void;
}
declare function require(name: "http"): EspHttpModule;
declare function require(name: "Storage"): EspStorageModule;

// ---- runtime (firmware/runtime/*) ----
declare namespace E {
  function enableWatchdog(timeout: number, isAuto?: boolean): void;
  function on(event: "init", callback: () => void): void;
  /** CRC-32 (IEEE) of the bytes of `data`, unsigned (not in SAVE_ON_FLASH builds; every profile has it) */
  function CRC32(data: string): number;
}

/** require("Wifi") on ESP32 and on the Espruino WiFi board (its built-in AT driver): the subset the runtime uses. Events: "connected",
 *  "disconnected" ({ssid, mac, reason, msg}), "associated". */
interface EspWifi {
  connect(ssid: string, options: { password?: string }, cb?: (err?: unknown) => void): void;
  setHostname?(name: string, cb?: () => void): void;
  getDetails?(cb?: (d: unknown) => void): { rssi?: number; status?: string } | undefined;
  on?(event: string, fn: (details?: unknown) => void): void;
  removeListener?(event: string, fn: (details?: unknown) => void): void;
}
declare function require(name: "Wifi"): EspWifi;

// ---- sampling (firmware/sampling/*, through firmware/platform.ts) ----
declare function clearInterval(id: number): void;
/** ESP32 class (ESP32 builds only): ADC full scale per pin in mV (1000/1340/2000/3600; else 11 dB). */
declare var ESP32: { setAtten(pin: string, mv: number): void } | undefined;
/** A Waveform used for input: `buffer`/`buffer2` are Uint16Array with bits: 16 (samples 0..65535, left-aligned). */
interface EspWaveform {
  buffer: Uint16Array;
  buffer2?: Uint16Array;
  running?: boolean;
  startInput(pin: string, freq: number, options?: { repeat?: boolean; time?: number }): void;
  stop(): void;
  on(event: string, fn: (buf: Uint16Array) => void): void;
  removeAllListeners(event?: string): void;
}
declare var Waveform: { new (samples: number, options?: { doubleBuffer?: boolean; bits?: number }): EspWaveform } | undefined;
interface EspTimerModule {
  add(task: { type: string; fn: () => void; time: number; interval: number }): number;
  remove(id: number): void;
}
declare function require(name: "timer"): EspTimerModule;
/** require("TelnetServer") (ESP32 and Linux builds): the console on the network; mode "on" | "off". */
interface EspTelnetServer {
  setOptions(options: { mode: string }): void;
}
/** A module looked up by a name built at run time (platform.ts setTelnetConsole). */
declare function require(name: string): EspTelnetServer;
