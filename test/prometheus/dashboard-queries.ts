// The Grafana dashboard's and the rules' queries, parsed: what test/prometheus/dashboard.test.ts checks for syntax
// and known names, and test/metrics/reference.server.test.ts against the metrics a booted device serves.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { docsTable } from "../metrics/helpers.js";

const root = resolve(__dirname, "../..");
export const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/espruino-telemetry.json"), "utf8")) as Dashboard;
export const rulesText = readFileSync(join(root, "deploy/prometheus/rules/espruino.rules.yml"), "utf8");
const metricsDoc = join(root, "docs/metrics.md");

/** Series Prometheus itself creates. */
export const PROMETHEUS_SERIES = ["up", "scrape_duration_seconds", "ALERTS"];

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
export function ruleExprs(text: string): string[] {
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

export const recordNames = [...rulesText.matchAll(/^\s*- record:\s*(\S+)\s*$/gm)].map((m) => m[1]);

interface Target {
  expr?: string;
  refId?: string;
  instant?: boolean;
  format?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
  transformations?: { id: string; options?: Record<string, unknown> }[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export function allPanels(panels: Panel[]): Panel[] {
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

export const defined = new Set(dashboard.templating.list.map((v) => v.name));
export const { names: deviceNames, source } = deviceMetricNames();
export const known = new Set([...deviceNames, ...recordNames, ...PROMETHEUS_SERIES]);
export const panels = allPanels(dashboard.panels).filter((p) => p.type !== "row");
export const queries = [
  ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: "panel " + p.id + " " + JSON.stringify(p.title) + " " + t.refId, expr: t.expr ?? "" }))),
  ...dashboard.templating.list.flatMap((v) => {
    const q = variableQuery(v);
    return q ? [{ where: "variable $" + v.name, expr: q }] : [];
  }),
];
