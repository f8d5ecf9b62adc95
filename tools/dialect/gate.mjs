// The Espruino dialect gate's engine: layer 1 lints TypeScript sources, layer 2 checks emitted ES5 bundles (acorn
// ES5 parse + ESLint with the bundle rules), mapping bundle findings to TypeScript lines through the hidden source map.
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { Linter } from "eslint";
import * as acorn from "acorn";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { typescriptConfig } from "./typescript-config.mjs";
import { bundleConfig, EXPLAIN } from "./bundle-config.mjs";

/**
 * One finding. `line`/`column` are 1-based positions in `file`; `source` is the TypeScript origin of a bundle finding.
 * @typedef {{ file: string, line: number, column: number, ruleId: string, message: string, source?: { file: string, line: number } }} Finding
 */

/** @param {string} p */
const display = (p) => {
  const r = relative(process.cwd(), p);
  return (r && !r.startsWith("..") ? r : p).split(sep).join("/");
};

/**
 * Minimal glob: `*` matches within a path segment, `**` any number of segments. Returns sorted absolute paths.
 * @param {string} pattern
 * @returns {string[]}
 */
export function expandGlob(pattern) {
  if (!/[*?]/.test(pattern)) return existsSync(pattern) ? [resolve(pattern)] : [];
  const parts = pattern.split(/[\\/]/);
  const firstWild = parts.findIndex((s) => /[*?]/.test(s));
  const base = resolve(parts.slice(0, firstWild).join("/") || ".");
  const rest = parts.slice(firstWild).join("/");
  const re = new RegExp(
    "^" +
      rest
        .split("/")
        .map((seg) => (seg === "**" ? "(?:[^/]+/)*" : seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]") + "/"))
        .join("")
        .replace(/\/$/, "") +
      "$",
  );
  /** @type {string[]} */
  const out = [];
  /** @param {string} dir @param {string} rel */
  const walk = (dir, rel) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      const r = rel ? rel + "/" + e.name : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (re.test(r)) out.push(join(dir, e.name));
    }
  };
  walk(base, "");
  return out.sort();
}

const linter = new Linter({ configType: "flat" });

/**
 * The name given to ESLint: flat configs only match files under the working directory, and the gate also checks
 * files elsewhere (temp builds), so every file is linted under a synthetic in-tree name with the same extension.
 * @param {string} f
 */
const lintName = (f) => join(process.cwd(), "__espruino_dialect__", basename(f));

/**
 * Layer 1: lints TypeScript files.
 * @param {string[]} files absolute or cwd-relative paths
 * @returns {Finding[]}
 */
export function checkTypeScript(files) {
  const config = typescriptConfig(["**/*.ts"]);
  /** @type {Finding[]} */
  const out = [];
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const m of linter.verify(text, config, { filename: lintName(f) })) {
      out.push({
        file: display(f),
        line: m.line || 1,
        column: m.column || 1,
        ruleId: m.ruleId || (m.fatal ? "parse-error" : "eslint"),
        message: m.message + (m.ruleId && EXPLAIN[m.ruleId] ? EXPLAIN[m.ruleId] : ""),
      });
    }
  }
  return out;
}

/**
 * Loads `bundle`.map (if present) and returns a lookup from bundle positions to TypeScript positions.
 * @param {string} bundle
 */
function loadSourceMap(bundle) {
  const mapFile = bundle + ".map";
  if (!existsSync(mapFile)) return null;
  let json;
  try {
    json = JSON.parse(readFileSync(mapFile, "utf8"));
  } catch {
    return null;
  }
  const map = new TraceMap(json);
  const root = resolve(dirname(mapFile), json.sourceRoot || "");
  /** @type {Map<string, string[] | null>} */
  const texts = new Map();
  /**
   * @param {number} line 1-based
   * @param {number} column 0-based
   * @returns {{ file: string, line: number, column: number, text: string } | null}
   */
  return (line, column) => {
    const pos = originalPositionFor(map, { line, column });
    if (!pos.source || pos.line == null) return null;
    const abs = resolve(root, pos.source);
    if (!texts.has(abs)) texts.set(abs, existsSync(abs) ? readFileSync(abs, "utf8").split(/\r?\n/) : null);
    const lines = texts.get(abs);
    return { file: display(abs), line: pos.line, column: pos.column || 0, text: (lines && lines[pos.line - 1]) || "" };
  };
}

/**
 * Layer 2: checks one emitted bundle.
 * @param {string} bundle path of the .js file (its source map is bundle + ".map")
 * @returns {Finding[]}
 */
export function checkBundle(bundle) {
  const file = display(bundle);
  if (!existsSync(bundle)) {
    return [{ file, line: 1, column: 1, ruleId: "missing-bundle", message: "bundle not found: run `npm run build` first" }];
  }
  const text = readFileSync(bundle, "utf8");
  const lookup = loadSourceMap(bundle);
  /** @param {number} line @param {number} column0 */
  const origin = (line, column0) => {
    const o = lookup ? lookup(line, column0) : null;
    return o ? { file: o.file, line: o.line } : undefined;
  };
  try {
    acorn.parse(text, { ecmaVersion: 5, sourceType: "script", locations: true });
  } catch (err) {
    const e = /** @type {any} */ (err);
    const line = e.loc ? e.loc.line : 1;
    const column = e.loc ? e.loc.column : 0;
    return [
      {
        file,
        line,
        column: column + 1,
        ruleId: "es5-syntax",
        message: `not ES5 (acorn ecmaVersion 5): ${String(e.message).replace(/ \(\d+:\d+\)$/, "")}; Espruino rejects it when the code is reached`,
        source: origin(line, column),
      },
    ];
  }
  /** @type {Finding[]} */
  const out = [];
  const config = bundleConfig(lookup ? (l, c) => lookup(l, c) : undefined);
  for (const m of linter.verify(text, config, { filename: lintName(bundle) })) {
    out.push({
      file,
      line: m.line || 1,
      column: m.column || 1,
      ruleId: m.ruleId || (m.fatal ? "parse-error" : "eslint"),
      message: m.message + (m.ruleId && EXPLAIN[m.ruleId] ? EXPLAIN[m.ruleId] : ""),
      source: origin(m.line || 1, (m.column || 1) - 1),
    });
  }
  return out;
}

/** @param {Finding} f */
export function formatFinding(f) {
  return `${f.file}:${f.line}:${f.column}  ${f.ruleId}  ${f.message}` + (f.source ? ` (from ${f.source.file}:${f.source.line})` : "");
}
