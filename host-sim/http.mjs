// require("http") for the device, on node:net, with Espruino's framing and socket loop.
//
// Matched against Espruino's libs/network/socketserver.c (current upstream; read via the code search) and the
// http library docs (libs/network/jswrap_net.c / jswrap_http):
//  - httpParseHeaders: the request callback is queued only once "\r\n\r\n" has arrived; method = text before
//    the first space, url = text between the first and second space (raw path + query); each later line
//    with a ':' becomes a header, key as the client spelled it, value after the colon with leading
//    whitespace skipped; a line with an empty value is dropped; a repeated name keeps its first value.
//    Content-Length (looked up case-insensitively) is how many body bytes are awaited; a request with
//    `Transfer-Encoding: chunked` is de-chunked.
//  - socketIdle/socketServerConnectionsIdle: per idle-loop pass each listener accepts at most one
//    connection, and each connection does one recv of <= net->chunkSize bytes and one send of <= chunkSize
//    bytes (536 on ESP32). When the send buffer empties a 'drain' event is queued on the response unless
//    end() was called. The connection closes on the pass where nothing is left to send, nothing arrived,
//    end() was called and the whole body arrived; then req 'end' (once), res 'end', req 'close' and
//    res 'close' (hadError) are queued. A peer that disconnects closes it at once (pending data is lost).
//  - On accept the response gets an implicit `Connection: close` header (setHeader, can be overridden).
//  - serverResponseWriteHead: "HTTP/1.1 <code> OK\r\nServer: Espruino <VERSION>\r\n", then the implicit
//    headers (setHeader order, Connection first) merged with the writeHead object (same name replaces the
//    value in place), then "\r\n". A second writeHead prints "ERROR: Headers have already been sent".
//    `Transfer-Encoding: chunked` (name and value case-insensitive) makes every write one chunk
//    "<hex len>\r\n<data>\r\n" (so write("") ends the body early, as on the board) and end() appends "0\r\n\r\n".
//  - serverResponseWrite: appends to one in-memory string; writes headers (200) first if needed; returns
//    false ("For node compatibility, the boolean false"); after end() write throws "This socket is closed.".
//    No Content-Length is ever added; there is no keep-alive, no server timeout and no server 'error' event.
//  - The socket budget (board.sockets, listeners included; ESP-IDF's CONFIG_LWIP_MAX_SOCKETS = 10 netconns)
//    is held by every listener and every connection from the moment the TCP stack accepts it until it is
//    closed; a request that is never end()ed holds its socket forever. When all are taken, a new client is
//    reset: lwIP's accept_function (api_msg.c) gets NULL from netconn_alloc ("out of netconns"), returns
//    ERR_MEM, and tcp_in.c aborts the new pcb (tcp_abort -> RST); Espruino's accept just sees an error. The
//    simulator accepts on the host and resets at once (socket.resetAndDestroy): the client sees ECONNRESET.
//  - Reachability (device option `unreachableWithoutWifi`, host-sim/device.mjs): a board without a Wi-Fi link
//    cannot be reached from the host. While `host.reachable()` is false a new client is reset at once
//    (ECONNRESET; a real client would rather time out, which is slower to test and means the same: no scrape),
//    and every open or queued connection is reset on the next idle pass. The listeners stay bound (the
//    firmware's server still exists on the board); the device sees its connections close as if the peer left.
import net from "node:net";
import { toByteString } from "./storage.mjs";

/** @typedef {import("./sandbox.mjs").Realm} Realm */
/** @typedef {import("./events.mjs").EventHub} EventHub */

/**
 * What the network layer needs from its device.
 * @typedef {object} NetHost
 * @property {Realm} realm
 * @property {EventHub} events
 * @property {(job: () => void) => void} queue
 * @property {(fn: Function, thisArg: unknown, args: unknown[]) => void} invoke
 * @property {(line: string) => void} print
 * @property {() => void} kick                 asks for idle-loop passes (network work pending)
 * @property {(devicePort: number) => number} mapPort  host port for a device port (0 = ephemeral)
 * @property {(info: {devicePort: number, hostPort: number}) => void} onListening
 * @property {(err: Error & {code?: string}, devicePort: number) => void} onListenError
 * @property {(info: {conn: number, bytes: number}) => void} onTx
 * @property {{version: string, sockets: number, netChunkSize?: number}} board
 * @property {() => boolean} [reachable]     false: the host cannot reach the board (no Wi-Fi link)
 */

