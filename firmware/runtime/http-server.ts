// The HTTP server: GET /metrics (streamed, one family per 'drain', chunked), GET /healthz, GET / (status).
// Every path ends its response. Per-request state lives on `res`; the listeners are the module-level
// functions onDrain/onClose using `this` (no closure per request, so no garbage per scrape).
import { now } from "../platform.js";
import { listen, Conn } from "./http-conn.js";
import type { Req } from "./http-conn.js";
import { Cursor } from "../exposition/cursor.js";
import { contentType, negotiate, TEXT } from "../exposition/format.js";
import { fmtValue } from "../exposition/number.js";
import { AUTH_REALM, bearerOk } from "./auth.js";
import { wifiUp } from "./wifi.js";
import type { Runtime } from "./state.js";
import { HTTP_CODES, advanceUptime } from "./self-metrics.js";
import { BUILD_VERSION } from "../build-info.js";

var TEXT_PLAIN = "text/plain; charset=utf-8";
/** The instance new requests are served by (set by serve()). */
var current: Runtime | null = null;

/** A response and the state of its request. */
interface Res extends Conn {
  rt?: Runtime;
  /** request arrival, seconds */
  t0?: number;
  /** /metrics: the cursor while families remain */
  cur?: Cursor | null;
  /** counted in rt.streams */
  live?: boolean;
  /** end() sent after the last family */
  fin?: boolean;
}

/** Header value by lower-case name (http-conn.ts keeps the ones the server reads). */
function header(req: Req, name: string): string | undefined {
  return req.headers[name];
}

function count(rt: Runtime, code: number): void {
  var i = HTTP_CODES.indexOf("" + code);
  if (i >= 0) rt.m.codes.v[i]++;
}

/** A small complete response. `hName`/`hValue`: one extra header (Allow, Retry-After, WWW-Authenticate). */
function reply(rt: Runtime, res: Res, code: number, body: string, hName?: string, hValue?: string): void {
  var h: { [name: string]: string } = { "Content-Type": TEXT_PLAIN, "Content-Length": "" + body.length };
  if (hName) h[hName] = hValue as string;
  count(rt, code);
  res.writeHead(code, h);
  res.end(body);
}

/** Cursors of finished streams, reused so a scrape allocates no cursor or snapshot buffer. */
var cursorPool: Cursor[] = [];

function takeCursor(): Cursor {
  var c = cursorPool.pop();
  return c ? c : new Cursor();
}

/** Detaches the response's cursor and returns it to the pool (at most one per possible stream is kept). */
function releaseCursor(res: Res): void {
  var c = res.cur;
  res.cur = null;
  if (c && cursorPool.length < 4) {
    c.r = null;
    cursorPool.push(c);
  }
}

/** Writes the next piece, or ends the response after the last one. */
function step(res: Res, c: Cursor): void {
  try {
    if (!c.next(res)) {
      releaseCursor(res);
      res.fin = true;
      res.end();
    }
  } catch (e) {
    // the socket went away between two pieces: the 'close' listener settles the books
    releaseCursor(res);
  }
}

/** 'drain' listener shared by all /metrics responses. */
function onDrain(this: Res): void {
  var c = this.cur;
  if (c) step(this, c);
}

/** 'close' listener shared by all /metrics responses: frees the stream slot exactly once. */
function onClose(this: Res): void {
  var rt = this.rt as Runtime;
  if (this.live) {
    this.live = false;
    rt.streams--;
  }
  if (this.fin) rt.m.scrapeSeconds.set(now() - (this.t0 as number));
  // abandoned mid-body: release the cursor (nothing else refers to the response)
  releaseCursor(this);
}

/** Request line sanity: an upper-case method token and a path starting with "/" without spaces or controls. */
function validLine(method: string, url: string): boolean {
  if (typeof method !== "string" || method.length < 1 || method.length > 16) return false;
  var i: number;
  for (i = 0; i < method.length; i++) {
    var m = method.charCodeAt(i);
    if (m < 65 || m > 90) return false;
  }
  if (typeof url !== "string" || url.length < 1 || url.length > 1024 || url.charAt(0) !== "/") return false;
  for (i = 0; i < url.length; i++) {
    var u = url.charCodeAt(i);
    if (u <= 32 || u >= 127) return false;
  }
  return true;
}

