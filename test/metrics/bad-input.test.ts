// Bad input: every case throws a clear error naming the metric/label (exact messages), or is escaped
// correctly; none of them corrupts the body (each test renders and checks it with promtool/parsers).
import { describe, expect, it } from "vitest";
import { Registry } from "../../firmware/metrics/registry.js";
import {
  createCounter,
  createGauge,
  createHistogram,
  exponentialBuckets,
  linearBuckets,
  NOOP_CHILD,
} from "../../firmware/metrics/metric.js";
import type { MetricOptions } from "../../firmware/metrics/metric.js";
import { OPENMETRICS, TEXT } from "../../firmware/exposition/format.js";
import { promtoolCheckMetrics } from "../support/system-tools.js";
import { body, omParse, textParse } from "./helpers.js";

type Kind = "counter" | "gauge" | "histogram";

function make(kind: Kind, o: Partial<MetricOptions> & Record<string, unknown>): unknown {
  const opts = { help: "Help.", ...o } as MetricOptions;
  return kind === "counter" ? createCounter(opts) : kind === "gauge" ? createGauge(opts) : createHistogram(opts);
}

/** Options that must be refused at construction: [description, kind, options, exact message]. */
const BAD_OPTIONS: [string, Kind, Record<string, unknown>, string][] = [
  ["name with a space", "gauge", { name: "foo bar" }, 'invalid metric name "foo bar"'],
  ["unicode name", "gauge", { name: "temp\u00e9rature" }, 'invalid metric name "temp\u00e9rature"'],
  ["empty name", "gauge", { name: "" }, 'invalid metric name ""'],
  ["missing name", "gauge", {}, 'invalid metric name "undefined"'],
  ["non-string name", "gauge", { name: 42 }, 'invalid metric name "42"'],
  ["name starting with a digit", "gauge", { name: "1abc" }, 'invalid metric name "1abc"'],
  ["name with a dash", "gauge", { name: "a-b" }, 'invalid metric name "a-b"'],
  ["name with a dot", "gauge", { name: "a.b" }, 'invalid metric name "a.b"'],
  ["name with a newline", "gauge", { name: "a\nb" }, 'invalid metric name "a\nb"'],
  ["reserved __ name", "gauge", { name: "__x" }, 'invalid metric name "__x": the "__" prefix is reserved'],
  ["counter without _total", "counter", { name: "requests" }, "metric requests: counter names must end with _total"],
  ["gauge named _total", "gauge", { name: "g_total" }, "metric g_total: only counter names may end with _total"],
  ["histogram named _total", "histogram", { name: "h_total" }, "metric h_total: only counter names may end with _total"],
  ["gauge named _count", "gauge", { name: "g_count" }, "metric g_count: only histogram names may end with _count, _sum or _bucket"],
  ["gauge named _sum", "gauge", { name: "g_sum" }, "metric g_sum: only histogram names may end with _count, _sum or _bucket"],
  ["gauge named _bucket", "gauge", { name: "g_bucket" }, "metric g_bucket: only histogram names may end with _count, _sum or _bucket"],
  ["missing help", "gauge", { name: "g", help: undefined }, "metric g: help text is required"],
  ["empty help", "gauge", { name: "g", help: "" }, "metric g: help text is required"],
  ["label name with a space", "gauge", { name: "g", labelNames: ["a b"] }, 'metric g: invalid label name "a b"'],
  ["unicode label name", "gauge", { name: "g", labelNames: ["\u00fc"] }, 'metric g: invalid label name "\u00fc"'],
  ["empty label name", "gauge", { name: "g", labelNames: [""] }, 'metric g: invalid label name ""'],
  ["label name with a colon", "gauge", { name: "g", labelNames: ["a:b"] }, 'metric g: invalid label name "a:b"'],
  ["label name starting with a digit", "gauge", { name: "g", labelNames: ["0a"] }, 'metric g: invalid label name "0a"'],
  ["non-string label name", "gauge", { name: "g", labelNames: [7] }, 'metric g: invalid label name "7"'],
  ["reserved __ label", "gauge", { name: "g", labelNames: ["__x"] }, 'metric g: label name "__x" is reserved (the "__" prefix is for Prometheus)'],
  ["duplicate label names", "gauge", { name: "g", labelNames: ["a", "b", "a"] }, 'metric g: duplicate label name "a"'],
  ["le on a histogram", "histogram", { name: "h", labelNames: ["le"] }, 'metric h: label name "le" is reserved for histogram buckets'],
  ["quantile label", "gauge", { name: "g", labelNames: ["quantile"] }, 'metric g: label name "quantile" is reserved for summaries'],
  ["labelNames not an array", "gauge", { name: "g", labelNames: "a" }, "metric g: labelNames must be an array"],
  ["unsorted buckets", "histogram", { name: "h", buckets: [1, 0.5] }, "metric h: bucket bounds must be strictly increasing, got 0.5 after 1"],
  ["duplicate buckets", "histogram", { name: "h", buckets: [1, 2, 2] }, "metric h: bucket bounds must be strictly increasing, got 2 after 2"],
  ["NaN bucket", "histogram", { name: "h", buckets: [1, NaN] }, "metric h: bucket bounds must be finite numbers, got NaN"],
  ["-Inf bucket", "histogram", { name: "h", buckets: [-Infinity, 1] }, "metric h: bucket bounds must be finite numbers, got -Inf"],
  ["+Inf bucket not last", "histogram", { name: "h", buckets: [Infinity, 1] }, "metric h: bucket bounds must be finite numbers, got +Inf"],
  ["string bucket", "histogram", { name: "h", buckets: [1, "2"] }, "metric h: bucket bounds must be finite numbers, got string"],
  ["buckets not an array", "histogram", { name: "h", buckets: 5 }, "metric h: buckets must be an array of numbers"],
  ["maxSeries 0", "gauge", { name: "g", maxSeries: 0 }, "metric g: maxSeries must be a whole number >= 1"],
  ["maxSeries fractional", "gauge", { name: "g", maxSeries: 1.5 }, "metric g: maxSeries must be a whole number >= 1"],
  ["clock not a function", "gauge", { name: "g", clock: 5 }, "metric g: clock must be a function"],
  ["preset with a wrong count", "gauge", { name: "g", labelNames: ["a"], preset: [["1", "2"]] }, "metric g: expected 1 label values (a), got 2"],
  ["preset not an array", "gauge", { name: "g", labelNames: ["a"], preset: "x" }, "metric g: preset must be an array of label value sets"],
];