/**
 * @typedef {object} Listener
 * @property {Record<string, any>} server   the device-side httpSrv object
 * @property {Function} handler
 * @property {number} devicePort
 * @property {number | undefined} hostPort
 * @property {net.Server} nodeServer
 * @property {HostConn[]} backlog            accepted by the host, not yet by the device
 * @property {boolean} closed
 * @property {Promise<void>} ready
 */

/**
 * @typedef {object} HostConn
 * @property {number} id
 * @property {net.Socket} sock
 * @property {Buffer[]} rx
 * @property {number} rxBytes
 * @property {boolean} peerEnded
 * @property {boolean} errored
 * @property {DevConn | undefined} dev
 */

/**
 * @typedef {object} DevConn
 * @property {Listener} listener
 * @property {Record<string, any>} req
 * @property {Record<string, any>} res
 * @property {string} recv                 received, not yet parsed/pushed
 * @property {boolean} hadHeaders
 * @property {number} toReceive            body bytes still expected (1 while chunked and unfinished)
 * @property {boolean} chunkedIn
 * @property {boolean} ended               req 'end' queued
 * @property {string | undefined} sendData undefined until headers are written
 * @property {Record<string, string>} implicitHeaders
 * @property {boolean} chunkedOut
 * @property {boolean} wantClose           end() called ("cls")
 */

const HTTP_STATUS_WORD = "OK"; // Espruino always sends "OK", whatever the code

export class SimNetwork {
  /** @param {NetHost} host */
  constructor(host) {
    this.host = host;
    this.chunk = host.board.netChunkSize ?? 536;
    /** @type {Listener[]} */
    this.listeners = [];
    /** @type {Set<HostConn>} */
    this.conns = new Set(); // every host socket (backlog and accepted)
    this.nextConnId = 1;
    this.stopped = false;
    this.stats = { passes: 0, accepted: 0, refused: 0, txChunks: 0, txBytes: 0, rxBytes: 0 };
  }

  /** Sockets held in the TCP stack: listeners + every connection (accepted by the device or still queued). */
  socketsHeld() {
    return this.listeners.filter((l) => !l.closed).length + this.conns.size;
  }

  /** Sockets in use on the board: listeners + device-accepted connections. */
  socketsInUse() {
    let n = this.listeners.filter((l) => !l.closed).length;
    for (const c of this.conns) if (c.dev) n++;
    return n;
  }

  /** The require("http") module object. */
  createModule() {
    const { realm } = this.host;
    const mod = realm.obj();
    const self = this;
    mod.createServer = function (/** @type {Function} */ handler) {
      if (typeof handler !== "function") throw realm.error("Expecting Callback Function but got " + typeof handler);
      return self.createServer(handler);
    };
    mod.request = function () {
      throw realm.error("http.request is not emulated by the simulator yet");
    };
    mod.get = mod.request;
    return mod;
  }

  /** @param {Function} handler */
  createServer(handler) {
    const { realm, events } = this.host;
    const server = events.install(realm.obj());
    const self = this;
    /** @type {Listener | undefined} */
    let listener;
    server.listen = function (/** @type {number} */ port) {
      if (listener && !listener.closed) throw realm.error("Server is already listening", "InternalError");
      listener = self.listen(server, handler, port | 0);
      return server;
    };
    server.close = function () {
      if (listener) self.closeListener(listener);
    };
    return server;
  }

  /**
   * @param {Record<string, any>} server @param {Function} handler @param {number} devicePort
   * @returns {Listener}
   */
  listen(server, handler, devicePort) {
    const { realm } = this.host;
    if (this.stopped) throw realm.error("Unable to create socket", "InternalError");
    if (this.socketsInUse() >= this.host.board.sockets) throw realm.error("Unable to create socket", "InternalError");
    const nodeServer = net.createServer({ allowHalfOpen: true, noDelay: true });
    /** @type {Listener} */
    const l = {
      server, handler, devicePort, hostPort: undefined, nodeServer, backlog: [], closed: false,
      ready: Promise.resolve(),
    };
    nodeServer.on("connection", (sock) => this.onHostConnection(l, sock));
    l.ready = new Promise((resolve, reject) => {
      nodeServer.once("listening", () => {
        const addr = nodeServer.address();
        l.hostPort = typeof addr === "object" && addr ? addr.port : undefined;
        this.host.onListening({ devicePort, hostPort: /** @type {number} */ (l.hostPort) });
        resolve();
      });
      nodeServer.once("error", (err) => {
        l.closed = true;
        this.host.onListenError(err, devicePort);
        reject(err);
      });
    });
    l.ready.catch(() => {}); // reported through onListenError; boot() re-checks
    nodeServer.listen({ host: "127.0.0.1", port: this.host.mapPort(devicePort), exclusive: true });
    this.listeners.push(l);
    return l;
  }

