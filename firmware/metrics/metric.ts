// Counter, gauge and histogram families in one compact class. Values live in one Float64Array per
// family (stride `w` per child: 1 for counters/gauges, buckets+1 counts and the sum for histograms);
// children are indexed and found (linear search, no second copy of the key) by their rendered label string;
// a family without labels is its own only series.
import { fmtLe, fmtValue } from "../exposition/number.js";
import { endsWith, escapeLabelValue, validLabelName, validMetricName } from "./names.js";
import type { Registry } from "./registry.js";

export var COUNTER = 0;
export var GAUGE = 1;
export var HISTOGRAM = 2;
export var TYPE_NAMES = ["counter", "gauge", "histogram"];

/** Default per-family limit of label sets (children); a registry has its own total limit. */
export var DEFAULT_MAX_SERIES = 64;

/** Label values by position (`["0", "a"]`) or by name (`{channel: "0"}`); numbers are formatted exactly. */
export type LabelValues = (string | number)[] | { [name: string]: string | number };

export interface MetricOptions {
  /** Metric name; counters must end with `_total`. */
  name: string;
  /** HELP text (required, may contain any characters; escaped on output). */
  help: string;
  labelNames?: string[];
  /** Histogram upper bounds: finite, strictly increasing; `+Inf` is implicit (a trailing Infinity is dropped). */
  buckets?: number[];
  /** Label value sets created at once (value 0) so their series are never missing. */
  preset?: LabelValues[];
  /** Most label sets this family keeps; past it labels() returns a no-op child. Default 64. */
  maxSeries?: number;
  /** Clock for Gauge.setToCurrentTime(), seconds. Registries pass their own to the gauges they create. */
  clock?: () => number;
  /**
   * The label sets are fixed by `preset` (the firmware's own families): the registry's counter()/gauge()/histogram()
   * make no espruino_series_dropped_total child for the family in advance (one appears if a label set is ever
   * refused); register() takes the same as its second argument.
   */
  fixed?: boolean;
}

/** Typed views of Metric and Child (all methods exist at runtime; types keep each family to its API). */
export interface ValueChild {
  inc(v?: number): void;
  add(v: number): void;
  get(): number;
}
export interface CounterChild extends ValueChild {
  /** Collector-owned counters: sets the absolute total (finite, never below the current value). */
  setTotal(v: number): void;
}
export interface GaugeChild extends ValueChild {
  dec(v?: number): void;
  set(v: number): void;
  setToCurrentTime(): void;
}
export interface HistogramChild {
  observe(v: number): void;
  /** observation count */
  get(): number;
  /** Collector-owned histograms: sets per-bucket counts (not cumulative) and the sum from precomputed data. */
  setFrom(counts: Float64Array, offset: number, sum: number): void;
  /** Copies the per-bucket counts (not cumulative, +Inf last) and then the sum into out[offset ..]. */
  read(out: Float64Array, offset: number): void;
}
export interface Counter extends CounterChild {
  readonly name: string;
  labels(vals: LabelValues): CounterChild;
}
export interface Gauge extends GaugeChild {
  readonly name: string;
  labels(vals: LabelValues): GaugeChild;
}
export interface Histogram extends HistogramChild {
  readonly name: string;
  labels(vals: LabelValues): HistogramChild;
}

function err(m: { name: string }, msg: string): Error {
  return new Error("metric " + m.name + ": " + msg);
}

/** What a labelled family's own inc(), set(), ... throw: it has no series of its own. */
function labelled(f: { name: string; labelNames: string[] }): Error {
  return err(f, "has labels (" + f.labelNames.join(",") + "); use labels()");
}

function nothing(): void {}
function nan(): number {
  return NaN;
}

/**
 * A labelled series of a family (or the family's only series when it has no labels).
 * Methods check the family type: counters take inc/add, gauges inc/dec/add/set/setToCurrentTime,
 * histograms observe.
 */
