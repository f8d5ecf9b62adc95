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

/** Most sample lines one next() call writes (a histogram child is never split: its lines stay together). */
export var PIECE_LINES = 24;

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

/** Sample lines of children [from, to) of `m`, from the snapshot `snap`; `cl`: constant label pairs or "". */
function childLines(m: Metric, fmt: number, snap: Float64Array, from: number, to: number, cl: string): string {
  var om = fmt === OPENMETRICS;
  var name = m.name;
  var kids = m.k;
  var w = m.w;
  var out = "";
  var i: number;
  var s: string;
  if (m.type !== HISTOGRAM) {
    for (i = from; i < to; i++) {
      // the constant label pairs first (inline: a call per series costs as much as the rest of its line)
      s = kids[i].s;
      if (cl) s = s ? cl + "," + s : cl;
      out += name + (s ? "{" + s + "} " : " ") + fmtValue(snap[i]) + "\n";
    }
    return out;
  }
  var le = m.le as string[];
  var nb = le.length;
  // OpenMetrics: _sum is counter-like, so it must not exist with a negative bucket bound (nor be negative),
  // and _count goes with it; such a child is exposed by its buckets alone (a gauge-like distribution).
  var negBound = om && nb > 0 && (m.b as Float64Array)[0] < 0;
  for (i = from; i < to; i++) {
    s = kids[i].s;
    if (cl) s = s ? cl + "," + s : cl;
    var pre = name + "_bucket{" + (s ? s + "," : "") + 'le="';
    var tail = s ? "{" + s + "} " : " ";
    var base = i * w;
    var cum = 0;
    for (var j = 0; j <= nb; j++) {
      cum += snap[base + j];
      out += pre + (j < nb ? (om ? omLe(le[j]) : le[j]) : "+Inf") + '"} ' + fmtValue(cum) + "\n";
    }
    var sum = snap[base + nb + 1];
    if (negBound || (om && sum < 0)) continue;
    out += name + "_sum" + tail + fmtValue(sum) + "\n" + name + "_count" + tail + fmtValue(cum) + "\n";
  }
  return out;
}

/** Sample lines one child of `m` renders (a histogram child: its buckets, +Inf, _sum and _count). */
function linesPerChild(m: Metric): number {
  return m.type === HISTOGRAM ? (m.le as string[]).length + 3 : 1;
}

/** Scratch for renderFamily (never used across calls). */
var scratch: Float64Array = new Float64Array(32);

/** Renders family `m` whole, as one string, from one snapshot of its values; `cl`: constant label pairs. */
export function renderFamily(m: Metric, fmt: number, cl?: string): string {
  var n = m.k.length;
  scratch = snapshot(m, n, scratch);
  return familyHeader(m, fmt) + childLines(m, fmt, scratch, 0, n, cl ? cl : "");
}

/**
 * Iterates the families of a registry. open() runs the registry's collectors (once per scrape, before
 * anything is rendered); each next(sink) writes one piece and returns true: a whole family, or for a large
 * family its next PIECE_LINES sample lines, so what is buffered per call stays small whatever the series
 * count. Every piece of a family is rendered from one snapshot of its values taken (one native typed-array
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
  constructor() {
    this.r = null;
    this.f = 0;
    this.i = 0;
    this.c = -1;
    this.n = 0;
    this.v = new Float64Array(32);
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
      this.c = 0;
    }
    var per = linesPerChild(m);
    var to = this.c + (per >= PIECE_LINES ? 1 : Math.floor(PIECE_LINES / per));
    if (to > this.n) to = this.n;
    out += childLines(m, this.f, this.v, this.c, to, r.cl ? r.cl : "");
    this.c = to;
    if (to >= this.n) {
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