describe("bad options are refused with exact messages", () => {
  it.each(BAD_OPTIONS)("%s", (_d, kind, o, msg) => {
    expect(() => make(kind, o)).toThrowError(new Error(msg));
  });
  it("options not an object", () => {
    expect(() => createGauge(undefined as unknown as MetricOptions)).toThrowError(new Error("metric options must be an object"));
  });
  it("a trailing +Inf bucket is accepted and dropped (it is implicit)", () => {
    const r = new Registry();
    r.histogram({ name: "h", help: "H.", buckets: [1, Infinity] }).observe(2);
    expect(body(r, TEXT)).toContain('h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1\n');
  });
});

describe("bad values and label use", () => {
  const r = new Registry();
  const c = r.counter({ name: "c_total", help: "C." });
  const g = r.gauge({ name: "g", help: "G." });
  const h = r.histogram({ name: "h", help: "H.", buckets: [1] });
  const lc = r.counter({ name: "lc_total", help: "LC.", labelNames: ["a", "b"] });
  const cases: [string, () => unknown, string][] = [
    ["negative counter increment", () => c.add(-1), "metric c_total: counter increment must be finite and >= 0, got -1"],
    ["NaN counter increment", () => c.add(NaN), "metric c_total: counter increment must be finite and >= 0, got NaN"],
    ["+Inf counter increment", () => c.inc(Infinity), "metric c_total: counter increment must be finite and >= 0, got +Inf"],
    ["string counter increment", () => c.add("1" as unknown as number), "metric c_total: value must be a number, got string"],
    ["set() on a counter", () => (c as unknown as { set(v: number): void }).set(5), "metric c_total: set() is only supported by a gauge"],
    ["dec() on a counter", () => (c as unknown as { dec(): void }).dec(), "metric c_total: dec() is only supported by a gauge"],
    ["observe() on a gauge", () => (g as unknown as { observe(v: number): void }).observe(1), "metric g: observe() is only supported by a histogram"],
    ["add() on a histogram", () => (h as unknown as { add(v: number): void }).add(1), "metric h: add() is not supported by a histogram"],
    ["gauge set to a string", () => g.set("3" as unknown as number), "metric g: value must be a number, got string"],
    ["setToCurrentTime without a clock", () => g.setToCurrentTime(), "metric g: setToCurrentTime() needs a clock (pass clock in the options or to the Registry)"],
    ["NaN observation", () => h.observe(NaN), "metric h: observation must be a finite number, got NaN"],
    ["+Inf observation", () => h.observe(Infinity), "metric h: observation must be a finite number, got +Inf"],
    ["-Inf observation", () => h.observe(-Infinity), "metric h: observation must be a finite number, got -Inf"],
    ["undefined observation", () => h.observe(undefined as unknown as number), "metric h: observation must be a finite number, got undefined"],
    ["labels() on an unlabelled metric", () => c.labels(["x"]), "metric c_total: has no labels"],
    ["inc() on a labelled metric", () => lc.inc(), "metric lc_total: has labels (a,b); use labels()"],
    ["too few label values", () => lc.labels(["1"]), "metric lc_total: expected 2 label values (a,b), got 1"],
    ["too many label values", () => lc.labels(["1", "2", "3"]), "metric lc_total: expected 2 label values (a,b), got 3"],
    ["unknown label name in object form", () => lc.labels({ a: "1", b: "2", c: "3" }), 'metric lc_total: unknown label "c"'],
    ["missing label in object form", () => lc.labels({ a: "1" }), 'metric lc_total: missing label "b"'],
    ["null label value", () => lc.labels(["1", null as unknown as string]), 'metric lc_total: label "b" value must be a string or number, got null'],
    ["object label value", () => lc.labels([{} as unknown as string, "1"]), 'metric lc_total: label "a" value must be a string or number, got object'],
    ["labels() with a string", () => lc.labels("1" as unknown as string[]), "metric lc_total: labels() takes an array or an object of label values"],
  ];
  it.each(cases)("%s", (_d, fn, msg) => {
    expect(fn).toThrowError(new Error(msg));
  });
  it("after all the refused calls the body is intact and values unchanged", () => {
    const text = body(r, TEXT);
    expect(text).toContain("\nc_total 0\n# HELP g G.\n# TYPE g gauge\ng 0\n");
    expect(text).toContain('\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n');
    expect(promtoolCheckMetrics(text).status).toBe(0);
  });
  it("bucket helpers refuse bad arguments", () => {
    expect(() => linearBuckets(0, 0, 3)).toThrowError(new Error("linearBuckets: start must be finite and width finite and > 0"));
    expect(() => linearBuckets(0, 1, 0)).toThrowError(new Error("linearBuckets: count must be a whole number >= 1"));
    expect(() => exponentialBuckets(0, 2, 3)).toThrowError(new Error("exponentialBuckets: start must be > 0 and factor > 1 (both finite)"));
    expect(() => exponentialBuckets(1, 1, 3)).toThrowError(new Error("exponentialBuckets: start must be > 0 and factor > 1 (both finite)"));
    expect(() => exponentialBuckets(1, 2, 2.5)).toThrowError(new Error("exponentialBuckets: count must be a whole number >= 1"));
    expect(linearBuckets(1, 2, 3)).toEqual([1, 3, 5]);
    expect(exponentialBuckets(1, 10, 3)).toEqual([1, 10, 100]);
  });
});

