// A registry: the families one /metrics endpoint serves, in registration order, plus scrape-time collectors.
// Registries are explicit objects (no global default registry) handed to whoever renders them.
import { COUNTER, GAUGE, HISTOGRAM, Metric, presetChildren, TYPE_NAMES } from "./metric.js";
import type { Counter, Gauge, Histogram, MetricOptions } from "./metric.js";

/** Called once per scrape, before any family is rendered, so the whole body is one snapshot. */
export interface Collector {
  /** Label value of espruino_collector_errors_total{collector} when collect() throws. */
  name: string;
  /** Updates metrics of `registry` (e.g. drains a sample ring into them). May throw: the scrape goes on. */
  collect(registry: Registry): void;
}

export interface RegistryOptions {
  /** Most label sets (children) over all families; past it new label sets are refused. Default 256. */
  maxSeries?: number;
  /** Clock (seconds) given to the gauges this registry creates, for setToCurrentTime(). */
  clock?: () => number;
}

export var DEFAULT_REGISTRY_MAX_SERIES = 256;

/** Names a family occupies in both formats (client_python reserves the same suffixes). */
function takenNames(m: Metric): string[] {
  var n = m.name;
  if (m.type === COUNTER) {
    var base = n.substring(0, n.length - 6);
    return [n, base, base + "_created"];
  }
  if (m.type === HISTOGRAM) return [n, n + "_bucket", n + "_sum", n + "_count", n + "_created"];
  return [n];
}

/** The part every name of `m` starts with (a counter's name without _total). */
function stem(m: Metric): string {
  return m.type === COUNTER ? m.name.substring(0, m.name.length - 6) : m.name;
}

/**
 * The first of `names` that family `o` occupies, or "" (no table of taken names is kept: it would hold
 * every name up to five times as property names, ~7 JsVars per family). Quick reject by stem prefix, so
 * registering n families costs about n^2 / 2 indexOf calls at boot.
 */
