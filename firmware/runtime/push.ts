// Push mode (config `push`): every intervalSeconds, PUT the text exposition to a Pushgateway at
// <url>/metrics/job/<job>/device/<device> (PUT replaces the whole group, so vanished series vanish there too).
// The body is streamed like a scrape: one Cursor piece per 'drain' of the client request, chunked, so it is
// never held whole and every JS run stays short. The collectors run once per push, unless a /metrics body is
// streaming: then the push resumes that collection (and a scrape during a push resumes the push's).
// One push at a time; a failure retries with backoff.
// Details: docs/design.md "firmware/runtime/push.ts".
import { after, cancelTimer, httpRequest, log, now } from "../platform.js";
import { Cursor } from "../exposition/cursor.js";
import { TEXT } from "../exposition/format.js";
import { wifiUp } from "./wifi.js";
import type { Runtime } from "./state.js";
import type { PushConfig } from "../../config/device-config.js";
import type { CounterChild, GaugeChild } from "../metrics/metric.js";

/** Label values of espruino_push_total{result}, by result index. */
export var PUSH_RESULTS = ["ok", "error", "timeout"];
export var PUSH_RETRY_MS = 5000;
export var PUSH_TIMEOUT_MS = 10000;

export interface PushCtl {
  rt: Runtime;
  o: EspHttpClientOptions;
  /** interval, ms */
  ms: number;
  /** delay before the next retry, ms */
  d: number;
  /** next attempt timer, timeout timer (0: none) */
  t: number;
  to: number;
  /** the request in flight (or timed out and not yet closed), its response */
  q: EspHttpClientRequest | null;
  s: EspHttpClientResponse | null;
  /** status code of the answer (0: none yet) */
  c: number;
  /** attempt start, getTime() */
  t0: number;
  /** the body's cursor (reused) */
  cur: Cursor;
  /** the request in q timed out (result counted) */
  dead: boolean;
  /** the module-level onTick (held here because it is defined after arm()) */
  f: () => void;
  /** espruino_push_total by result index (PUSH_RESULTS), espruino_push_duration_seconds, ..._last_success_... */
  n: CounterChild[];
  sec: GaugeChild;
  last: GaugeChild;
}

/** The controller the module-level listeners act on (one per running instance). */
var P: PushCtl | null = null;

function arm(p: PushCtl, ms: number): void {
  p.t = after(ms, p.f);
}

/** Settles the current attempt: r = 0 ok, 1 error, 2 timeout (see PUSH_RESULTS). */
function settle(p: PushCtl, r: number, why: string): void {
  if (p.to) cancelTimer(p.to);
  p.to = 0;
  p.rt.pb = 0;
  p.cur.r = null;
  p.n[r].inc();
  var t = now();
  p.sec.set(t - p.t0);
  if (r === 2) p.dead = true;
  else {
    p.q = null;
    p.s = null;
  }
  if (r === 0) {
    p.last.set(t);
    p.d = PUSH_RETRY_MS;
    arm(p, p.ms);
    return;
  }
  log("push: " + why + ", retry in " + p.d / 1000 + " s");
  arm(p, p.d);
  p.d = p.d * 2 > p.ms ? p.ms : p.d * 2;
}

/** Writes the next piece of the body, or ends the request after the last one. */
function step(p: PushCtl): void {
  var q = p.q as EspHttpClientRequest;
  try {
    if (!p.cur.next(q)) {
      p.rt.pb = 0;
      q.end();
    }
  } catch (e) {
    settle(p, 1, "" + ((e && (e as Error).message) || e));
  }
}

function onDrain(this: EspHttpClientRequest): void {
  var p = P;
  if (p && this === p.q && !p.dead && p.cur.r) step(p);
}

function onError(this: EspHttpClientRequest, e?: { code: number; message: string }): void {
  var p = P;
  if (!p || this !== p.q) return;
  if (p.dead) {
    p.q = null;
    p.s = null;
    return;
  }
  settle(p, 1, e && e.message ? e.message : "error");
}