export class Child {
  /** the family (a family without labels is its own only series: m is itself; unset on a labelled family) */
  m: Metric;
  /** index into the family's children */
  i: number;
  /** rendered label pairs, `a="x",b="y"` ("" for a family without labels, its own series) */
  s: string;
  constructor(m: Metric, i: number, s: string) {
    this.m = m;
    this.i = i;
    this.s = s;
  }
  /** Adds `v` (default 1). */
  inc(v?: number): void {
    this.add(v === undefined ? 1 : v);
  }
  /** Adds `v`; a counter refuses negative, NaN and infinite increments. */
  add(v: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (typeof v !== "number") throw err(m, "value must be a number, got " + typeof v);
    if (m.type === COUNTER) {
      if (!(v >= 0 && v < Infinity)) throw err(m, "counter increment must be finite and >= 0, got " + fmtValue(v));
    } else if (m.type !== GAUGE) throw err(m, "add() is not supported by a histogram");
    m.v[this.i] += v;
  }
  /** Gauge only: subtracts `v` (default 1). */
  dec(v?: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== GAUGE) throw err(m, "dec() is only supported by a gauge");
    if (v === undefined) v = 1;
    if (typeof v !== "number") throw err(m, "value must be a number, got " + typeof v);
    m.v[this.i] -= v;
  }
  /** Gauge only: sets the value (NaN and infinities are allowed and exposed as NaN/+Inf/-Inf). */
  set(v: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== GAUGE) throw err(m, "set() is only supported by a gauge");
    if (typeof v !== "number") throw err(m, "value must be a number, got " + typeof v);
    m.v[this.i] = v;
  }
  /**
   * Counter only, for scrape-time collectors that own the total (e.g. samples taken, computed from a ring
   * buffer's own accounting): sets the absolute value. Counters never go down, so a value below the
   * current one throws (as do NaN and infinities): a collector bug must not expose a counter reset.
   */
  setTotal(v: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== COUNTER) throw err(m, "setTotal() is only supported by a counter");
    if (typeof v !== "number" || !(v >= 0 && v < Infinity)) {
      throw err(m, "counter total must be finite and >= 0, got " + (typeof v === "number" ? fmtValue(v) : typeof v));
    }
    var cur = m.v[this.i];
    if (v < cur) throw err(m, "counter total must not decrease, got " + fmtValue(v) + " after " + fmtValue(cur));
    m.v[this.i] = v;
  }
  /**
   * Histogram only, for scrape-time collectors that aggregate themselves: sets the bucket counts from
   * counts[offset .. offset + buckets] (per bucket, NOT cumulative; the last one is +Inf) and the sum.
   * Every count must be a finite integer >= its current value (bucket counts never go down); the sum
   * must be finite (it may go down with negative observations). Checks everything before writing
   * anything, so a refused call leaves the child unchanged. Allocates nothing.
   */
  setFrom(counts: Float64Array, offset: number, sum: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== HISTOGRAM) throw err(m, "setFrom() is only supported by a histogram");
    var n = m.w - 1;
    if (!counts || typeof counts.length !== "number" || !(offset >= 0) || offset + n > counts.length) {
      throw err(m, "setFrom() needs " + n + " bucket counts from offset " + offset);
    }
    if (typeof sum !== "number" || !(sum > -Infinity && sum < Infinity)) {
      throw err(m, "histogram sum must be a finite number, got " + (typeof sum === "number" ? fmtValue(sum) : typeof sum));
    }
    var base = this.i * m.w;
    var j: number;
    for (j = 0; j < n; j++) {
      var c = counts[offset + j];
      if (!(c >= 0 && c < Infinity) || Math.floor(c) !== c) throw err(m, "bucket counts must be whole numbers >= 0, got " + fmtValue(c));
      if (c < m.v[base + j]) throw err(m, "bucket counts must not decrease, got " + fmtValue(c) + " after " + fmtValue(m.v[base + j]));
    }
    for (j = 0; j < n; j++) m.v[base + j] = counts[offset + j];
    m.v[base + n] = sum;
  }
  /** Histogram only: copies the per-bucket counts (not cumulative, +Inf last) and the sum into out[offset ..]. */
  read(out: Float64Array, offset: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== HISTOGRAM) throw err(m, "read() is only supported by a histogram");
    var base = this.i * m.w;
    for (var j = 0; j < m.w; j++) out[offset + j] = m.v[base + j];
  }
  /** Gauge only: sets the value to the family's clock (seconds). */
  setToCurrentTime(): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== GAUGE) throw err(m, "setToCurrentTime() is only supported by a gauge");
    // the family's own clock, else its registry's (not copied onto every gauge: a property each costs RAM)
    var clock = m.clock || (m.reg && m.reg.clock);
    if (!clock) throw err(m, "setToCurrentTime() needs a clock (pass clock in the options or to the Registry)");
    this.set(clock());
  }
  /** Histogram only: counts `v` in the first bucket whose bound is >= v and adds it to the sum. NaN and
   *  infinities are refused (as prom-client does): they would poison `_sum` for the rest of the uptime. */
  observe(v: number): void {
    var m = this.m;
    if (!m) throw labelled(this as never);
    if (m.type !== HISTOGRAM) throw err(m, "observe() is only supported by a histogram");
    if (typeof v !== "number" || !(v > -Infinity && v < Infinity)) {
      throw err(m, "observation must be a finite number, got " + (typeof v === "number" ? fmtValue(v) : typeof v));
    }
    var b = m.b as Float64Array;
    var lo = 0;
    var hi = b.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (v <= b[mid]) hi = mid;
      else lo = mid + 1;
    }
    var base = this.i * m.w;
    m.v[base + lo]++;
    m.v[base + m.w - 1] += v;
  }
  /** Counter/gauge: the current value. Histogram: the observation count. */
  get(): number {
    var m = this.m;
    if (!m) throw labelled(this as never);
    var base = this.i * m.w;
    if (m.type !== HISTOGRAM) return m.v[base];
    var c = 0;
    for (var j = 0; j < m.w - 1; j++) c += m.v[base + j];
    return c;
  }
}

