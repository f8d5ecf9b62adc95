// Helpers for the metrics-core suites: whole-body rendering through the cursor, and the independent
// python3-prometheus-client text parser (the OpenMetrics one is in test/support/system-tools.ts).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { openMetricsParse } from "../support/system-tools.js";
import { Cursor } from "../../firmware/exposition/cursor.js";
import type { Registry } from "../../firmware/metrics/registry.js";

/** Renders the whole body by calling next() until it returns false; also returns the pieces. */
export function renderAll(reg: Registry, fmt: number): { body: string; pieces: string[] } {
  const pieces: string[] = [];
  const sink = { write: (s: string) => pieces.push(s) };
  const c = new Cursor().open(reg, fmt);
  let guard = 0;
  while (c.next(sink)) if (++guard > 10000) throw new Error("cursor does not end");
  return { body: pieces.join(""), pieces };
}

export function body(reg: Registry, fmt: number): string {
  return renderAll(reg, fmt).body;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: [string, Record<string, string>, number][];
}

function python(): string {
  const py = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const probe = spawnSync(py, ["-c", "import prometheus_client.parser"], { encoding: "utf8" });
  if (probe.status !== 0) {
    // installs python3-prometheus-client when allowed (same path as the OpenMetrics helper)
    openMetricsParse("# EOF\n");
  }
  return py;
}

/**
 * Parses an OpenMetrics body with python3-prometheus-client's strict parser, like openMetricsParse in
 * test/support but with NaN/Inf values returned as the strings "nan"/"inf"/"-inf" (its JSON has bare NaN).
 */
export function omParse(text: string): { ok: boolean; error?: string; families?: ParsedFamily[] } {
  return runParser("prometheus_client.openmetrics.parser", text);
}

/** Parses a text 0.0.4 body with python3-prometheus-client's parser. NaN/Inf values come back as strings. */
export function textParse(text: string): { ok: boolean; error?: string; families?: ParsedFamily[] } {
  return runParser("prometheus_client.parser", text);
}

function runParser(module: string, text: string): { ok: boolean; error?: string; families?: ParsedFamily[] } {
  const script = [
    "import sys, json, math",
    "from " + module + " import text_string_to_metric_families",
    "def v(x):",
    "    return repr(x) if (math.isnan(x) or math.isinf(x)) else x",
    "try:",
    "    fams = []",
    "    for f in text_string_to_metric_families(sys.stdin.read()):",
    "        fams.append({'name': f.name, 'type': f.type, 'help': f.documentation,",
    "                     'samples': [[s.name, s.labels, v(s.value)] for s in f.samples]})",
    "    print(json.dumps({'ok': True, 'families': fams}))",
    "except Exception as e:",
    "    print(json.dumps({'ok': False, 'error': repr(e)}))",
  ].join("\n");
  const out = execFileSync(python(), ["-c", script], { input: text, encoding: "utf8", timeout: 30_000 });
  return JSON.parse(out);
}

/** Sorted, comparable view of parsed families: name/type/help and samples sorted by name+labels. */
export function normalise(fams: ParsedFamily[]): ParsedFamily[] {
  return fams
    .map((f) => ({
      name: f.name,
      type: f.type,
      help: f.help,
      samples: f.samples
        .filter((s) => !s[0].endsWith("_created"))
        .map((s) => [s[0], sortObj(s[1]), s[2]] as [string, Record<string, string>, number])
        .sort((a, b) => key(a).localeCompare(key(b))),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function sortObj(o: Record<string, string>): Record<string, string> {
  const r: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) r[k] = o[k];
  return r;
}

function key(s: [string, Record<string, string>, number]): string {
  return s[0] + JSON.stringify(s[1]);
}

/** Relative closeness; numbers from parsers may be NaN/inf strings. */
export function close(a: unknown, b: unknown, rel = 1e-12): boolean {
  if (typeof a !== "number" || typeof b !== "number") return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

export interface DocRow {
  name: string;
  type: string;
  labels: string[];
  unit: string;
  help: string;
  component: string;
  status: string;
}

/** Rows of the table in docs/metrics.md. */
export function docsTable(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cells = line.split(" | ").map((c) => c.replace(/^\| ?/, "").replace(/ ?\|$/, "").trim());
    if (cells.length !== 7) throw new Error("docs/metrics.md row does not have 7 cells: " + line);
    const [name, type, labels, unit, help, component, status] = cells;
    rows.push({
      name: name.replace(/`/g, ""),
      type,
      labels: labels === "—" ? [] : labels.split(",").map((l) => l.trim().replace(/`/g, "")),
      unit,
      help,
      component,
      status,
    });
  }
  return rows;
}