describe("label values are escaped, never corrupting the body", () => {
  const values = ['say "hi"', "back\\slash", "two\nlines", "\\n literally", 'mix \\" of\n all', "", "  spaces  ", "caf\u00e9 \u2603", "{}=,#"];
  it.each(values.map((v) => [JSON.stringify(v), v]))("value %s round-trips through both parsers", (_j, v) => {
    const r = new Registry();
    r.gauge({ name: "g", help: 'help with "quotes" \\ and\nnewline', labelNames: ["v"] }).labels([v]).set(1);
    const text = body(r, TEXT);
    const p = textParse(text);
    expect(p.error).toBeUndefined();
    expect(p.families!.find((f) => f.name === "g")!.samples).toEqual([["g", { v }, 1]]);
    expect(promtoolCheckMetrics(text).status).toBe(0);
    const om = omParse(body(r, OPENMETRICS));
    expect(om.error).toBeUndefined();
    expect(om.families!.find((f) => f.name === "g")!.samples).toEqual([["g", { v }, 1]]);
  });
  it("exact escaped text", () => {
    const r = new Registry();
    r.gauge({ name: "g", help: "H.", labelNames: ["v"] }).labels(['a"b\\c\nd']).set(1);
    expect(body(r, TEXT)).toContain('\ng{v="a\\"b\\\\c\\nd"} 1\n');
  });
  it("number label values are formatted exactly", () => {
    const r = new Registry();
    const g = r.gauge({ name: "g", help: "H.", labelNames: ["channel"] });
    g.labels([3]).set(1);
    // the same series (a handle per call: the family keeps the label string, not the handle)
    expect(g.labels(["3"]).get()).toBe(1);
    g.labels(["3"]).set(4);
    expect(g.labels([3]).get()).toBe(4);
    g.labels([3]).set(1);
    g.labels({ channel: 0.5 }).set(2);
    expect(body(r, TEXT)).toContain('\ng{channel="3"} 1\ng{channel="0.5"} 2\n');
  });
});

