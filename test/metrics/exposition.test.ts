// Exact exposition text of representative registries in both formats, validated by promtool and the
// python parsers; cursor semantics (one family or one bounded piece per next(), consistency between calls); negotiation.
import { describe, expect, it } from "vitest";
import { Registry } from "../../firmware/metrics/registry.js";
import { linearBuckets, exponentialBuckets } from "../../firmware/metrics/metric.js";
import { Cursor, PIECE_CHARS, open } from "../../firmware/exposition/cursor.js";
import {
  CONTENT_TYPE_OPENMETRICS,
  CONTENT_TYPE_TEXT,
  OPENMETRICS,
  TEXT,
  contentType,
  negotiate,
} from "../../firmware/exposition/format.js";
import { promtoolCheckMetrics } from "../support/system-tools.js";
import { body, omParse as openMetricsParse, renderAll, textParse } from "./helpers.js";

const DROPPED_HELP = "Label sets refused by a series limit.";
const ERRORS_HELP = "Collector runs that threw.";

function sample(): Registry {
  const r = new Registry({ clock: () => 1700000000.25 });
  const c = r.counter({ name: "app_requests_total", help: "Requests handled.", labelNames: ["code"], preset: [["200"], ["500"]] });
  c.labels(["200"]).inc();
  c.labels({ code: "200" }).add(2);
  c.labels(["404"]).inc();
  const g = r.gauge({ name: "app_temp_celsius", help: 'Temp with "quotes", back\\slash and\nnewline.' });
  g.set(21.5);
  const gl = r.gauge({ name: "app_level", help: "Levels.", labelNames: ["tank", "kind"] });
  gl.labels(["a\"b", "x\\y"]).set(-0.125);
  gl.labels({ kind: "line\nbreak", tank: "t2" }).set(NaN);
  gl.labels(["inf", ""]).set(Infinity);
  gl.labels(["ninf", "z"]).set(-Infinity);
  const t = r.gauge({ name: "app_started_seconds", help: "Start time." });
  t.setToCurrentTime();
  const h = r.histogram({ name: "app_latency_seconds", help: "Latency.", buckets: [0.005, 0.5, 1, 2.5, 1000000] });
  h.observe(0.005); // on a bound: counted in that bucket
  h.observe(0.75);
  h.observe(3);
  h.observe(2000000);
  return r;
}

const TEXT_BODY = [
  "# HELP espruino_series_dropped_total " + DROPPED_HELP,
  "# TYPE espruino_series_dropped_total counter",
  'espruino_series_dropped_total{metric="app_requests_total"} 0',
  'espruino_series_dropped_total{metric="app_level"} 0',
  "# HELP espruino_collector_errors_total " + ERRORS_HELP,
  "# TYPE espruino_collector_errors_total counter",
  "# HELP app_requests_total Requests handled.",
  "# TYPE app_requests_total counter",
  'app_requests_total{code="200"} 3',
  'app_requests_total{code="500"} 0',
  'app_requests_total{code="404"} 1',
  '# HELP app_temp_celsius Temp with "quotes", back\\\\slash and\\nnewline.',
  "# TYPE app_temp_celsius gauge",
  "app_temp_celsius 21.5",
  "# HELP app_level Levels.",
  "# TYPE app_level gauge",
  'app_level{tank="a\\"b",kind="x\\\\y"} -0.125',
  'app_level{tank="t2",kind="line\\nbreak"} NaN',
  'app_level{tank="inf",kind=""} +Inf',
  'app_level{tank="ninf",kind="z"} -Inf',
  "# HELP app_started_seconds Start time.",
  "# TYPE app_started_seconds gauge",
  "app_started_seconds 1.70000000025e+09",
  "# HELP app_latency_seconds Latency.",
  "# TYPE app_latency_seconds histogram",
  'app_latency_seconds_bucket{le="0.005"} 1',
  'app_latency_seconds_bucket{le="0.5"} 1',
  'app_latency_seconds_bucket{le="1"} 2',
  'app_latency_seconds_bucket{le="2.5"} 2',
  'app_latency_seconds_bucket{le="1e+06"} 3',
  'app_latency_seconds_bucket{le="+Inf"} 4',
  "app_latency_seconds_sum 2.000003755e+06",
  "app_latency_seconds_count 4",
  "",
].join("\n");

