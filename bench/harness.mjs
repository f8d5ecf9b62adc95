// Benchmark harness: suites return rows; the runner prints one table and writes bench/results.json.
// A row compares a subject against a baseline or peer measured in the same run (ratio = value / baseline).

/**
 * @typedef {object} BenchRow
 * @property {string} suite      suite name, e.g. "bundle"
 * @property {string} case       what was measured, e.g. "dist/firmware.min.js"
 * @property {string} metric     e.g. "bytes", "statements/sample", "ms (median)"
 * @property {number} value
 * @property {string} [baselineName]  what `value` is compared against
 * @property {number} [baseline]
 * @property {number} [repeats]  how many runs the median is over
 */

/**
 * @typedef {object} BenchSuite
 * @property {string} name
 * @property {(opts: {quick: boolean}) => Promise<BenchRow[]> | BenchRow[]} run
 */

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median wall time of `fn` in milliseconds over `repeats` runs after `warmup` runs.
 * @param {() => unknown} fn @param {{repeats?: number, warmup?: number}} [o]
 */
export function timeMs(fn, o = {}) {
  const repeats = o.repeats ?? 7;
  const warmup = o.warmup ?? 2;
  for (let i = 0; i < warmup; i++) fn();
  /** @type {number[]} */
  const t = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

/** @param {number} v */
function fmt(v) {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** @param {BenchRow[]} rows */
export function formatTable(rows) {
  const head = ["suite", "case", "metric", "value", "baseline", "ratio"];
  const body = rows.map((r) => [
    r.suite,
    r.case,
    r.metric,
    fmt(r.value),
    r.baselineName ? r.baselineName + " = " + fmt(/** @type {number} */ (r.baseline)) : "",
    r.baseline ? (r.value / r.baseline).toFixed(2) + "x" : "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (/** @type {string[]} */ cells) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  return [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join("\n");
}