  /** @param {Listener} l */
  closeListener(l) {
    if (l.closed) return;
    l.closed = true;
    l.nodeServer.close();
    for (const c of l.backlog) c.sock.destroy();
    l.backlog.length = 0;
  }

  /** @param {Listener} l @param {net.Socket} sock */
  onHostConnection(l, sock) {
    if (this.stopped || l.closed) {
      sock.destroy();
      return;
    }
    if (!this.reachable()) {
      this.stats.refused++;
      sock.resetAndDestroy(); // no Wi-Fi link: the host cannot reach the board
      return;
    }
    if (this.socketsHeld() >= this.host.board.sockets) {
      this.stats.refused++;
      sock.resetAndDestroy(); // out of netconns: RST, as lwIP does
      return;
    }
    sock.setNoDelay(true);
    /** @type {HostConn} */
    const c = { id: this.nextConnId++, sock, rx: [], rxBytes: 0, peerEnded: false, errored: false, dev: undefined };
    this.conns.add(c);
    l.backlog.push(c);
    sock.on("data", (buf) => {
      c.rx.push(buf);
      c.rxBytes += buf.length;
      this.host.kick();
    });
    sock.on("end", () => {
      c.peerEnded = true;
      this.host.kick();
    });
    sock.on("error", () => {
      c.errored = true;
      this.host.kick();
    });
    sock.on("close", () => {
      c.peerEnded = true;
      this.host.kick();
    });
    sock.on("drain", () => this.host.kick());
    this.host.kick();
  }

  /** Whether another idle pass would do something now. */
  hasWork() {
    if (this.stopped) return false;
    const free = this.socketsInUse() < this.host.board.sockets;
    for (const l of this.listeners) if (!l.closed && l.backlog.length && free) return true;
    for (const c of this.conns) {
      const d = c.dev;
      if (!d) continue;
      if (c.rxBytes > 0 || c.peerEnded || c.errored) return true;
      if (d.sendData && !c.sock.writableNeedDrain) return true;
      if (d.wantClose && !d.sendData) return true;
      if (d.hadHeaders && d.toReceive <= 0 && !d.ended && !d.sendData) return true; // next pass queues req 'end'
    }
    return false;
  }

  /** Whether the host can reach the board (see `reachable` in NetHost; default: always). */
  reachable() {
    return !this.host.reachable || this.host.reachable();
  }

  /** The link is gone: resets every queued and open host connection (the device sees them close). */
  cutOff() {
    for (const l of this.listeners) {
      for (const c of l.backlog) {
        this.conns.delete(c);
        c.sock.resetAndDestroy();
      }
      l.backlog.length = 0;
    }
    for (const c of this.conns) if (!c.sock.destroyed) c.sock.resetAndDestroy();
  }

  /** One pass of Espruino's socketIdle(): accept, then recv/send/close every connection. */
  pass() {
    if (this.stopped) return;
    this.stats.passes++;
    if (this.conns.size && !this.reachable()) this.cutOff();
    for (const l of this.listeners) {
      if (l.closed || !l.backlog.length) continue;
      if (this.socketsInUse() >= this.host.board.sockets) break;
      const c = /** @type {HostConn} */ (l.backlog.shift());
      this.accept(l, c);
    }
    for (const c of [...this.conns]) if (c.dev) this.connPass(c, c.dev);
  }

