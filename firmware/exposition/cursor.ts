// Streaming exposition: a cursor writes one family per next() call into a sink, so a server can send
// a piece and continue on `drain`. Each family is rendered from a snapshot of its values taken by one
// native typed-array copy, so its lines are consistent even if a timer callback updates the metric at a
// statement boundary in the middle of rendering. No closures are created per scrape.
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

/** Scratch copy of one family's values; shared, since next() never runs re-entrantly. */
var snap = new Float64Array(32);

/** Renders family `m` as one string (a few hundred bytes for a typical family). */
export function renderFamily(m: Metric, fmt: number): string {
  var om = fmt === OPENMETRICS;
  var name = m.name;
  var t = m.type;
  var fam = om && t === COUNTER ? name.substring(0, name.length - 6) : name;
  var out = "# HELP " + fam + " " + escapeHelp(m.help, om) + "\n# TYPE " + fam + " " + TYPE_NAMES[t] + "\n";
  var kids = m.k;
  var n = kids.length;
  var w = m.w;
  if (snap.length < n * w) snap = new Float64Array(n * w);
  snap.set(m.v.subarray(0, n * w));
  var i: number;
  var s: string;
  if (t !== HISTOGRAM) {
    for (i = 0; i < n; i++) {
      s = kids[i].s;
      out += name + (s ? "{" + s + "} " : " ") + fmtValue(snap[i]) + "\n";
    }
    return out;
  }
  var le = m.le as string[];
  var nb = le.length;
  for (i = 0; i < n; i++) {
    s = kids[i].s;
    var pre = name + "_bucket{" + (s ? s + "," : "") + 'le="';
    var tail = s ? "{" + s + "} " : " ";
    var base = i * w;
    var cum = 0;
    for (var j = 0; j <= nb; j++) {
      cum += snap[base + j];
      out += pre + (j < nb ? (om ? omLe(le[j]) : le[j]) : "+Inf") + '"} ' + fmtValue(cum) + "\n";
    }
    out += name + "_sum" + tail + fmtValue(snap[base + nb + 1]) + "\n" + name + "_count" + tail + fmtValue(cum) + "\n";
  }
  return out;
}

/**
 * Iterates the families of a registry. open() runs the registry's collectors (once per scrape, before
 * anything is rendered); each next(sink) writes exactly one family and returns true, and the call after
 * the last family writes the end ("# EOF" for OpenMetrics, nothing for text) and returns false.
 * A Cursor can be reused: open() resets it.
 */
export class Cursor {
  r: Registry | null;
  f: number;
  i: number;
  constructor() {
    this.r = null;
    this.f = 0;
    this.i = 0;
  }
  open(reg: Registry, fmt: number): Cursor {
    this.r = reg;
    this.f = fmt;
    this.i = 0;
    reg.collect();
    return this;
  }
  next(sink: Sink): boolean {
    var r = this.r;
    if (!r) return false;
    if (this.i < r.metrics.length) {
      sink.write(renderFamily(r.metrics[this.i++], this.f));
      return true;
    }
    this.r = null;
    if (this.f === OPENMETRICS) sink.write("# EOF\n");
    return false;
  }
}

/** A new cursor over `reg` in format `fmt` (TEXT or OPENMETRICS); collectors run now. */
export function open(reg: Registry, fmt: number): Cursor {
  return new Cursor().open(reg, fmt);
}