describe("registry: names, duplicates, get-or-create", () => {
  it("registering a taken name throws naming the metric", () => {
    const r = new Registry();
    r.register(createCounter({ name: "x_total", help: "X." }));
    expect(() => r.register(createCounter({ name: "x_total", help: "X." }))).toThrowError(new Error("metric x_total: already registered"));
    expect(() => r.register(createGauge({ name: "x", help: "X." }))).toThrowError(
      new Error("metric x: name x clashes with registered metric x_total")
    );
    expect(() => r.register(createGauge({ name: "x_created", help: "X." }))).toThrowError(
      new Error("metric x_created: name x_created clashes with registered metric x_total")
    );
    r.register(createHistogram({ name: "h", help: "H." }));
    for (const s of ["_bucket", "_sum", "_count"]) {
      expect(() => r.counter({ name: "h" + s + "_total", help: "H." })).toThrowError(
        new Error("metric h" + s + "_total: name h" + s + " clashes with registered metric h")
      );
      expect(() => r.histogram({ name: "h" + s, help: "H." })).toThrowError(new Error("metric h" + s + ": name h" + s + " clashes with registered metric h"));
    }
    r.histogram({ name: "q_count", help: "Q." });
    expect(() => r.histogram({ name: "q", help: "Q." })).toThrowError(new Error("metric q: name q_count clashes with registered metric q_count"));
    expect(() => r.counter({ name: "espruino_series_dropped_total", help: "Mine." })).toThrowError(
      new Error("metric espruino_series_dropped_total: already registered with a different help text")
    );
    expect(() => r.register({} as never)).toThrowError(new Error("register() takes a metric from createCounter/createGauge/createHistogram"));
    const m = createGauge({ name: "in_two", help: "T." });
    new Registry().register(m);
    expect(() => r.register(m)).toThrowError(new Error("metric in_two: already registered in another registry"));
    // names that are Object.prototype members are ordinary names
    expect(r.get("toString")).toBeUndefined();
    r.gauge({ name: "toString", help: "T." }).set(1);
    r.gauge({ name: "constructor", help: "T." }).set(2);
    expect(body(r, TEXT)).toContain("\ntoString 1\n# HELP constructor T.\n# TYPE constructor gauge\nconstructor 2\n");
  });

  it("get-or-create returns the existing family when everything matches, throws when not", () => {
    const r = new Registry();
    const boot = () => {
      const a = r.counter({ name: "boots_total", help: "B.", labelNames: ["why"], preset: [["power"]] });
      const h = r.histogram({ name: "v", help: "V.", buckets: [1, 2] });
      return [a, h] as const;
    };
    const [a1, h1] = boot();
    a1.labels(["power"]).inc();
    h1.observe(1);
    const [a2, h2] = boot(); // re-running boot code
    expect(a2).toBe(a1);
    expect(h2).toBe(h1);
    expect(r.metrics.length).toBe(4);
    expect(body(r, TEXT)).toContain('boots_total{why="power"} 1\n');
    expect(() => r.histogram({ name: "v", help: "V.", labelNames: ["why"] })).toThrowError(
      new Error("metric v: already registered with label names [], not [why]")
    );
    r.gauge({ name: "level", help: "L." });
    expect(() => r.histogram({ name: "level", help: "L." })).toThrowError(new Error("metric level: already registered as a gauge, not a histogram"));
    expect(() => r.counter({ name: "boots_total", help: "Other.", labelNames: ["why"] })).toThrowError(
      new Error("metric boots_total: already registered with a different help text")
    );
    expect(() => r.counter({ name: "boots_total", help: "B.", labelNames: ["reason"] })).toThrowError(
      new Error("metric boots_total: already registered with label names [why], not [reason]")
    );
    expect(() => r.histogram({ name: "v", help: "V.", buckets: [1, 3] })).toThrowError(
      new Error("metric v: already registered with buckets [1,2], not [1,3]")
    );
  });

  it("unregister, get, and re-register", () => {
    const r = new Registry();
    const c = r.counter({ name: "u_total", help: "U." });
    expect(r.get("u_total")).toBe(c);
    expect(r.get("u")).toBeUndefined();
    expect(r.unregister("u")).toBe(false);
    expect(r.unregister("u_total")).toBe(true);
    expect(r.unregister("u_total")).toBe(false);
    expect(r.get("u_total")).toBeUndefined();
    r.gauge({ name: "u", help: "Now a gauge." }).set(1);
    expect(body(r, TEXT)).toContain("\nu 1\n");
    expect(body(r, TEXT)).not.toContain("u_total");
  });

  it("collectors: validation, replacement by name, removal", () => {
    const r = new Registry();
    expect(() => r.addCollector({ name: "", collect: () => {} })).toThrowError(new Error("a collector needs a non-empty name and a collect() method"));
    expect(() => r.addCollector({ name: "x" } as never)).toThrowError(new Error("a collector needs a non-empty name and a collect() method"));
    let which = "";
    r.addCollector({ name: "a", collect: () => { which += "1"; } });
    r.addCollector({ name: "a", collect: () => { which += "2"; } });
    body(r, TEXT);
    expect(which).toBe("2");
    expect(r.removeCollector("a")).toBe(true);
    expect(r.removeCollector("a")).toBe(false);
    body(r, TEXT);
    expect(which).toBe("2");
  });
});

