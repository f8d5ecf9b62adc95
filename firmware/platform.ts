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
