// HTTP/1.1 for the device's server over require("net"): one request per connection, its head capped at HEAD_CAP
// bytes (431 past it), complete within HEAD_DEADLINE_S (closed otherwise), lines ended by CRLF or a bare LF; the
// answer goes through a response object with the methods of Espruino's http response. docs/design.md "HTTP over
// net: caps, deadlines, eviction".
import { listenNet, every, cancelTimer } from "../platform.js";

/** Most bytes of a request head (request line and headers); a scrape needs about 400. */
export var HEAD_CAP = 1024;
/** Seconds a connection may take to send its whole request head. */
export var HEAD_DEADLINE_S = 5;

var READING = 0;
var ANSWERING = 1;
var DONE = 2;

/** The reason phrase of a status code the server sends. */
function reason(code: number): string {
  return code === 200 ? "OK" : code === 400 ? "Bad Request" : code === 401 ? "Unauthorized" : code === 404 ? "Not Found" : code === 405 ? "Method Not Allowed" : code === 431 ? "Request Header Fields Too Large" : code === 503 ? "Service Unavailable" : "Error";
}

/** The request as the handler sees it: the header names it needs, lower case. */
export interface Req {
  method: string;
  url: string;
  headers: { [name: string]: string };
  /** HTTP/1.0 */
  v10: boolean;
}

/** One connection: the request being read, then the response (writeHead/write/end, on("drain"|"close")). */
export class Conn {
  s: EspSocket;
  st: number;
  buf: string;
  /** main-loop seconds spent reading the head */
  age: number;
  /** chunked body */
  ch: boolean;
  dr: (() => void) | null;
  cl: (() => void) | null;
  /** why the request cannot be served: 400 malformed, 431 head too large, 503 turned away (0: fine) */
  bad: number;
  /** HTTP/1.0 client: no chunked body (the body ends with the connection) */
  v10: boolean;
  /** counted in `open` until its close (or until we gave up on it) */
  counted: boolean;

  constructor(s: EspSocket) {
    this.s = s;
    this.st = READING;
    this.buf = "";
    this.age = 0;
    this.ch = false;
    this.dr = null;
    this.cl = null;
    this.bad = 0;
    this.v10 = false;
    this.counted = true;
  }

  /** `Connection: close` and `headers`; a `Transfer-Encoding: chunked` header makes every write one chunk. */
  writeHead(code: number, headers: { [name: string]: string }): void {
    var t = "HTTP/1.1 " + code + " " + reason(code) + "\r\nConnection: close\r\n";
    for (var k in headers) {
      if (k === "Transfer-Encoding") {
        if (this.v10) continue;
        this.ch = true;
      }
      t += k + ": " + headers[k] + "\r\n";
    }
    this.s.write(t + "\r\n");
  }

  write(d: string): boolean {
    if (this.st === DONE || !d) return false; // an empty chunk would end the body
    var s = this.s;
    if (this.ch) {
      s.write(d.length.toString(16) + "\r\n");
      s.write(d);
      s.write("\r\n");
    } else s.write(d);
    return false;
  }

  end(d?: string): void {
    if (this.st === DONE) return;
    if (d) this.write(d);
    if (this.ch) this.s.write("0\r\n\r\n");
    this.st = DONE;
    this.s.end();
  }

  /** No longer counted as open (closed, or given up on: a socket that closed before it had listeners never says so). */
  uncount(): void {
    if (this.counted) {
      this.counted = false;
      open--;
    }
  }

  on(ev: string, fn: () => void): void {
    if (ev === "drain") this.dr = fn;
    else if (ev === "close") this.cl = fn;
  }
}


var handler: ((req: Req | null, res: Conn) => void) | null = null;
/** connections still reading their head, oldest first */
var reading: Conn[] = [];
/** connections open (any state), and the most kept open before the oldest reading one is closed */
var open = 0;
var maxOpen = 8;
var sweeper = 0;

function unread(c: Conn): void {
  var i = reading.indexOf(c);
  if (i >= 0) reading.splice(i, 1);
  if (!reading.length && sweeper) {
    cancelTimer(sweeper);
    sweeper = 0;
  }
}

/** Hands a complete head to the handler; one that throws gets its connection closed (its close listener runs). */
function answer(req: Req | null, c: Conn): void {
  try {
    (handler as (req: Req | null, res: Conn) => void)(req, c);
  } catch (e) {
    try {
      c.end();
    } catch (e2) {
      // gone
    }
  }
}

