// Streaming exposition: a cursor writes one family (or one bounded piece of a large family) per next() call
// into a sink, so a server can send a piece and continue on `drain`. Each family is rendered from a snapshot
// of its values taken by one native typed-array copy, so its lines are consistent even if a timer callback
// updates the metric at a statement boundary in the middle of rendering. No closures are created per scrape.
import { COUNTER, HISTOGRAM, TYPE_NAMES } from "../metrics/metric.js";
import type { Metric } from "../metrics/metric.js";
import type { Registry } from "../metrics/registry.js";
import { escapeHelp } from "../metrics/names.js";
import { fmtValue, omLe } from "./number.js";
import { OPENMETRICS } from "./format.js";

/** Where rendered text goes: an HTTP response, or anything with write(string). */
export interface Sink {
  write(chunk: string): unknown;
}

/**
 * A piece ends at the first line boundary at or past this many characters: about one network chunk, so that what
 * a scrape holds beyond idle (the piece being written and the send buffer behind it) stays small at any series
 * count (docs/design.md "Scrape memory").
 */
export var PIECE_CHARS = 256;

/** "# HELP" and "# TYPE" lines of family `m`. */
function familyHeader(m: Metric, fmt: number): string {
  var om = fmt === OPENMETRICS;
  var name = m.name;
  var fam = om && m.type === COUNTER ? name.substring(0, name.length - 6) : name;
  return "# HELP " + fam + " " + escapeHelp(m.help, om) + "\n# TYPE " + fam + " " + TYPE_NAMES[m.type] + "\n";
}

/** Copies the values of the first `n` children of `m` into `into` (grown when too small); returns it. */
function snapshot(m: Metric, n: number, into: Float64Array): Float64Array {
  var len = n * m.w;
  if (into.length < len) into = new Float64Array(len);
  into.set(m.v.subarray(0, len));
  return into;
}

/** Where the rendering of a family stands: next child, next line of a histogram child, its running count. */
interface Position {
  /** next child */
  c: number;
  /** children to render */
  n: number;
  /** next line of child c when it is a histogram's: 0..buckets (+Inf last), then _sum and _count */
  j: number;
  /** cumulative count of child c's buckets so far */
  cum: number;
}

/**
 * Appends to `out` the sample lines of `m` from position `p` on, from the snapshot `snap`, until `out` holds
 * `limit` characters (at a line boundary; a histogram's _sum and _count go together) or the family ends;
 * advances `p`. `cl`: constant label pairs or "".
 */
function lines(p: Position, m: Metric, fmt: number, snap: Float64Array, cl: string, out: string, limit: number): string {
  var om = fmt === OPENMETRICS;
  var name = m.name;
  var kids = m.k;
  var s: string;
  if (m.type !== HISTOGRAM) {
    var c = p.c;
    if (!m.labelNames.length) {
      // a family without labels is its one series
      if (c < p.n) out += name + (cl ? "{" + cl + "} " : " ") + fmtValue(snap[0]) + "\n";
      p.c = p.n;
      return out;
    }
    // the series' common prefix once per piece, the constant label pairs first; then one statement per series
    var pre = cl ? name + "{" + cl + "," : name + "{";
    for (; c < p.n && out.length < limit; c++) out += pre + kids[c] + "} " + fmtValue(snap[c]) + "\n";
    p.c = c;
    return out;
  }
  var le = m.le as string[];
  var nb = le.length;
  var w = m.w;
  // OpenMetrics: _sum is counter-like, so it must not exist with a negative bucket bound (nor be negative),
  // and _count goes with it; such a child is exposed by its buckets alone (a gauge-like distribution).
  var negBound = om && nb > 0 && (m.b as Float64Array)[0] < 0;
  while (p.c < p.n && out.length < limit) {
    s = kids[p.c];
    if (cl) s = s ? cl + "," + s : cl;
    var base = p.c * w;
    var pre = name + "_bucket{" + (s ? s + "," : "") + 'le="';
    for (; p.j <= nb && out.length < limit; p.j++) {
      p.cum += snap[base + p.j];
      out += pre + (p.j < nb ? (om ? omLe(le[p.j]) : le[p.j]) : "+Inf") + '"} ' + fmtValue(p.cum) + "\n";
    }
    if (p.j <= nb) break; // the piece is full in the middle of this child's buckets
    var sum = snap[base + nb + 1];
    if (!(negBound || (om && sum < 0))) {
      var tail = s ? "{" + s + "} " : " ";
      out += name + "_sum" + tail + fmtValue(sum) + "\n" + name + "_count" + tail + fmtValue(p.cum) + "\n";
    }
    p.c++;
    p.j = 0;
    p.cum = 0;
  }
  return out;
}