/** What labels() hands out once a cardinality limit is reached: accepts every call, stores nothing. */
export var NOOP_CHILD = {
  s: "",
  inc: nothing,
  add: nothing,
  dec: nothing,
  set: nothing,
  setToCurrentTime: nothing,
  observe: nothing,
  setTotal: nothing,
  setFrom: nothing,
  read: nothing,
  get: nan,
} as unknown as Child;

/** prom-client/client_golang defaults .005 ... 10, built without decimal literals (see number.ts). */
function defaultBuckets(): number[] {
  var k = [5, 10, 25, 50, 100, 250, 500];
  for (var i = 0; i < k.length; i++) k[i] = k[i] / (100 * 10);
  return k.concat([1, 25 / 10, 5, 10]);
}

function labelPair(m: Metric, name: string, v: unknown, i: number): string {
  var s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number") s = fmtValue(v);
  else throw err(m, 'label "' + name + '" value must be a string or number, got ' + (v === null ? "null" : typeof v));
  return (i ? "," : "") + name + '="' + escapeLabelValue(s) + '"';
}

/** Creates the preset children of `m` (at 0). */
export function presetChildren(m: Metric, preset: LabelValues[] | undefined): void {
  if (preset === undefined) return;
  if (!Array.isArray(preset)) throw err(m, "preset must be an array of label value sets");
  for (var i = 0; i < preset.length; i++) m.labels(preset[i]);
}

/** `k` of every family without labels: its one series, never added to (labels() refuses), so one array for all. */
var OWN_SERIES = [""];

/** A metric family. Use the Counter/Gauge/Histogram views (see index.ts) for the typed API. */
export class Metric {
  name: string;
  help: string;
  /** COUNTER, GAUGE or HISTOGRAM; a counter keeps the prototype's */
  type!: number;
  /** label names; the prototype's [] when there are none */
  labelNames!: string[];
  /** values, stride w per child */
  v: Float64Array;
  /** stride per child: 1 (the prototype's) for counters and gauges, buckets + 2 for histograms */
  w!: number;
  /**
   * the series by index: their rendered label pairs ("" for a family without labels). A Child is a handle made by
   * labels() (a caller that keeps one keeps its object; the family keeps only the string).
   */
  k: string[];
  /** per-family series limit; unset means DEFAULT_MAX_SERIES (a property per family costs RAM) */
  max?: number;
  /** histogram bounds and their canonical `le` texts */
  b?: Float64Array;
  le?: string[];
  clock?: () => number;
  /** owning registry */
  reg?: Registry;
  /** registry self-metrics: outside the guard (set only when true: a property costs RAM) */
  exempt?: boolean;
  /** a family without labels is its own only series (Child's methods, shared): m is the family itself, i 0, s "" */
  m?: Metric;
  i!: number;
  s!: string;