function serveMetrics(rt: Runtime, req: Req, res: Res): void {
  if (rt.streams >= rt.maxStreams) {
    reply(rt, res, 503, "busy: " + rt.maxStreams + " scrapes in progress\n", "Retry-After", "1");
    return;
  }
  // listeners first: whatever throws below, the close listener frees the stream slot
  res.on("close", onClose);
  res.on("drain", onDrain);
  var fmt = rt.textOnly ? TEXT : negotiate(header(req, "accept"));
  var c = takeCursor();
  // another body (a scrape or a push) still streaming from the values the collectors set for it: running them
  // again now would change families that body has not sent yet, so this one is served from the same collection
  if (rt.streams > 0 || rt.pb) c.resume(rt.reg, fmt);
  else c.open(rt.reg, fmt);
  rt.streams++;
  res.live = true;
  res.fin = false;
  rt.m.scrapes.inc();
  count(rt, 200);
  res.cur = c;
  res.writeHead(200, { "Content-Type": contentType(fmt), "Transfer-Encoding": "chunked" });
  step(res, c);
}

/** Unhealthy reason, or "" when healthy. */
export function unhealthy(rt: Runtime): string {
  if (!rt.config) return "config invalid";
  if (!rt.sampling) return "sampling not running";
  if (rt.sampling.isStalled) return "sampling stalled";
  return "";
}

/** The status page (plain text, a few hundred bytes). Secrets never appear in it. */
export function statusText(rt: Runtime): string {
  var up = Math.floor(advanceUptime(rt.col, now()));
  var t = "espruino-telemetry " + BUILD_VERSION + "\n";
  t += "device: " + rt.device + (rt.location ? " (" + rt.location + ")" : "") + "\n";
  t += "board: " + rt.board + "\n";
  t += "uptime: " + up + " s, boots: " + rt.boots + "\n";
  t += "config: " + (rt.config ? "valid" : "INVALID") + "\n";
  for (var i = 0; i < rt.errors.length; i++) t += "  error: " + rt.errors[i] + "\n";
  var why = unhealthy(rt);
  t += "health: " + (why ? why : "ok") + "\n";
  t += "wifi: " + (rt.wifi ? (wifiUp() ? "connected" : "not connected") + ", attempts " + rt.wifi.n : "off") + "\n";
  var s = rt.sampling;
  if (rt.config && s) {
    t += "sampling: " + s.strategy + ", " + rt.config.sampleRateHz + " Hz per channel\n";
    var ch = rt.config.channels;
    var n = s.core.nch;
    for (var j = 0; j < n; j++) {
      var tot = s.totals(j);
      t +=
        "  " + s.names[j] + " (" + (j < ch.length ? ch[j].pin : "?") + "): last " + fmtValue(s.lastVolts(j)) + " " + (j < ch.length ? ch[j].unit : "") +
        ", taken " + fmtValue(tot.taken) + ", dropped " + fmtValue(tot.dropped) + ", buffered " + fmtValue(tot.buffered) + "\n";
    }
  } else t += "sampling: off\n";
  t += "scrapes: " + fmtValue(rt.m.scrapes.get()) + ", streaming now: " + rt.streams + "\n";
  var p = rt.push;
  if (p) t += "push: every " + p.ms / 1000 + " s, ok " + fmtValue(p.n[0].get()) + ", error " + fmtValue(p.n[1].get()) + ", timeout " + fmtValue(p.n[2].get()) + "\n";
  return t;
}

function onRequest(req: Req | null, res: Res): void {
  var rt = current as Runtime;
  res.rt = rt;
  res.t0 = now();
  if (!req) {
    if (res.bad === 431) reply(rt, res, 431, "request head too large\n");
    else if (res.bad === 503) reply(rt, res, 503, "busy: too many connections\n", "Retry-After", "1");
    else reply(rt, res, 400, "bad request\n");
    return;
  }
  var method = req.method;
  var path = req.url;
  if (!validLine(method, path)) {
    reply(rt, res, 400, "bad request\n");
    return;
  }
  var q = path.indexOf("?");
  if (q >= 0) path = path.substring(0, q);
  var route = path === "/metrics" ? 1 : path === "/healthz" ? 2 : path === "/" ? 3 : 0;
  if (!route) {
    reply(rt, res, 404, "not found\n");
    return;
  }
  if (method !== "GET") {
    reply(rt, res, 405, "method not allowed\n", "Allow", "GET");
    return;
  }
  if (route !== 2 && (rt.locked || (rt.token && !bearerOk(header(req, "authorization"), rt.token)))) {
    reply(rt, res, 401, "unauthorized\n", "WWW-Authenticate", AUTH_REALM);
    return;
  }
  if (route === 1) {
    serveMetrics(rt, req, res);
    return;
  }
  if (route === 2) {
    var why = unhealthy(rt);
    if (why) reply(rt, res, 503, why + "\n");
    else reply(rt, res, 200, "ok\n");
    return;
  }
  reply(rt, res, 200, statusText(rt));
}

/** Listens on rt.port; throws when the socket cannot be created. */
export function serve(rt: Runtime): EspNetServer {
  current = rt;
  return listen(rt.port, rt.sockets, onRequest as (req: Req | null, res: Conn) => void);
}
