// deploy/grafana/espruino-telemetry.json: every query (panel targets and template variable queries), with the
// template variables substituted, parses as PromQL (@prometheus-io/lezer-promql, no error node) and names only
// known metrics: the device's metrics (the reference docs/metrics.md, histogram suffixes included), the recording
// rules, and Prometheus' own series (up, scrape_duration_seconds, ALERTS).
// The rules' expressions are held to the same list.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { docsTable } from "../metrics/helpers.js";

const root = resolve(__dirname, "../..");
const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/espruino-telemetry.json"), "utf8")) as Dashboard;
const rulesText = readFileSync(join(root, "deploy/prometheus/rules/espruino.rules.yml"), "utf8");
const metricsDoc = join(root, "docs/metrics.md");

/** Series Prometheus itself creates. */
const PROMETHEUS_SERIES = ["up", "scrape_duration_seconds", "ALERTS"];

/** The device's metric names from the reference docs/metrics.md, with the sample names of its histograms. */
function deviceMetricNames(): { names: Set<string>; source: string } {
  const names = new Set<string>();
  for (const row of docsTable(readFileSync(metricsDoc, "utf8"))) {
    names.add(row.name);
    if (row.type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(row.name + s);
  }
  return { names, source: "docs/metrics.md" };
}

/** The `expr:` values of a rules file: plain scalars and `|` / `>` blocks (lines indented deeper than `expr:`). */
function ruleExprs(text: string): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (!/^[|>][-+]?$/.test(m[2])) {
      out.push(m[2].trim());
      return;
    }
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j].trim() === "" || /^\s*/.exec(lines[j])![0].length > m[1].length); j++) {
      body.push(lines[j].trim());
    }
    out.push(body.join(" ").trim());
  });
  return out;
}

const recordNames = [...rulesText.matchAll(/^\s*- record:\s*(\S+)\s*$/gm)].map((m) => m[1]);

interface Target {
  expr?: string;
  refId?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const DURATION_VARS: Record<string, string> = { __rate_interval: "1m", __interval: "30s", __range: "6h", __auto: "1m" };
const NUMBER_VARS: Record<string, string> = { __range_s: "21600", __range_ms: "21600000", __interval_ms: "30000" };

/** Replaces $var, ${var}, ${var:fmt} and [[var]]; throws on a variable the dashboard does not define. */
export function substitute(expr: string, defined: Set<string>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]/g, (_m, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c) as string;
    if (name in DURATION_VARS) return DURATION_VARS[name];
    if (name in NUMBER_VARS) return NUMBER_VARS[name];
    if (defined.has(name)) return "value_of_" + name;
    throw new Error("unknown template variable $" + name + " in: " + expr);
  });
}

/** Parses a PromQL expression: error nodes and the metric names it selects. */
export function analyse(expr: string): { errors: string[]; metrics: string[]; unnamedSelectors: number } {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const metrics: string[] = [];
  let unnamedSelectors = 0;
  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    if (node.type.isError) errors.push("syntax error at " + node.from + ": " + JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.from + 10)));
    if (node.name === "VectorSelector") {
      const id = node.getChild("Identifier");
      if (id) {
        metrics.push(expr.slice(id.from, id.to));
      } else {
        const m = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(node.from, node.to));
        if (m) metrics.push(m[1]);
        else unnamedSelectors++;
      }
    }
  } while (cursor.next());
  return { errors, metrics, unnamedSelectors };
}

/** All problems of one query: syntax, unknown metrics, selectors without a metric name. */
export function checkQuery(expr: string, defined: Set<string>, known: Set<string>): string[] {
  const a = analyse(substitute(expr, defined));
  const problems = [...a.errors];
  for (const m of a.metrics) if (!known.has(m)) problems.push("unknown metric " + m);
  if (a.unnamedSelectors) problems.push("selector without a metric name");
  return problems;
}

/** `label_values(selector, label)` -> selector; other variable queries are PromQL themselves. */
function variableQuery(v: Variable): string | undefined {
  const q = typeof v.query === "string" ? v.query : v.query?.query;
  if (v.type !== "query" || !q) return undefined;
  const lv = /^\s*label_values\(\s*(.*),\s*\w+\s*\)\s*$/.exec(q);
  if (lv) return lv[1];
  const qr = /^\s*query_result\((.*)\)\s*$/.exec(q);
  return qr ? qr[1] : q;
}