const OM_BODY = [
  "# HELP espruino_series_dropped " + DROPPED_HELP,
  "# TYPE espruino_series_dropped counter",
  'espruino_series_dropped_total{metric="app_requests_total"} 0',
  'espruino_series_dropped_total{metric="app_level"} 0',
  "# HELP espruino_collector_errors " + ERRORS_HELP,
  "# TYPE espruino_collector_errors counter",
  "# HELP app_requests Requests handled.",
  "# TYPE app_requests counter",
  'app_requests_total{code="200"} 3',
  'app_requests_total{code="500"} 0',
  'app_requests_total{code="404"} 1',
  '# HELP app_temp_celsius Temp with \\"quotes\\", back\\\\slash and\\nnewline.',
  "# TYPE app_temp_celsius gauge",
  "app_temp_celsius 21.5",
  "# HELP app_level Levels.",
  "# TYPE app_level gauge",
  'app_level{tank="a\\"b",kind="x\\\\y"} -0.125',
  'app_level{tank="t2",kind="line\\nbreak"} NaN',
  'app_level{tank="inf",kind=""} +Inf',
  'app_level{tank="ninf",kind="z"} -Inf',
  "# HELP app_started_seconds Start time.",
  "# TYPE app_started_seconds gauge",
  "app_started_seconds 1.70000000025e+09",
  "# HELP app_latency_seconds Latency.",
  "# TYPE app_latency_seconds histogram",
  'app_latency_seconds_bucket{le="0.005"} 1',
  'app_latency_seconds_bucket{le="0.5"} 1',
  'app_latency_seconds_bucket{le="1.0"} 2',
  'app_latency_seconds_bucket{le="2.5"} 2',
  'app_latency_seconds_bucket{le="1e+06"} 3',
  'app_latency_seconds_bucket{le="+Inf"} 4',
  "app_latency_seconds_sum 2.000003755e+06",
  "app_latency_seconds_count 4",
  "# EOF",
  "",
].join("\n");

