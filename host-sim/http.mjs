// require("http") and the server side of require("net") for the device, on node:net, with Espruino's framing and
// socket loop.
// Details: docs/simulator.md "host-sim/http.mjs".
import { COPY_PER_CHAR } from "./natives.mjs";
import net from "node:net";
import { toByteString } from "./storage.mjs";
import { parseUrl } from "./globals.mjs";
import { builtin } from "./events.mjs";

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
 * @property {(instructions: number) => void} [chargeNative]  native work for the cost model (host-sim/natives.mjs)
 * @property {(chars: number) => void} [transient]  after res.write(): its argument, still alive in the callback
 *   next to its copy in the send buffer, counts toward the memory peak (the board's high-water mark sees both)
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
 * @property {boolean} [raw]                 require("net"): raw sockets, no HTTP parsing
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
 * @property {boolean} [raw]                 a require("net") socket (req and res are the Socket)
 */

/**
 * @typedef {object} ClientConn
 * @property {number} id
 * @property {Record<string, any>} req      httpCRq
 * @property {Record<string, any>} res      httpCRs
 * @property {Record<string, any>} opts
 * @property {Function | undefined} cb
 * @property {string | undefined} sendData  undefined until the first write
 * @property {boolean} chunked
 * @property {net.Socket | undefined} sock
 * @property {boolean} connected
 * @property {boolean} refused           failed before connecting
 * @property {boolean} errored           reset after connecting
 * @property {boolean} peerEnded
 * @property {Buffer[]} rx
 * @property {number} rxBytes
 * @property {boolean} closeNow          no socket could be created
 * @property {boolean} wantClose         end() called
 * @property {boolean} closed
 * @property {boolean} hadHeaders
 * @property {string} recv
 * @property {number} toReceive
 * @property {boolean} chunkedIn
 * @property {boolean} untilClose        neither Content-Length nor chunked: the body ends at close
 * @property {boolean} resEnded
 */

/** Espruino's %t type names for error messages. @param {unknown} v */
function typeOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "Array";
  if (typeof v === "object") return "Object";
  if (typeof v === "function") return "Function";
  if (typeof v === "number") return Number.isInteger(v) ? "Integer" : "Double";
  if (typeof v === "boolean") return "Boolean";
  if (typeof v === "string") return "String";
  return "undefined";
}

/**
 * Delivers the received body bytes of a connection (server request or client response) to `target` as 'data'
 * events, de-chunking a chunked body; a zero-size chunk ends it (toReceive = 0). Incomplete chunks wait.
 * @param {EventHub} events
 * @param {{recv: string, chunkedIn: boolean, toReceive: number}} conn
 * @param {object} target
 */
