// The REPL served on a loopback TCP port, behaving like a serial port: raw bytes both ways, no telnet
// negotiation (the stock CLI's `-p tcp://HOST:PORT` backend is a plain socket), one client at a time.
//
// A second client while one is connected: by default it is refused — it receives the line
// "Console busy: another client is connected\r\n" and is closed, so a second CLI fails fast ("Disconnected.")
// instead of interleaving its bytes with the first one's upload. With `busy: "replace"` the new client takes over
// and the old one is closed (like plugging a serial cable into another host).
// Output while no client is connected is dropped, like bytes sent on a UART nobody listens to.
import net from "node:net";

/**
 * @typedef {object} ConsoleTarget what the console talks to — an EspruinoRepl or anything alike
 * @property {(data: Uint8Array) => void} input
 * @property {(listener: (bytes: Buffer) => void) => () => void} onOutput
 */

/**
 * @typedef {object} TcpConsoleOptions
 * @property {number} [port] TCP port on 127.0.0.1 (default 0: any free port)
 * @property {"reject" | "replace"} [busy] what a second client gets (default "reject")
 * @property {(event: string, detail?: unknown) => void} [log] connection events, for debugging
 * @property {() => void} [onClient] called when a client is attached (a refused one does not count)
 */

export const BUSY_MESSAGE = "Console busy: another client is connected\r\n";

export class TcpConsole {
  /**
   * @param {ConsoleTarget} target
   * @param {TcpConsoleOptions} [options]
   */
  constructor(target, options = {}) {
    /** @private */ this.target = target;
    /** @private */ this.options = options;
    /** @private @type {net.Socket | null} */ this.client = null;
    /** @private @type {(() => void) | null} */ this.detach = null;
    /** @private @type {Set<net.Socket>} */ this.sockets = new Set();
    /** @private */ this.server = net.createServer((s) => this.accept(s));
    /** connections accepted so far (including refused ones) */
    this.connections = 0;
    /** bytes received from clients */
    this.bytesIn = 0;
  }

  /**
   * Start listening on 127.0.0.1.
   * @returns {Promise<{ host: string, port: number }>}
   */
  listen() {
    return new Promise((resolve, reject) => {
      const onError = (/** @type {Error} */ e) => reject(e);
      this.server.once("error", onError);
      this.server.listen({ host: "127.0.0.1", port: this.options.port ?? 0 }, () => {
        this.server.off("error", onError);
        resolve(this.address());
      });
    });
  }

  /** @returns {{ host: string, port: number }} */
  address() {
    const a = this.server.address();
    if (!a || typeof a === "string") throw new Error("TcpConsole: not listening");
    return { host: a.address, port: a.port };
  }

  /** `tcp://127.0.0.1:PORT`, what to pass to `espruino -p`. */
  get url() {
    const a = this.address();
    return "tcp://" + a.host + ":" + a.port;
  }

  /** Whether a client is attached. */
  get connected() {
    return this.client !== null;
  }

  /** @private @param {string} event @param {unknown} [detail] */
  log(event, detail) {
    if (this.options.log) this.options.log(event, detail);
  }

  /** @private @param {net.Socket} socket */
  accept(socket) {
    this.connections++;
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", (e) => this.log("socket-error", e.message));
    socket.setNoDelay(true);
    if (this.client) {
      if ((this.options.busy ?? "reject") === "reject") {
        this.log("refused", socket.remotePort);
        socket.end(BUSY_MESSAGE);
        return;
      }
      this.log("replaced", this.client.remotePort);
      this.dropClient(this.client);
    }
    this.client = socket;
    this.log("connected", socket.remotePort);
    this.detach = this.target.onOutput((bytes) => {
      if (!socket.destroyed && socket.writable) socket.write(bytes);
    });
    this.options.onClient?.();
    socket.on("data", (d) => {
      if (this.client !== socket) return;
      this.bytesIn += d.length;
      this.target.input(d);
    });
    const gone = () => {
      if (this.client === socket) {
        this.log("disconnected", socket.remotePort);
        this.dropClient(socket);
      }
    };
    socket.on("end", () => {
      gone();
      socket.end();
    });
    socket.on("close", gone);
  }

  /** @private @param {net.Socket} socket */
  dropClient(socket) {
    if (this.client === socket) {
      this.client = null;
      if (this.detach) this.detach();
      this.detach = null;
    }
    if (!socket.destroyed) socket.end();
  }

  /**
   * Stop listening and close any client. Resolves when the server is closed.
   * @returns {Promise<void>}
   */
  close() {
    if (this.client) this.dropClient(this.client);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }
}

/**
 * Convenience: serve `target` on 127.0.0.1 and resolve once listening.
 * @param {ConsoleTarget} target
 * @param {TcpConsoleOptions} [options]
 */
export async function serveTcpConsole(target, options) {
  const c = new TcpConsole(target, options);
  await c.listen();
  return c;
}