  constructor(type: number, o: MetricOptions) {
    if (!o || typeof o !== "object") throw new Error("metric options must be an object");
    var name = o.name;
    if (typeof name === "string" && name.charAt(0) === "_" && name.charAt(1) === "_") {
      throw new Error('invalid metric name "' + name + '": the "__" prefix is reserved');
    }
    if (!validMetricName(name)) throw new Error('invalid metric name "' + name + '"');
    this.name = name;
    if (type !== COUNTER) this.type = type;
    if (type === COUNTER && !endsWith(name, "_total")) throw err(this, "counter names must end with _total");
    // suffixes promtool reserves (its lint fails the body otherwise)
    if (type !== COUNTER && endsWith(name, "_total")) throw err(this, "only counter names may end with _total");
    if (type !== HISTOGRAM && (endsWith(name, "_count") || endsWith(name, "_sum") || endsWith(name, "_bucket"))) {
      throw err(this, "only histogram names may end with _count, _sum or _bucket");
    }
    if (typeof o.help !== "string" || o.help.length === 0) throw err(this, "help text is required");
    this.help = o.help;
    var ln = o.labelNames === undefined ? [] : o.labelNames;
    if (!Array.isArray(ln)) throw err(this, "labelNames must be an array");
    var i: number;
    for (i = 0; i < ln.length; i++) {
      var l = ln[i];
      if (typeof l === "string" && l.charAt(0) === "_" && l.charAt(1) === "_") {
        throw err(this, 'label name "' + l + '" is reserved (the "__" prefix is for Prometheus)');
      }
      if (!validLabelName(l)) throw err(this, 'invalid label name "' + l + '"');
      if (l === "le" && type === HISTOGRAM) throw err(this, 'label name "le" is reserved for histogram buckets');
      if (l === "quantile") throw err(this, 'label name "quantile" is reserved for summaries');
      if (ln.indexOf(l) !== i) throw err(this, 'duplicate label name "' + l + '"');
    }
    // an unlabelled family and a counter or gauge keep the prototype's labelNames ([]) and w (1), a counter the
    // prototype's type: a property on every family costs 2 JsVars or more
    // a copy, so a caller's later change cannot reach it; the firmware's own families (fixed) share theirs
    if (ln.length) this.labelNames = o.fixed ? ln : ln.concat([]);
    if (type === HISTOGRAM) {
      var bs = o.buckets === undefined ? defaultBuckets() : o.buckets;
      if (!Array.isArray(bs)) throw err(this, "buckets must be an array of numbers");
      var nb = bs.length;
      if (nb > 0 && bs[nb - 1] === Infinity) nb--;
      var b = new Float64Array(nb);
      var le: string[] = [];
      for (i = 0; i < nb; i++) {
        var x = bs[i];
        if (typeof x !== "number" || !(x > -Infinity && x < Infinity)) {
          throw err(this, "bucket bounds must be finite numbers, got " + (typeof x === "number" ? fmtValue(x) : typeof x));
        }
        if (i > 0 && !(x > b[i - 1])) {
          throw err(this, "bucket bounds must be strictly increasing, got " + fmtValue(x) + " after " + fmtValue(b[i - 1]));
        }
        b[i] = x;
        le.push(fmtLe(x));
      }
      this.b = b;
      this.le = le;
      this.w = nb + 2;
    }
    var max = o.maxSeries === undefined ? DEFAULT_MAX_SERIES : o.maxSeries;
    if (typeof max !== "number" || !(max >= 1) || Math.floor(max) !== max) {
      throw err(this, "maxSeries must be a whole number >= 1");
    }
    if (max !== DEFAULT_MAX_SERIES) this.max = max;
    if (o.clock !== undefined) {
      if (typeof o.clock !== "function") throw err(this, "clock must be a function");
      this.clock = o.clock;
    }
    // room for the preset label sets exactly (else 4), grown by doubling (mk)
    var room = !ln.length ? 1 : o.preset && o.preset.length > 0 ? (o.preset.length < max ? o.preset.length : max) : 4;
    this.v = new Float64Array(room * this.w);
    if (ln.length) this.k = [];
    else {
      this.m = this;
      this.k = OWN_SERIES;
    }
    presetChildren(this, o.preset);
  }

  /** Creates child number k.length for label string `s`. */
  mk(s: string): Child {
    var i = this.k.length;
    var need = (i + 1) * this.w;
    if (need > this.v.length) {
      var nv = new Float64Array(need * 2);
      nv.set(this.v);
      this.v = nv;
    }
    this.k.push(s);
    if (this.reg && !this.exempt) this.reg.ns++;
    return new Child(this, i, s);
  }