function deliverBody(events, conn, target) {
  if (!conn.recv) return;
  if (!conn.chunkedIn) {
    conn.toReceive -= conn.recv.length;
    events.pushData(target, conn.recv);
    conn.recv = "";
    return;
  }
  for (;;) {
    const eol = conn.recv.indexOf("\r\n");
    if (eol < 0) return;
    const len = parseInt(conn.recv.substring(0, eol), 16) || 0;
    if (len === 0) {
      conn.toReceive = 0;
      conn.recv = "";
      return;
    }
    if (conn.recv.length < eol + 2 + len + 2) return; // wait for the whole chunk
    events.pushData(target, conn.recv.substring(eol + 2, eol + 2 + len));
    conn.recv = conn.recv.substring(eol + 2 + len + 2);
  }
}

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
    /** @type {Set<ClientConn>} client requests until they close */
    this.clients = new Set();
    this.stopped = false;
    this.stats = { passes: 0, accepted: 0, refused: 0, txChunks: 0, txBytes: 0, rxBytes: 0 };
  }

  /**
   * Espruino's socket layer copies the unsent remainder into a new string after every send of <= 536 bytes
   * (docs/espruino-platform.md §6: "whole-body writes are also slowed by the socket layer copying the unsent
   * remainder after every 536-byte send"): charged per character at COPY_PER_CHAR (host-sim/natives.mjs).
   * @param {number} chars  characters left after this send
   */
  copyCharge(chars) {
    if (chars > 0 && this.host.chargeNative) this.host.chargeNative(chars * COPY_PER_CHAR);
  }

  /** Sockets held in the TCP stack: listeners + every connection (accepted by the device or still queued). */
  socketsHeld() {
    return this.listeners.filter((l) => !l.closed).length + this.conns.size + this.clientSockets();
  }

  /** Client connections holding a socket. */
  clientSockets() {
    let n = 0;
    for (const c of this.clients) if (c.sock) n++;
    return n;
  }

  /** Sockets in use on the board: listeners + device-accepted connections. */
  socketsInUse() {
    let n = this.listeners.filter((l) => !l.closed).length;
    for (const c of this.conns) if (c.dev) n++;
    return n + this.clientSockets();
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
    mod.request = function (/** @type {unknown} */ options, /** @type {unknown} */ cb) {
      return self.request(options, cb, false);
    };
    mod.get = function (/** @type {unknown} */ options, /** @type {unknown} */ cb) {
      return self.request(options, cb, true);
    };
    return mod;
  }

  /** The require("net") module object: a server of raw TCP sockets (the client side is not emulated). */
  createNetModule() {
    const { realm } = this.host;
    const mod = realm.obj();
    const self = this;
    mod.createServer = function (/** @type {Function} */ handler) {
      if (typeof handler !== "function") throw realm.error("Expecting Callback Function but got " + typeof handler);
      return self.createServer(handler, true);
    };
    return mod;
  }

  /** @param {Function} handler @param {boolean} [raw] require("net"): the handler gets one Socket per connection */
  createServer(handler, raw) {
    const { realm, events } = this.host;
    const server = events.install(realm.obj());
    const self = this;
    /** @type {Listener | undefined} */
    let listener;
    server.listen = function (/** @type {number} */ port) {
      if (listener && !listener.closed) throw realm.error("Server is already listening", "InternalError");
      listener = self.listen(server, handler, port | 0);
      listener.raw = !!raw;
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
    this.feed(sock, c);
    sock.on("error", () => {
      c.errored = true;
      this.host.kick();
    });
    this.host.kick();
  }

  /**
   * Feeds a host socket's events into connection state `c` and wakes the device's idle loop: received bytes,
   * the peer's end and close, drain. Errors mean different things for accepted and client connections: the
   * caller's.
   * @param {net.Socket} sock
   * @param {{rx: Buffer[], rxBytes: number, peerEnded: boolean}} c
   */
  feed(sock, c) {
    sock.on("data", (buf) => {
      c.rx.push(buf);
      c.rxBytes += buf.length;
      this.host.kick();
    });
    sock.on("end", () => {
      c.peerEnded = true;
      this.host.kick();
    });
    sock.on("close", () => {
      c.peerEnded = true;
      this.host.kick();
    });
    sock.on("drain", () => this.host.kick());
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
    for (const c of this.clients) if (this.clientHasWork(c)) return true;
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
    for (const c of [...this.clients]) this.clientPass(c);
  }

  /**
   * A require("net") connection (socketserver.c, ST_NORMAL): the Socket gets every recv as 'data' (a string), or
   * keeps it for read() without a listener; write() appends to the send buffer (false), end() closes once it is
   * sent; 'drain' when the buffer empties (not after end()); 'close' (hadError) once, also when the peer leaves.
   * @param {Listener} l @param {HostConn} c
   */
  acceptRaw(l, c) {
    const { realm, events } = this.host;
    const sock = events.install(realm.obj());
    /** @type {DevConn} */
    const d = {
      listener: l, req: sock, res: sock, recv: "", hadHeaders: true, toReceive: 0, chunkedIn: false, ended: true,
      sendData: "", implicitHeaders: realm.obj(), chunkedOut: false, wantClose: false, raw: true,
    };
    c.dev = d;
    const self = this;
    sock.write = builtin(function (/** @type {unknown} */ data) {
      if (d.wantClose) throw realm.error("This socket is closed.");
      if (data !== undefined) {
        d.sendData += toByteString(String(data));
        if (self.host.transient && typeof data === "string") self.host.transient(data.length);
        self.host.kick();
      }
      return false;
    });
    sock.end = builtin(function (/** @type {unknown} */ data) {
      if (data !== undefined && !d.wantClose) d.sendData += toByteString(String(data));
      d.wantClose = true;
      self.host.kick();
    });
    sock.read = builtin(function (/** @type {number=} */ chars) {
      return events.read(sock, chars);
    });
    sock.available = builtin(function () {
      return events.available(sock);
    });
    this.host.queue(() => this.host.invoke(l.handler, l.server, [sock]));
  }

  /** @param {Listener} l @param {HostConn} c */
  accept(l, c) {
    const { realm, events } = this.host;
    this.stats.accepted++;
    if (l.raw) {
      this.acceptRaw(l, c);
      return;
    }
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
    req.read = builtin(function (/** @type {number=} */ chars) {
      return hub.read(req, chars);
    });
    req.available = builtin(function () {
      return hub.available(req);
    });
    const self = this;
    res.setHeader = builtin(function (/** @type {unknown} */ name, /** @type {unknown} */ value) {
      d.implicitHeaders[String(name)] = String(value);
    });
    res.writeHead = builtin(function (/** @type {number} */ code, /** @type {unknown} */ headers) {
      self.writeHead(d, code, headers);
    });
    res.write = builtin(function (/** @type {unknown} */ data) {
      self.write(d, data);
      if (self.host.transient && typeof data === "string") self.host.transient(data.length);
      return false;
    });
    res.end = builtin(function (/** @type {unknown} */ data) {
      if (data !== undefined) self.write(d, data);
      self.write(d, d.chunkedOut ? "" : undefined);
      d.wantClose = true;
      self.host.kick();
    });
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
    else if (got.length && d.raw) events.pushData(d.req, got);
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
        corkForTurn(c.sock);
        c.sock.write(Buffer.from(part, "latin1"));
        d.sendData = d.sendData.substring(part.length);
        this.copyCharge(d.sendData.length);
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
    if (closeNow && d.raw) {
      d.wantClose = true;
      events.queueEmit(d.res, "close", [c.errored]);
      this.kill(c);
      return;
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
    deliverBody(this.host.events, d, d.req);
  }

  /** @param {HostConn} c */
  kill(c) {
    this.conns.delete(c);
    c.dev = undefined;
    if (!c.sock.destroyed) c.sock.end();
  }

  // ------------------------------------------------------------------ client

  /**
   * http.request / http.get.
   * @param {unknown} options @param {unknown} cb @param {boolean} isGet
   */
  request(options, cb, isGet) {
    const { realm, events } = this.host;
    let o = /** @type {any} */ (options);
    if (typeof o === "string") o = parseUrl(o, false, realm);
    else if (isGet && o && typeof o === "object") o.method = "GET";
    if (!o || typeof o !== "object" || Array.isArray(o)) throw realm.error("Expecting Options to be an Object but it was " + typeOf(o));
    if (typeof cb !== "function" && !(isGet && cb === undefined)) throw realm.error("Expecting Callback Function but got " + typeOf(cb));
    const req = events.install(realm.obj());
    const res = events.install(realm.obj());
    /** @type {ClientConn} */
    const c = {
      id: this.nextConnId++, req, res, opts: o, cb: typeof cb === "function" ? cb : undefined, sendData: undefined, chunked: false,
      sock: undefined, connected: false, refused: false, errored: false, peerEnded: false, rx: [], rxBytes: 0, closeNow: false,
      wantClose: false, closed: false, hadHeaders: false, recv: "", toReceive: 0, chunkedIn: false, untilClose: false, resEnded: false,
    };
    this.clients.add(c);
    const self = this;
    req.write = builtin(function (/** @type {unknown} */ data) {
      self.clientWrite(c, data);
      return false;
    });
    req.end = builtin(function (/** @type {unknown} */ data) {
      if (data !== undefined) self.clientWrite(c, data);
      self.clientWrite(c, c.chunked ? "" : undefined);
      c.wantClose = true;
      self.host.kick();
    });
    res.read = builtin(function (/** @type {number=} */ chars) {
      return events.read(res, chars);
    });
    res.available = builtin(function () {
      return events.available(res);
    });
    if (isGet) req.end();
    return req;
  }

  /** clientRequestWrite: the head on the first call, then the data (chunked if asked); connects. @param {ClientConn} c @param {unknown} data */
  clientWrite(c, data) {
    const { realm } = this.host;
    if (c.closed) throw realm.error("This socket is closed.");
    if (c.sendData === undefined) {
      const o = c.opts;
      let s = String(o.method) + " " + String(o.path) + " HTTP/1.1\r\nUser-Agent: Espruino " + this.host.board.version + "\r\nConnection: close\r\n";
      const h = o.headers;
      let hasHost = false;
      if (h && typeof h === "object") {
        for (const k of Object.keys(h)) s += k + ": " + String(h[k]) + "\r\n";
        hasHost = Object.prototype.hasOwnProperty.call(h, "Host");
        const te = h["Transfer-Encoding"];
        if (te !== undefined && String(te).toLowerCase() === "chunked") c.chunked = true;
      }
      if (!hasHost) {
        const port = Number(o.port) | 0;
        s += "Host: " + String(o.host) + (port > 0 && port !== 80 ? ":" + port : "") + "\r\n";
      }
      c.sendData = toByteString(s + "\r\n");
    }
    if (data !== undefined) {
      const d = toByteString(String(data));
      c.sendData += c.chunked ? d.length.toString(16) + "\r\n" + d + "\r\n" : d;
    }
    this.clientConnect(c);
    this.host.kick();
  }

  /** clientRequestConnect (once). @param {ClientConn} c */
  clientConnect(c) {
    const { realm } = this.host;
    if (c.sock || c.closeNow) return;
    const o = c.opts;
    const host = o.host === undefined ? "127.0.0.1" : String(o.host) === "localhost" ? "127.0.0.1" : String(o.host);
    const port = (Number(o.port) | 0) || 80;
    if (this.stopped || !this.reachable()) {
      this.host.print("ERROR: Connect failed (err 113)"); // EHOSTUNREACH from lwIP's blocking connect()
      c.closeNow = true;
      throw realm.error("Unable to create socket", "InternalError");
    }
    if (this.socketsInUse() >= this.host.board.sockets) {
      c.closeNow = true;
      throw realm.error("Unable to create socket", "InternalError");
    }
    const sock = net.connect({ host, port, noDelay: true, allowHalfOpen: true });
    c.sock = sock;
    sock.on("connect", () => {
      c.connected = true;
      this.host.kick();
    });
    this.feed(sock, c);
    sock.on("error", (/** @type {Error & {code?: string}} */ e) => {
      if (!c.connected) c.refused = true;
      else c.errored = e.code !== "EPIPE";
      c.peerEnded = true;
      this.host.kick();
    });
  }

  /** @param {ClientConn} c */
  clientHasWork(c) {
    if (c.closeNow || c.rxBytes > 0 || c.peerEnded || c.refused || c.errored) return true;
    if (c.sendData && c.connected && c.sock && !c.sock.writableNeedDrain) return true;
    if (!c.sendData && c.wantClose && c.hadHeaders && c.toReceive <= 0 && !c.untilClose) return true;
    return false;
  }

  /** One pass of socketClientConnectionsIdle for one request. @param {ClientConn} c */
  clientPass(c) {
    const { events } = this.host;
    let closeNow = c.closeNow;
    let error = 0;
    if (c.sock && !this.reachable() && !c.sock.destroyed) {
      c.sock.resetAndDestroy(); // the link is gone
      c.errored = true;
      c.peerEnded = true;
    }
    if (!closeNow && c.sock) {
      if (c.sendData) {
        if (c.refused) {
          closeNow = true;
          error = -1; // send() fails: SOCKET_ERR_CLOSED (becomes "unsent data" below)
        } else if (c.connected && !c.sock.writableNeedDrain && !c.sock.destroyed) {
          const part = c.sendData.substring(0, this.chunk);
          corkForTurn(c.sock);
          c.sock.write(Buffer.from(part, "latin1"));
          c.sendData = c.sendData.substring(part.length);
          this.copyCharge(c.sendData.length);
          this.stats.txBytes += part.length;
          this.host.onTx({ conn: -c.id, bytes: part.length });
          if (!c.sendData && !c.wantClose) events.queueEmit(c.req, "drain", []);
        }
      } else if (c.wantClose) {
        closeNow = true;
        if (c.toReceive > 0 || c.untilClose || !c.hadHeaders) closeNow = false;
        else if (!c.resEnded) {
          c.resEnded = true;
          events.queueEmit(c.res, "end", []);
        }
      }
      if (!closeNow) {
        const got = this.clientRecv(c);
        if (got === -1) {
          closeNow = true;
          if (c.errored) error = -9; // connection reset
          else if (!c.hadHeaders) error = -15; // no response
          else if (c.toReceive > 0 && !c.untilClose) error = -1;
        } else if (got) this.clientReceived(c, got);
      }
    }
    if (!closeNow) return;
    if (c.sendData && error === -1) error = -8; // unsent data
    c.closed = true;
    this.clients.delete(c);
    if (c.sock && !c.sock.destroyed) c.sock.destroy();
    c.sock = undefined;
    const messages = { "-1": "connection closed", "-8": "unsent data", "-9": "connection reset", "-15": "no response" };
    const hadError = error < 0 && error !== -1;
    if (hadError) {
      events.queueEmit(c.req, "error", [this.host.realm.fromHost({ code: error, message: /** @type {any} */ (messages)[String(error)] })]);
    }
    if (!c.resEnded) {
      c.resEnded = true;
      events.queueEmit(c.res, "end", []);
    }
    events.queueEmit(c.res, "close", [hadError]);
  }

  /** netRecv for a client (the same byte buffering as a server connection). @param {ClientConn} c */
  clientRecv(c) {
    return this.recv(/** @type {any} */ (c));
  }

  /** Response head, then body as res 'data' (de-chunked). @param {ClientConn} c @param {string} got */
  clientReceived(c, got) {
    const { events, realm } = this.host;
    c.recv += got;
    if (!c.hadHeaders) {
      const head = parseRequestHead(c.recv, realm); // same framing; first line "HTTP/1.1 200 OK"
      if (!head) return;
      c.hadHeaders = true;
      const line = c.recv.substring(0, c.recv.indexOf("\r\n"));
      const sp1 = line.indexOf(" ");
      const sp2 = line.indexOf(" ", sp1 + 1);
      c.res.httpVersion = line.substring(5, sp1);
      c.res.statusCode = line.substring(sp1 + 1, sp2 < 0 ? line.length : sp2);
      c.res.statusMessage = sp2 < 0 ? "" : line.substring(sp2 + 1);
      c.res.headers = head.headers;
      c.chunkedIn = head.chunked;
      let hasLength = false;
      for (const k of Object.keys(head.headers)) if (k.toLowerCase() === "content-length") hasLength = true;
      c.toReceive = head.chunked ? 1 : head.contentLength;
      c.untilClose = !head.chunked && !hasLength;
      c.recv = head.rest;
      if (c.cb) {
        const cb = c.cb;
        this.host.queue(() => this.host.invoke(cb, c.req, [c.res]));
      }
    }
    deliverBody(events, c, c.res);
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
    for (const c of this.clients) c.sock?.destroy();
    this.clients.clear();
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

/**
 * Holds a socket's writes until the end of this turn of Node's loop, so that the chunks several idle passes send
 * in one turn leave in one system call.
 * @param {import("node:net").Socket} sock
 */
function corkForTurn(sock) {
  if (sock.writableCorked) return;
  sock.cork();
  process.nextTick(() => sock.uncork());
}