describe("cardinality guard", () => {
  it("10 000 label values against the per-metric limit: refused ones get a no-op child and are counted", () => {
    const r = new Registry();
    const g = r.gauge({ name: "by_id", help: "Per id.", labelNames: ["id"], maxSeries: 50 });
    for (let i = 0; i < 10000; i++) g.labels(["id" + i]).set(i);
    expect(g.labels(["id9999"])).toBe(NOOP_CHILD);
    expect(g.labels(["id49"])).not.toBe(NOOP_CHILD);
    const text = body(r, TEXT);
    expect(text.split("\n").filter((l) => l.startsWith("by_id{")).length).toBe(50);
    expect(text).toContain('espruino_series_dropped_total{metric="by_id"} 9951\n');
    expect(promtoolCheckMetrics(text).status).toBe(0);
    // storage stays bounded: 50 children, values in one typed array
    expect((g as unknown as { k: unknown[] }).k.length).toBe(50);
    expect((g as unknown as { v: Float64Array }).v.length).toBeLessThanOrEqual(128);
  });

  it("the per-registry limit caps the total over all families", () => {
    const r = new Registry({ maxSeries: 10 });
    const a = r.counter({ name: "a_total", help: "A.", labelNames: ["k"] });
    const b = r.counter({ name: "b_total", help: "B.", labelNames: ["k"] });
    r.counter({ name: "plain_total", help: "P." }).inc(); // 1 series
    for (let i = 0; i < 6; i++) a.labels(["" + i]).inc();
    for (let i = 0; i < 6; i++) b.labels(["" + i]).inc();
    const text = body(r, TEXT);
    expect(text.split("\n").filter((l) => /^[ab]_total\{/.test(l)).length).toBe(9);
    expect(text).toContain('espruino_series_dropped_total{metric="a_total"} 0\nespruino_series_dropped_total{metric="b_total"} 3\n');
    // the refused child accepts every call silently
    const noop = b.labels(["5"]);
    expect(noop).toBe(NOOP_CHILD);
    noop.inc();
    noop.add(-5);
    expect(() => r.counter({ name: "c_total", help: "C.", labelNames: ["k"] }).labels(["1"]).inc()).not.toThrow();
    expect(body(r, TEXT)).toContain('espruino_series_dropped_total{metric="c_total"} 1\n');
  });

  it("registry options are validated", () => {
    expect(() => new Registry({ maxSeries: 0 })).toThrowError(new Error("registry maxSeries must be a whole number >= 1"));
  });
});