  /**
   * The child for these label values, created (at 0) on first use. Wrong label names or counts throw.
   * Past the family's or the registry's series limit a new label set gets NOOP_CHILD (never an
   * exception: label values usually come from data) and espruino_series_dropped_total{metric} goes up.
   */
  labels(vals: LabelValues): Child {
    var names = this.labelNames;
    var n = names.length;
    if (!n) throw err(this, "has no labels");
    var key = "";
    var i: number;
    var v: unknown;
    if (Array.isArray(vals)) {
      if (vals.length !== n) throw err(this, "expected " + n + " label values (" + names.join(",") + "), got " + vals.length);
      for (i = 0; i < n; i++) key += labelPair(this, names[i], vals[i], i);
    } else if (vals && typeof vals === "object") {
      for (var p in vals) {
        if (names.indexOf(p) < 0) throw err(this, 'unknown label "' + p + '"');
      }
      for (i = 0; i < n; i++) {
        v = (vals as { [name: string]: unknown })[names[i]];
        if (v === undefined) throw err(this, 'missing label "' + names[i] + '"');
        key += labelPair(this, names[i], v, i);
      }
    } else {
      throw err(this, "labels() takes an array or an object of label values");
    }
    // Linear search instead of a key -> child map: labels() runs at setup (and on rare drops), and a map
    // would store every label string a second time as a property name (RAM per series).
    var k = this.k;
    for (i = 0; i < k.length; i++) if (k[i] === key) return new Child(this, i, k[i]);
    var r = this.reg;
    if (!this.exempt && (this.k.length >= (this.max || DEFAULT_MAX_SERIES) || (r !== undefined && r.ns >= r.max))) {
      if (r) r.dropped(this);
      return NOOP_CHILD;
    }
    return this.mk(r ? r.intern(key) : key);
  }
}

/** Defaults every family shares (set on a family only when they differ: see the constructor). */
Metric.prototype.labelNames = [];
Metric.prototype.w = 1;
Metric.prototype.type = COUNTER;
Metric.prototype.i = 0;
Metric.prototype.s = "";

/** A family's own inc(), set(), observe() ...: Child's methods themselves (m is the family without labels, unset with). */
export interface Metric extends CounterChild, GaugeChild, HistogramChild {
  get(): number;
}
var MP = Metric.prototype;
var CP = Child.prototype;
MP.inc = CP.inc;
MP.add = CP.add;
MP.dec = CP.dec;
MP.set = CP.set;
MP.setToCurrentTime = CP.setToCurrentTime;
MP.observe = CP.observe;
MP.setTotal = CP.setTotal;
MP.setFrom = CP.setFrom;
MP.read = CP.read;
MP.get = CP.get;

function checkCount(fn: string, count: number): void {
  if (typeof count !== "number" || !(count >= 1) || Math.floor(count) !== count) {
    throw new Error(fn + ": count must be a whole number >= 1");
  }
}

/** `count` bounds start, start+width, ... (width > 0). */
export function linearBuckets(start: number, width: number, count: number): number[] {
  checkCount("linearBuckets", count);
  if (!(width > 0 && width < Infinity) || !(start > -Infinity && start < Infinity)) {
    throw new Error("linearBuckets: start must be finite and width finite and > 0");
  }
  var out: number[] = [];
  for (var i = 0; i < count; i++) out.push(start + i * width);
  return out;
}

/** `count` bounds start, start*factor, ... (start > 0, factor > 1). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  checkCount("exponentialBuckets", count);
  if (!(start > 0 && start < Infinity) || !(factor > 1 && factor < Infinity)) {
    throw new Error("exponentialBuckets: start must be > 0 and factor > 1 (both finite)");
  }
  var out: number[] = [];
  var b = start;
  for (var i = 0; i < count; i++) {
    out.push(b);
    b = b * factor;
  }
  return out;
}

/** A counter not yet in any registry (see Registry.register; Registry.counter() is get-or-create). */
export function createCounter(o: MetricOptions): Counter {
  return new Metric(COUNTER, o);
}
export function createGauge(o: MetricOptions): Gauge {
  return new Metric(GAUGE, o);
}
export function createHistogram(o: MetricOptions): Histogram {
  return new Metric(HISTOGRAM, o);
}