  /** @param {Listener} l @param {HostConn} c */
  accept(l, c) {
    const { realm, events } = this.host;
    this.stats.accepted++;
    const req = events.install(realm.obj());
    const res = events.install(realm.obj());
    /** @type {DevConn} */
    const d = {
      listener: l, req, res, recv: "", hadHeaders: false, toReceive: 0, chunkedIn: false, ended: false,
      sendData: undefined, implicitHeaders: realm.obj(), chunkedOut: false, wantClose: false,
    };
    d.implicitHeaders["Connection"] = "close";
    c.dev = d;
    const hub = events;
    req.read = function (/** @type {number=} */ chars) {
      return hub.read(req, chars);
    };
    req.available = function () {
      return hub.available(req);
    };
    const self = this;
    res.setHeader = function (/** @type {unknown} */ name, /** @type {unknown} */ value) {
      d.implicitHeaders[String(name)] = String(value);
    };
    res.writeHead = function (/** @type {number} */ code, /** @type {unknown} */ headers) {
      self.writeHead(d, code, headers);
    };
    res.write = function (/** @type {unknown} */ data) {
      self.write(d, data);
      return false;
    };
    res.end = function (/** @type {unknown} */ data) {
      if (data !== undefined) self.write(d, data);
      self.write(d, d.chunkedOut ? "" : undefined);
      d.wantClose = true;
      self.host.kick();
    };
  }

  /** @param {DevConn} d @param {number} code @param {unknown} explicit */
  writeHead(d, code, explicit) {
    const { realm } = this.host;
    if (explicit !== undefined && (explicit === null || typeof explicit !== "object")) {
      this.host.print("ERROR: Headers sent to writeHead should be an object");
      return;
    }
    if (d.sendData !== undefined) {
      this.host.print("ERROR: Headers have already been sent");
      return;
    }
    /** @type {Record<string, string>} */
    const headers = realm.obj();
    for (const k of Object.keys(d.implicitHeaders)) headers[k] = d.implicitHeaders[k];
    if (explicit) for (const k of Object.keys(explicit)) headers[k] = String(/** @type {any} */ (explicit)[k]);
    let s = "HTTP/1.1 " + (Number(code) | 0) + " " + HTTP_STATUS_WORD + "\r\nServer: Espruino " + this.host.board.version + "\r\n";
    let te;
    for (const k of Object.keys(headers)) {
      s += k + ": " + headers[k] + "\r\n";
      if (te === undefined && k.toLowerCase() === "transfer-encoding") te = headers[k];
    }
    if (te !== undefined && String(te).toLowerCase() === "chunked") d.chunkedOut = true;
    d.sendData = toByteString(s + "\r\n");
  }

  /** @param {DevConn} d @param {unknown} data */
  write(d, data) {
    if (d.wantClose) throw this.host.realm.error("This socket is closed.");
    if (d.sendData === undefined) this.writeHead(d, 200, undefined);
    if (data === undefined) return;
    const s = toByteString(String(data));
    d.sendData += d.chunkedOut ? s.length.toString(16) + "\r\n" + s + "\r\n" : s;
    this.host.kick();
  }

  /**
   * netRecv: up to `chunk` bytes, as a byte string; -1 when the peer is gone and nothing is buffered.
   * @param {HostConn} c
   */
  recv(c) {
    if (c.rxBytes === 0) return c.peerEnded || c.errored ? -1 : "";
    let buf = c.rx.length === 1 ? c.rx[0] : Buffer.concat(c.rx);
    const take = buf.subarray(0, this.chunk);
    buf = buf.subarray(take.length);
    c.rx = buf.length ? [buf] : [];
    c.rxBytes = buf.length;
    this.stats.rxBytes += take.length;
    return take.toString("latin1");
  }