const defined = new Set(dashboard.templating.list.map((v) => v.name));
const { names: deviceNames, source } = deviceMetricNames();
const known = new Set([...deviceNames, ...recordNames, ...PROMETHEUS_SERIES]);
const panels = allPanels(dashboard.panels).filter((p) => p.type !== "row");
const queries = [
  ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: "panel " + p.id + " " + JSON.stringify(p.title) + " " + t.refId, expr: t.expr ?? "" }))),
  ...dashboard.templating.list.flatMap((v) => {
    const q = variableQuery(v);
    return q ? [{ where: "variable $" + v.name, expr: q }] : [];
  }),
];

describe("Grafana dashboard", () => {
  it("has the template variables and both views", () => {
    expect(dashboard.uid).toBe("espruino-telemetry");
    for (const v of ["datasource", "device", "location", "channel"]) expect(defined).toContain(v);
    const rows = allPanels(dashboard.panels).filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(["Device: $device", "Fleet: $location"]);
    expect(panels.length).toBe(29);
  });

  it("has unique panel ids, a grid position for each and a query in every panel", () => {
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos, p.title).toBeDefined();
      expect((p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0), p.title).toBeLessThanOrEqual(24);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr, p.title).toMatch(/\S/);
    }
  });

  it("covers signal, heatmap, rates, drops, missed ticks, memory, Wi-Fi, scrape duration and boots", () => {
    const all = queries.map((q) => q.expr).join("\n");
    for (const m of [
      "espruino_adc_last_volts",
      "espruino_adc_min_volts",
      "espruino_adc_max_volts",
      "espruino_adc_volts_bucket",
      "espruino:adc_samples_taken:rate1m",
      "espruino:adc_samples_dropped:ratio_rate5m",
      "espruino:sampler_ticks_missed:rate5m",
      "espruino_memory_jsvars",
      "espruino_wifi_rssi_dbm",
      "espruino_wifi_reconnects_total",
      "espruino_scrape_duration_seconds",
      "espruino_boots_total",
    ]) {
      expect(all).toContain(m);
    }
    expect(panels.some((p) => p.type === "heatmap")).toBe(true);
    expect(all).toContain('device=~"$device"');
  });

  it("every query parses as PromQL and names only known metrics (" + source + ", recording rules, Prometheus series)", () => {
    expect(queries.length).toBeGreaterThan(40);
    const problems = queries.flatMap((q) => checkQuery(q.expr, defined, known).map((p) => q.where + ": " + p));
    expect(problems).toEqual([]);
  });

  it("the checker catches unknown metrics, syntax errors, unnamed selectors and undefined variables", () => {
    expect(checkQuery('espruino_adc_volt{device=~"$device"}', defined, known)).toEqual(["unknown metric espruino_adc_volt"]);
    expect(checkQuery("rate(espruino_boots_total[$__rate_interval]", defined, known).join()).toMatch(/syntax error/);
    expect(checkQuery('sum(rate(espruino_boots_total{device="x"}[5m])) by', defined, known).join()).toMatch(/syntax error/);
    expect(checkQuery('{device="x"}', defined, known)).toEqual(["selector without a metric name"]);
    expect(checkQuery('{__name__="espruino_nope"}', defined, known)).toEqual(["unknown metric espruino_nope"]);
    expect(() => checkQuery("espruino_boots_total{device=~\"$nodevice\"}", defined, known)).toThrow(/unknown template variable \$nodevice/);
    expect(checkQuery("espruino:nope:rate1m", defined, known)).toEqual(["unknown metric espruino:nope:rate1m"]);
  });

  it("the recording rules and alerts use only known metrics", () => {
    const exprs = ruleExprs(rulesText);
    expect(exprs.length).toBe(28);
    const problems = exprs.flatMap((e) => checkQuery(e, new Set(), known).map((p) => e + ": " + p));
    expect(problems).toEqual([]);
  });
});