function onData(): void {
  // the answer's body is not needed; reading it lets the connection finish
}

function onClose(this: EspHttpClientResponse): void {
  var p = P;
  if (!p || this !== p.s) return;
  if (p.dead) {
    p.q = null;
    p.s = null;
    return;
  }
  if (p.c >= 200 && p.c < 300) settle(p, 0, "");
  else settle(p, 1, "HTTP " + p.c);
}

/** The response callback (Espruino calls it with this = the request); a timed-out request's answer is
 *  still followed to its 'close', which frees the way for the next push. */
function onResponse(this: EspHttpClientRequest, res: EspHttpClientResponse): void {
  var p = P;
  if (!p || this !== p.q) return;
  p.s = res;
  p.c = +res.statusCode;
  res.on("data", onData);
  res.on("close", onClose);
}

function onTimeout(): void {
  var p = P;
  if (!p) return;
  p.to = 0;
  if (p.q && !p.dead) settle(p, 2, "timeout");
}

function onTick(): void {
  var p = P;
  if (!p) return;
  p.t = 0;
  // a timed-out request still open, or no Wi-Fi: no attempt now
  if (p.q || !wifiUp()) {
    arm(p, PUSH_RETRY_MS);
    return;
  }
  var rt = p.rt;
  p.t0 = now();
  p.c = 0;
  p.dead = false;
  if (rt.streams > 0) p.cur.resume(rt.reg, TEXT);
  else p.cur.open(rt.reg, TEXT);
  rt.pb = 1;
  p.to = after(PUSH_TIMEOUT_MS, onTimeout);
  try {
    var q = httpRequest(p.o, onResponse);
    p.q = q;
    q.on("drain", onDrain);
    q.on("error", onError);
  } catch (e) {
    settle(p, 1, "" + ((e && (e as Error).message) || e));
    return;
  }
  step(p);
}

/** Starts push mode: the first push one interval after boot. */
export function startPush(rt: Runtime, c: PushConfig, token: string): PushCtl {
  // the push families exist only on a device that pushes (get-or-create: a re-run finds them)
  var preset: string[][] = [];
  var i: number;
  for (i = 0; i < PUSH_RESULTS.length; i++) preset.push([PUSH_RESULTS[i]]);
  var fam = rt.reg.counter({ name: "espruino_push_total", help: "Pushes to the Pushgateway, by result.", labelNames: ["result"], preset: preset, fixed: true });
  var n: CounterChild[] = [];
  for (i = 0; i < PUSH_RESULTS.length; i++) n.push(fam.labels([PUSH_RESULTS[i]]));
  var h: { [name: string]: string } = { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Transfer-Encoding": "chunked" };
  if (token) h["Authorization"] = "Bearer " + token;
  var p: PushCtl = {
    rt: rt,
    o: { host: c.host, port: c.port, path: c.path, method: "PUT", headers: h },
    ms: c.intervalSeconds * 1000,
    d: PUSH_RETRY_MS,
    t: 0,
    to: 0,
    q: null,
    s: null,
    c: 0,
    t0: 0,
    cur: new Cursor(),
    dead: false,
    f: onTick,
    n: n,
    sec: rt.reg.gauge({ name: "espruino_push_duration_seconds", help: "Seconds the previous push took." }),
    last: rt.reg.gauge({ name: "espruino_push_last_success_timestamp_seconds", help: "getTime() of the last good push." }),
  };
  P = p;
  arm(p, p.ms);
  log("push: every " + c.intervalSeconds + " s to " + c.host + ":" + c.port + c.path);
  return p;
}

/** Stops push mode (an open request is left to finish; its events are ignored). */
export function stopPush(p: PushCtl | null): void {
  if (!p) return;
  if (p.t) cancelTimer(p.t);
  if (p.to) cancelTimer(p.to);
  p.t = 0;
  p.to = 0;
  p.rt.pb = 0;
  if (P === p) P = null;
}