  /** @param {HostConn} c @param {DevConn} d */
  connPass(c, d) {
    const { events } = this.host;
    let closeNow = false;
    const got = this.recv(c);
    const num = got === -1 ? -1 : got.length;
    if (got === -1) closeNow = true;
    else if (got.length) {
      d.recv += got;
      if (!d.hadHeaders) {
        const head = parseRequestHead(d.recv, this.host.realm);
        if (head) {
          d.hadHeaders = true;
          d.req.method = head.method;
          d.req.url = head.url;
          d.req.headers = head.headers;
          d.recv = head.rest;
          d.chunkedIn = head.chunked;
          d.toReceive = head.chunked ? 1 : head.contentLength;
          const l = d.listener;
          this.host.queue(() => this.host.invoke(l.handler, l.server, [d.req, d.res]));
        }
      }
      if (d.hadHeaders) this.pushBody(d);
    }
    if (!closeNow) {
      let sendEmpty = !d.sendData;
      if (d.sendData && !c.sock.writableNeedDrain && !c.sock.destroyed) {
        const part = d.sendData.substring(0, this.chunk);
        c.sock.write(Buffer.from(part, "latin1"));
        d.sendData = d.sendData.substring(part.length);
        this.stats.txChunks++;
        this.stats.txBytes += part.length;
        this.host.onTx({ conn: c.id, bytes: part.length });
        if (!d.sendData) {
          sendEmpty = true;
          if (!d.wantClose) events.queueEmit(d.res, "drain", []);
        }
      }
      if (sendEmpty && num <= 0) {
        let really = d.wantClose;
        if (d.toReceive > 0 || !d.hadHeaders) really = false;
        else if (!d.ended) {
          d.ended = true;
          events.queueEmit(d.req, "end", []);
        }
        closeNow = really;
      }
    }
    if (closeNow) {
      if (d.hadHeaders && d.recv) this.pushBody(d);
      const hadError = c.errored;
      events.queueEmit(d.res, "end", []);
      events.queueEmit(d.req, "close", [hadError]);
      events.queueEmit(d.res, "close", [hadError]);
      d.wantClose = true;
      this.kill(c);
    }
  }

  /** Delivers received body bytes as 'data' (de-chunking a chunked request). @param {DevConn} d */
  pushBody(d) {
    const { events } = this.host;
    if (!d.recv) return;
    if (!d.chunkedIn) {
      d.toReceive -= d.recv.length;
      events.pushData(d.req, d.recv);
      d.recv = "";
      return;
    }
    for (;;) {
      const eol = d.recv.indexOf("\r\n");
      if (eol < 0) return;
      const len = parseInt(d.recv.substring(0, eol), 16) || 0;
      if (len === 0) {
        d.toReceive = 0;
        d.recv = "";
        return;
      }
      if (d.recv.length < eol + 2 + len + 2) return; // wait for the whole chunk
      events.pushData(d.req, d.recv.substring(eol + 2, eol + 2 + len));
      d.recv = d.recv.substring(eol + 2 + len + 2);
    }
  }

  /** @param {HostConn} c */
  kill(c) {
    this.conns.delete(c);
    c.dev = undefined;
    if (!c.sock.destroyed) c.sock.end();
  }

  /** Closes every listener and socket. */
  async stop() {
    this.stopped = true;
    const closing = [];
    for (const l of this.listeners) {
      if (!l.closed) {
        l.closed = true;
        closing.push(new Promise((r) => l.nodeServer.close(() => r(undefined))));
      }
    }
    for (const c of this.conns) c.sock.destroy();
    this.conns.clear();
    for (const l of this.listeners) l.backlog.length = 0;
    await Promise.all(closing);
  }
}

/**
 * Espruino's httpParseHeaders for a server request. Returns undefined until "\r\n\r\n" has arrived.
 * @param {string} s
 * @param {Realm} realm
 */
export function parseRequestHead(s, realm) {
  const end = s.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const headerEnd = end + 4;
  const head = s.substring(0, headerEnd);
  let firstSpace = -1;
  let secondSpace = -1;
  for (let i = 0; i < head.length && secondSpace < 0; i++) {
    const ch = head[i];
    if (ch === " " || ch === "\r") {
      if (firstSpace < 0) firstSpace = i;
      else secondSpace = i;
    }
  }
  /** @type {Record<string, string>} */
  const headers = realm.obj();
  const lines = head.substring(0, end).split("\r\n");
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n].replace(/^\n/, "");
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const value = line.substring(colon + 1).replace(/^[ \t\n\x0b\x0c]+/, "");
    if (!value) continue;
    const key = line.substring(0, colon);
    if (!Object.prototype.hasOwnProperty.call(headers, key)) headers[key] = value;
  }
  /** @param {string} name */
  const getI = (name) => {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === name) return headers[k];
    return undefined;
  };
  const te = getI("transfer-encoding");
  const chunked = te !== undefined && te.toLowerCase() === "chunked";
  const cl = parseInt(getI("content-length") ?? "0", 10);
  return {
    method: head.substring(0, firstSpace),
    url: head.substring(firstSpace + 1, secondSpace),
    headers,
    chunked,
    contentLength: cl > 0 ? cl : 0,
    rest: s.substring(headerEnd),
  };
}