describe("exact exposition text", () => {
  it("text 0.0.4", () => {
    expect(body(sample(), TEXT)).toBe(TEXT_BODY);
  });

  it("OpenMetrics 1.0", () => {
    expect(body(sample(), OPENMETRICS)).toBe(OM_BODY);
  });

  it("text body passes promtool check metrics", () => {
    const r = promtoolCheckMetrics(TEXT_BODY);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("text body parses with the python text parser to the expected values", () => {
    const p = textParse(TEXT_BODY);
    expect(p.error).toBeUndefined();
    const fams = p.families!;
    expect(fams.map((f) => f.name)).toEqual([
      "espruino_series_dropped",
      "espruino_collector_errors",
      "app_requests",
      "app_temp_celsius",
      "app_level",
      "app_started_seconds",
      "app_latency_seconds",
    ]);
    const level = fams.find((f) => f.name === "app_level")!;
    expect(level.samples).toEqual([
      ["app_level", { tank: 'a"b', kind: "x\\y" }, -0.125],
      ["app_level", { tank: "t2", kind: "line\nbreak" }, "nan"],
      ["app_level", { tank: "inf", kind: "" }, "inf"],
      ["app_level", { tank: "ninf", kind: "z" }, "-inf"],
    ]);
    expect(fams.find((f) => f.name === "app_temp_celsius")!.help).toBe('Temp with "quotes", back\\slash and\nnewline.');
  });

  it("OpenMetrics body passes the strict OpenMetrics parser", () => {
    const p = openMetricsParse(OM_BODY);
    expect(p.error).toBeUndefined();
    expect(p.ok).toBe(true);
    const fams = p.families as { name: string; type: string; samples: [string, Record<string, string>, number][] }[];
    const hist = fams.find((f) => f.name === "app_latency_seconds")!;
    expect(hist.type).toBe("histogram");
    expect(hist.samples.map((s) => s[1].le).filter(Boolean)).toEqual(["0.005", "0.5", "1.0", "2.5", "1e+06", "+Inf"]);
    expect(fams.find((f) => f.name === "app_requests")!.type).toBe("counter");
  });

  it("default buckets are prom-client's .005 ... 10", () => {
    const r = new Registry();
    r.histogram({ name: "d_seconds", help: "D." }).observe(0.01);
    const les = body(r, TEXT)
      .split("\n")
      .filter((l) => l.startsWith("d_seconds_bucket"))
      .map((l) => l.substring(l.indexOf('"') + 1, l.lastIndexOf('"')));
    expect(les).toEqual(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]);
    expect(body(r, TEXT)).toContain('d_seconds_bucket{le="0.005"} 0\nd_seconds_bucket{le="0.01"} 1\n');
  });

  it("labelled histogram, bucket helpers, empty registry", () => {
    const r = new Registry();
    r.unregister("espruino_series_dropped_total"); // built-ins cannot be removed
    expect(r.metrics.length).toBe(2);
    const h = r.histogram({ name: "adc_volts", help: "Volts.", labelNames: ["channel"], buckets: linearBuckets(0, 1, 3) });
    h.labels(["0"]).observe(-1);
    h.labels(["1"]).observe(1.5);
    h.labels(["1"]).observe(2);
    const e = r.histogram({ name: "e_seconds", help: "E.", buckets: exponentialBuckets(0.001, 10, 4) });
    e.observe(0.05);
    const text = body(r, TEXT);
    expect(text.substring(text.indexOf("# HELP adc_volts"))).toBe(
      [
        "# HELP adc_volts Volts.",
        "# TYPE adc_volts histogram",
        'adc_volts_bucket{channel="0",le="0"} 1',
        'adc_volts_bucket{channel="0",le="1"} 1',
        'adc_volts_bucket{channel="0",le="2"} 1',
        'adc_volts_bucket{channel="0",le="+Inf"} 1',
        'adc_volts_sum{channel="0"} -1',
        'adc_volts_count{channel="0"} 1',
        'adc_volts_bucket{channel="1",le="0"} 0',
        'adc_volts_bucket{channel="1",le="1"} 0',
        'adc_volts_bucket{channel="1",le="2"} 2',
        'adc_volts_bucket{channel="1",le="+Inf"} 2',
        'adc_volts_sum{channel="1"} 3.5',
        'adc_volts_count{channel="1"} 2',
        "# HELP e_seconds E.",
        "# TYPE e_seconds histogram",
        'e_seconds_bucket{le="0.001"} 0',
        'e_seconds_bucket{le="0.01"} 0',
        'e_seconds_bucket{le="0.1"} 1',
        'e_seconds_bucket{le="1"} 1',
        'e_seconds_bucket{le="+Inf"} 1',
        "e_seconds_sum 0.05",
        "e_seconds_count 1",
        "",
      ].join("\n")
    );
    expect(promtoolCheckMetrics(text).status).toBe(0);
    // an empty registry (only the built-in families, which have no series yet)
    const empty = new Registry();
    expect(body(empty, TEXT)).toBe(
      "# HELP espruino_series_dropped_total " + DROPPED_HELP + "\n# TYPE espruino_series_dropped_total counter\n" +
        "# HELP espruino_collector_errors_total " + ERRORS_HELP + "\n# TYPE espruino_collector_errors_total counter\n"
    );
    expect(promtoolCheckMetrics(body(empty, TEXT)).status).toBe(0);
    expect(openMetricsParse(body(empty, OPENMETRICS)).ok).toBe(true);
  });
});

describe("cursor", () => {
  it("writes a family per next(), a large one in several pieces, and returns false at the end", () => {
    const r = sample();
    const { pieces } = renderAll(r, TEXT);
    expect(pieces.filter((p) => p.startsWith("# HELP ")).length).toBe(r.metrics.length);
    expect(pieces.length).toBeGreaterThan(r.metrics.length);
    for (const p of pieces) expect(p.split("\n").filter((l) => l.startsWith("# TYPE")).length).toBeLessThanOrEqual(1);
    expect(pieces.join("")).toBe(body(r, TEXT));
    const om = renderAll(r, OPENMETRICS).pieces;
    expect(om.filter((p) => p.startsWith("# HELP ")).length).toBe(r.metrics.length);
    expect(om[om.length - 1]).toBe("# EOF\n");
  });

  it("after the end next() keeps returning false and writes nothing; open() reuses a cursor", () => {
    const r = sample();
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) };
    const c = new Cursor().open(r, OPENMETRICS);
    while (c.next(sink));
    const n = out.length;
    expect(c.next(sink)).toBe(false);
    expect(out.length).toBe(n);
    c.open(r, TEXT);
    while (c.next(sink));
    expect(out.slice(n).join("")).toBe(body(r, TEXT));
  });

  it("each family is a consistent snapshot while values change between next() calls", () => {
    const r = new Registry();
    const h1 = r.histogram({ name: "h1", help: "H1.", buckets: [1, 2, 4] });
    const h2 = r.histogram({ name: "h2", help: "H2.", labelNames: ["c"], buckets: [1, 2, 4] });
    const cnt = r.counter({ name: "c_total", help: "C." });
    const observed: Record<string, number[]> = { h1: [], h2: [] };
    const obs = (v: number) => {
      h1.observe(v);
      h2.labels(["a"]).observe(v * 2);
      observed.h1.push(v);
      observed.h2.push(v * 2);
      cnt.inc();
    };
    obs(0.5);
    const c = open(r, TEXT);
    const pieces: string[] = [];
    const sink = { write: (s: string) => pieces.push(s) };
    const snapshots: Record<string, number[]> = {};
    let k = 0;
    while (true) {
      const name = r.metrics[k] ? r.metrics[k].name : "";
      snapshots[name] = observed[name] ? observed[name].slice() : [];
      if (!c.next(sink)) break;
      k++;
      obs(k * 1.5); // changes every family between calls
    }
    const text = pieces.join("");
    expect(promtoolCheckMetrics(text).status).toBe(0);
    const fams = textParse(text).families!;
    for (const name of ["h1", "h2"]) {
      const f = fams.find((x) => x.name === name)!;
      const val = (suffix: string, le?: string) =>
        f.samples.find((s) => s[0] === name + suffix && (le === undefined || s[1].le === le))![2] as number;
      const seen = snapshots[name];
      expect(val("_count")).toBe(seen.length);
      expect(val("_bucket", "+Inf")).toBe(val("_count"));
      expect(val("_sum")).toBe(seen.reduce((a, b) => a + b, 0));
      expect(val("_bucket", "2")).toBe(seen.filter((v) => v <= 2).length);
    }
  });

  it("a large family goes out in pieces that end at the first line past PIECE_CHARS characters, all from the snapshot of its first piece", () => {
    const r = new Registry();
    const g = r.gauge({ name: "many", help: "Many.", labelNames: ["i"], maxSeries: 200 });
    const h = r.histogram({ name: "wide", help: "Wide.", labelNames: ["c"], buckets: linearBuckets(1, 1, 30) });
    let round = 0;
    const change = () => {
      // every value changes between two pieces: round*1000 + i, and one more observation per child
      round++;
      for (let i = 0; i < 100; i++) g.labels([String(i)]).set(round * 1000 + i);
      h.labels(["a"]).observe(1.5);
      h.labels(["b"]).observe(2.5);
    };
    change();
    const c = open(r, TEXT);
    const pieces: string[] = [];
    let guard = 0;
    while (c.next({ write: (s: string) => pieces.push(s) })) {
      change();
      if (++guard > 1000) throw new Error("cursor does not end");
    }
    // every piece but a family's last holds PIECE_CHARS characters or more, and without its last line fewer (a
    // histogram child's last bucket, _sum and _count lines go together); a family's last piece may be shorter
    const lastLines = (p: string, k: number) => p.slice(0, p.length - 1).split("\n").slice(-k).join("\n").length + 1;
    const manyPieces = pieces.filter((p) => p.includes("many{"));
    const widePieces = pieces.filter((p) => p.includes("wide_"));
    for (const fam of [manyPieces, widePieces]) {
      expect(fam.length).toBeGreaterThan(2);
      for (const p of fam.slice(0, -1)) {
        expect(p.length).toBeGreaterThanOrEqual(PIECE_CHARS);
        expect(p.length - lastLines(p, /_count\{/.test(p.split("\n").at(-2) ?? "") ? 3 : 1)).toBeLessThan(PIECE_CHARS);
      }
    }
    // a wide child (33 lines, over 600 characters) is split between its bucket lines
    expect(widePieces.filter((p) => /^wide_bucket\{c="a"/m.test(p)).length).toBeGreaterThan(1);
    const text = pieces.join("");
    expect(promtoolCheckMetrics(text).status).toBe(0);
    expect(text.match(/^# TYPE many gauge$/gm)).toHaveLength(1);
    // one round for the whole family although it spans several pieces, each piece after a change
    const values = [...text.matchAll(/^many\{i="(\d+)"\} (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(values).toHaveLength(100);
    const rounds = new Set(values.map(([, v]) => Math.floor(v / 1000)));
    expect(rounds.size).toBe(1);
    for (const [i, v] of values) expect(v % 1000).toBe(i);
    // the histogram: both children from one snapshot (same count), _count = +Inf bucket, sums match
    const count = (ch: string) => Number(new RegExp('^wide_count\\{c="' + ch + '"\\} (\\d+)$', "m").exec(text)![1]);
    const inf = (ch: string) => Number(new RegExp('^wide_bucket\\{c="' + ch + '",le="\\+Inf"\\} (\\d+)$', "m").exec(text)![1]);
    expect(count("a")).toBe(count("b"));
    expect(inf("a")).toBe(count("a"));
    expect(text).toContain('wide_sum{c="b"} ' + 2.5 * count("b") + "\n");
  });

  it("OpenMetrics: a histogram with a negative bound or a negative sum is exposed without _sum/_count", () => {
    const r = new Registry();
    const temp = r.histogram({ name: "temp_celsius", help: "T.", buckets: [-10, 0, 10] });
    temp.observe(-5);
    temp.observe(5);
    const low = r.histogram({ name: "low_volts", help: "L.", labelNames: ["c"], buckets: [1, 2] });
    low.labels(["neg"]).observe(-3);
    low.labels(["pos"]).observe(1.5);
    const om = body(r, OPENMETRICS);
    const parsed = openMetricsParse(om);
    expect(parsed.error).toBeUndefined();
    expect(parsed.ok).toBe(true);
    expect(om).toContain('temp_celsius_bucket{le="-10.0"} 0\ntemp_celsius_bucket{le="0.0"} 1\ntemp_celsius_bucket{le="10.0"} 2\ntemp_celsius_bucket{le="+Inf"} 2\n# HELP low_volts');
    expect(om).not.toContain("temp_celsius_sum");
    expect(om).not.toContain('low_volts_sum{c="neg"}');
    expect(om).toContain('low_volts_sum{c="pos"} 1.5\nlow_volts_count{c="pos"} 1\n');
    // the text format has no such rule: every child keeps _sum and _count
    const text = body(r, TEXT);
    expect(text).toContain("temp_celsius_sum 0\ntemp_celsius_count 2\n");
    expect(text).toContain('low_volts_sum{c="neg"} -3\n');
    expect(promtoolCheckMetrics(text).status).toBe(0);
  });

  it("collectors run once per open(), before rendering; a throwing one is counted and the rest served", () => {
    const r = new Registry();
    const g = r.gauge({ name: "ring_depth", help: "Ring." });
    let runs = 0;
    r.addCollector({ name: "ring", collect: (reg) => { runs++; (reg.get("ring_depth") as typeof g).set(runs * 10); } });
    r.addCollector({ name: 'bad"one', collect: () => { throw new Error("boom"); } });
    const c = new Cursor().open(r, TEXT);
    expect(runs).toBe(1);
    const out: string[] = [];
    while (c.next({ write: (s: string) => out.push(s) }));
    expect(runs).toBe(1);
    const text = out.join("");
    expect(text).toContain("ring_depth 10\n");
    expect(text).toContain('espruino_collector_errors_total{collector="ring"} 0\nespruino_collector_errors_total{collector="bad\\"one"} 1\n');
    expect(body(r, TEXT)).toContain('espruino_collector_errors_total{collector="bad\\"one"} 2\n');
    expect(runs).toBe(2);
  });
});

describe("content type and negotiation", () => {
  it("exports the exact Content-Type strings", () => {
    expect(CONTENT_TYPE_TEXT).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(CONTENT_TYPE_OPENMETRICS).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(contentType(TEXT)).toBe(CONTENT_TYPE_TEXT);
    expect(contentType(OPENMETRICS)).toBe(CONTENT_TYPE_OPENMETRICS);
  });

  it.each([
    [undefined, TEXT],
    ["", TEXT],
    ["*/*", TEXT],
    ["text/plain", TEXT],
    ["application/openmetrics-text", OPENMETRICS],
    ["Application/OpenMetrics-Text; version=1.0.0", OPENMETRICS],
    // Prometheus 2.x/3.x scrape Accept headers
    ["application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OPENMETRICS],
    ["application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.9", TEXT],
    ["application/openmetrics-text;q=0", TEXT],
    ["text/plain;version=0.0.4;q=0.5,application/openmetrics-text;q=0.5", OPENMETRICS],
    ["application/json", TEXT],
  ])("Accept %j -> %i", (accept, fmt) => {
    expect(negotiate(accept)).toBe(fmt);
  });
});