/**
 * Stops reading a connection: 0 closes it (deadline), 503 turns it away (eviction), 431 lets the handler answer.
 * One closed or turned away is no longer counted: a socket that closed before it had listeners never says so, and
 * it stays with Espruino for good, so it must not keep the Conn either.
 */
function drop(c: Conn, bad: number): void {
  unread(c);
  c.st = ANSWERING;
  c.bad = bad;
  if (bad !== 431) {
    c.uncount();
    c.s.c = null;
  }
  if (bad) answer(null, c);
  else {
    try {
      c.end();
    } catch (e) {
      // the socket is already gone
    }
  }
}


/** Once a second while heads are being read: connections past the deadline are closed. */
function sweep(): void {
  for (var i = reading.length - 1; i >= 0; i--) {
    var c = reading[i];
    if (++c.age > HEAD_DEADLINE_S) drop(c, 0);
  }
}

/**
 * Where the request head ends (the index after its blank line), or -1. Lines end with LF, optionally after CR.
 * Searched with single characters only: Espruino's indexOf matches a longer needle that runs past the end.
 */
function headEnd(b: string): number {
  var i = b.indexOf("\n");
  while (i >= 0) {
    var j = b.indexOf("\n", i + 1);
    if (j < 0) return -1;
    if (j === i + 1 || (j === i + 2 && b.charCodeAt(i + 1) === 13)) return j + 1;
    i = j;
  }
  return -1;
}

/** The request line and the headers the server reads (Accept, Authorization); null when it is malformed. */
function parse(head: string): Req | null {
  var lines = head.split("\n");
  var first = lines[0];
  if (first.charCodeAt(first.length - 1) === 13) first = first.substring(0, first.length - 1);
  var p = first.split(" ");
  if (p.length !== 3 || p[2].substring(0, 7) !== "HTTP/1.") return null;
  var h: { [name: string]: string } = {};
  for (var i = 1; i < lines.length; i++) {
    var l = lines[i];
    var c = l.indexOf(":");
    if (c < 1) continue;
    var k = l.substring(0, c).toLowerCase();
    if (k !== "accept" && k !== "authorization") continue;
    var v = l.substring(c + 1).trim();
    if (h[k] === undefined) h[k] = v;
  }
  return { method: p[0], url: p[1], headers: h, v10: p[2] === "HTTP/1.0" };
}

function onData(this: EspSocket, d: string): void {
  var c = this.c as Conn | null;
  if (!c || c.st !== READING) return; // a body or anything after the head is not read
  var b = c.buf + d;
  var e = headEnd(b);
  if (e < 0 ? b.length > HEAD_CAP : e > HEAD_CAP) {
    c.buf = "";
    drop(c, 431);
    return;
  }
  if (e < 0) {
    c.buf = b;
    return;
  }
  c.buf = "";
  unread(c);
  c.st = ANSWERING;
  var req = parse(b.substring(0, e));
  if (!req) c.bad = 400;
  else c.v10 = req.v10;
  answer(req, c);
}

function onDrain(this: EspSocket): void {
  var c = this.c as Conn | null;
  if (c && c.dr && c.st === ANSWERING) c.dr.call(c);
}

function onClose(this: EspSocket): void {
  var c = this.c as Conn | null;
  if (!c) return;
  this.c = null;
  c.uncount();
  unread(c);
  c.st = DONE;
  if (c.cl) c.cl.call(c);
}

function onConnection(s: EspSocket): void {
  var c = new Conn(s);
  s.c = c;
  s.on("data", onData);
  s.on("drain", onDrain);
  s.on("close", onClose);
  open++;
  reading.push(c);
  if (!sweeper) sweeper = every(1000, sweep);
  // keep a socket free for the next client: past the limit the oldest connection still reading is turned away
  if (open > maxOpen && reading.length > 1) drop(reading[0], 503);
}

/**
 * Listens on `port`; `onRequest(req, res)` gets each complete head (req null: answer res.bad: 400 malformed, 431 too
 * large, 503 turned away to keep a socket free). `sockets`: the board's socket budget (listener included). Throws
 * when it cannot listen.
 */
export function listen(port: number, sockets: number, onRequest: (req: Req | null, res: Conn) => void): EspNetServer {
  handler = onRequest;
  maxOpen = sockets > 4 ? sockets - 2 : 2;
  return listenNet(port, onConnection);
}