/** Scratch for renderFamily (never used across calls). */
var scratch: Float64Array = new Float64Array(32);
var whole: Position = { c: 0, n: 0, j: 0, cum: 0 };

/** Renders family `m` whole, as one string, from one snapshot of its values; `cl`: constant label pairs. */
export function renderFamily(m: Metric, fmt: number, cl?: string): string {
  whole.c = whole.j = whole.cum = 0;
  whole.n = m.k.length;
  scratch = snapshot(m, whole.n, scratch);
  return lines(whole, m, fmt, scratch, cl ? cl : "", familyHeader(m, fmt), Infinity);
}

/**
 * Iterates the families of a registry. open() runs the registry's collectors (once per scrape, before
 * anything is rendered); each next(sink) writes one piece and returns true: a small family whole, a large one
 * PIECE_CHARS characters at a time (a histogram child may be split between its lines), so what is buffered
 * per call stays small whatever the series count. Every piece of a family is rendered from one snapshot of its values taken (one native typed-array
 * copy) when its first piece was written, so the family stays consistent even if a timer callback updates it
 * between two pieces. The call after the last family writes the end ("# EOF" for OpenMetrics, nothing for
 * text) and returns false. A Cursor can be reused: open() or resume() resets it; its snapshot buffer stays.
 */
export class Cursor {
  /** registry, or null when done */
  r: Registry | null;
  /** format */
  f: number;
  /** index of the current family */
  i: number;
  /** next child of the current family to write; -1 before its header */
  c: number;
  /** children of the current family when it was snapshotted */
  n: number;
  /** the current family's snapshot */
  v: Float64Array;
  /** next line of the current histogram child */
  j: number;
  /** cumulative count of the current histogram child so far */
  cum: number;
  constructor() {
    this.r = null;
    this.f = 0;
    this.i = 0;
    this.c = -1;
    this.n = 0;
    this.v = new Float64Array(32);
    this.j = 0;
    this.cum = 0;
  }
  /** Starts a scrape: runs the collectors, then iterates from the first family. */
  open(reg: Registry, fmt: number): Cursor {
    this.resume(reg, fmt);
    reg.collect();
    return this;
  }
  /** Iterates from the first family WITHOUT running the collectors (a second body of the same collection). */
  resume(reg: Registry, fmt: number): Cursor {
    this.r = reg;
    this.f = fmt;
    this.i = 0;
    this.c = -1;
    return this;
  }
  next(sink: Sink): boolean {
    var r = this.r;
    if (!r) return false;
    if (this.i >= r.metrics.length) {
      this.r = null;
      if (this.f === OPENMETRICS) sink.write("# EOF\n");
      return false;
    }
    var m = r.metrics[this.i];
    var out = "";
    if (this.c < 0) {
      out = familyHeader(m, this.f);
      this.n = m.k.length;
      this.v = snapshot(m, this.n, this.v);
      this.c = this.j = this.cum = 0;
    }
    out = lines(this, m, this.f, this.v, r.cl ? r.cl : "", out, PIECE_CHARS);
    if (this.c >= this.n) {
      this.i++;
      this.c = -1;
    }
    sink.write(out);
    return true;
  }
}

/** A new cursor over `reg` in format `fmt` (TEXT or OPENMETRICS); collectors run now. */
export function open(reg: Registry, fmt: number): Cursor {
  return new Cursor().open(reg, fmt);
}