function clash(o: Metric, stemM: string, names: string[]): string {
  var so = stem(o);
  if (so.indexOf(stemM) !== 0 && stemM.indexOf(so) !== 0) return "";
  var mine = takenNames(o);
  for (var i = 0; i < names.length; i++) if (mine.indexOf(names[i]) >= 0) return names[i];
  return "";
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless `old` and `m` describe the same family (type, help, label names, buckets). */
function checkSame(old: Metric, m: Metric): void {
  var pre = "metric " + m.name + ": already registered ";
  if (old.type !== m.type) throw new Error(pre + "as a " + TYPE_NAMES[old.type] + ", not a " + TYPE_NAMES[m.type]);
  if (old.help !== m.help) throw new Error(pre + "with a different help text");
  if (!sameList(old.labelNames, m.labelNames)) {
    throw new Error(pre + "with label names [" + old.labelNames.join(",") + "], not [" + m.labelNames.join(",") + "]");
  }
  if (m.type === HISTOGRAM && !sameList(old.le as string[], m.le as string[])) {
    throw new Error(pre + "with buckets [" + (old.le as string[]).join(",") + "], not [" + (m.le as string[]).join(",") + "]");
  }
}

/**
 * collect() in its own function: the minifier may give the catch parameter the name of a loop variable
 * (legal, it is block-scoped), which is only safe if nothing in scope is read after the catch.
 */
function runCollector(reg: Registry, c: Collector): boolean {
  try {
    c.collect(reg);
    return true;
  } catch (e) {
    return false;
  }
}

export class Registry {
  /** families in registration (= exposition) order */
  metrics: Metric[];
  cs: Collector[];
  /** series limit and current count (children of non-exempt families) */
  max: number;
  ns: number;
  clock?: () => number;
  /**
   * Constant label pairs on every series the registry serves (prom-client's default labels), rendered once and
   * escaped, `site="lab",room="12"`; unset: none. The writer puts them before a series' own labels.
   */
  cl?: string;
  /** espruino_series_dropped_total{metric} */
  dm: Metric;
  /** espruino_collector_errors_total{collector} */
  em: Metric;

  constructor(o?: RegistryOptions) {
    var max = o && o.maxSeries !== undefined ? o.maxSeries : DEFAULT_REGISTRY_MAX_SERIES;
    if (typeof max !== "number" || !(max >= 1) || Math.floor(max) !== max) {
      throw new Error("registry maxSeries must be a whole number >= 1");
    }
    this.max = max;
    this.ns = 0;
    this.metrics = [];
    this.cs = [];
    if (o && o.clock) this.clock = o.clock;
    var dm = new Metric(COUNTER, {
      name: "espruino_series_dropped_total",
      help: "Label sets refused by a series limit.",
      labelNames: ["metric"],
    });
    dm.exempt = true;
    this.dm = this.register(dm);
    var em = new Metric(COUNTER, {
      name: "espruino_collector_errors_total",
      help: "Collector runs that threw.",
      labelNames: ["collector"],
    });
    em.exempt = true;
    this.em = this.register(em);
  }

  /**
   * Adds a family; throws (naming it) when its name, or a name it would expose, is taken. A labelled family gets its
   * espruino_series_dropped_total child at once, unless `fixed` (its label sets are all preset: MetricOptions.fixed).
   */
  register(metric: Counter | Gauge | Histogram, fixed?: boolean): Metric {
    if (!(metric instanceof Metric)) throw new Error("register() takes a metric from createCounter/createGauge/createHistogram");
    var m = metric;
    if (m.reg) throw new Error("metric " + m.name + ": already registered" + (m.reg === this ? "" : " in another registry"));
    var names = takenNames(m);
    var st = stem(m);
    for (var i = 0; i < this.metrics.length; i++) {
      var old = this.metrics[i];
      if (old.name === m.name) throw new Error("metric " + m.name + ": already registered");
      var c = clash(old, st, names);
      if (c) throw new Error("metric " + m.name + ": name " + c + " clashes with registered metric " + old.name);
    }
    // its preset series were made before it had a registry: their label strings are shared now
    for (var j = 0; j < m.k.length; j++) if (m.k[j]) m.k[j] = this.intern(m.k[j]);
    this.metrics.push(m);
    m.reg = this;
    if (!m.exempt) {
      this.ns += m.k.length;
      if (m.labelNames.length && !fixed) this.dm.labels([m.name]);
    }
    return m;
  }

  /** Removes the family named exactly `name`; false when there is none. */
  unregister(name: string): boolean {
    var m = this.get(name);
    if (!m || m.exempt) return false;
    this.metrics.splice(this.metrics.indexOf(m), 1);
    this.ns -= m.k.length;
    m.reg = undefined;
    return true;
  }

  /** The family named exactly `name`, or undefined. */
  get(name: string): Metric | undefined {
    var ms = this.metrics;
    for (var i = 0; i < ms.length; i++) if (ms[i].name === name) return ms[i];
    return undefined;
  }

  /**
   * Get-or-create: returns the registered family of that name when type, help, label names and buckets
   * match (adding any new preset label sets), throws naming the metric when they differ, registers a new
   * family otherwise. Re-running boot code therefore never double-registers.
   */
  make(type: number, o: MetricOptions): Metric {
    var m = new Metric(type, o);
    var old = this.get(m.name);
    if (!old) return this.register(m, o.fixed === true);
    checkSame(old, m);
    presetChildren(old, o.preset);
    return old;
  }

  /** Get-or-create a counter (name ends with _total). */
  counter(o: MetricOptions): Counter {
    return this.make(COUNTER, o);
  }
  /** Get-or-create a gauge; setToCurrentTime() uses the registry's clock unless o.clock is given. */
  gauge(o: MetricOptions): Gauge {
    return this.make(GAUGE, o);
  }
  /** Get-or-create a histogram. */
  histogram(o: MetricOptions): Histogram {
    return this.make(HISTOGRAM, o);
  }

  /**
   * `key` (a rendered label string), or an equal one a registered family's series already holds: the sampler's
   * nine per-channel families then share one `channel="..."` string per channel instead of nine (RAM per series).
   * Runs when a series is created, never per scrape.
   */
  intern(key: string): string {
    var ms = this.metrics;
    for (var i = 0; i < ms.length; i++) {
      var k = ms[i].k;
      for (var j = 0; j < k.length; j++) if (k[j] === key) return k[j];
    }
    return key;
  }

  /** Called by a family whose new label set was refused. */
  dropped(m: Metric): void {
    this.dm.labels([m.name]).inc();
  }

  /** Adds a scrape-time collector; one with the same name is replaced (so re-run boot code is harmless). */
  addCollector(c: Collector): void {
    if (!c || typeof c.collect !== "function" || typeof c.name !== "string" || !c.name) {
      throw new Error("a collector needs a non-empty name and a collect() method");
    }
    for (var i = 0; i < this.cs.length; i++) {
      if (this.cs[i].name === c.name) {
        this.cs[i] = c;
        return;
      }
    }
    this.cs.push(c);
    this.em.labels([c.name]);
  }

  /** Removes the collector named `name`; false when there is none. */
  removeCollector(name: string): boolean {
    for (var i = 0; i < this.cs.length; i++) {
      if (this.cs[i].name === name) {
        this.cs.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** Runs every collector once; a throwing one is counted in espruino_collector_errors_total{collector}. */
  collect(): void {
    for (var i = 0; i < this.cs.length; i++) {
      var c = this.cs[i];
      if (!runCollector(this, c)) this.em.labels([c.name]).inc();
    }
  }
}
