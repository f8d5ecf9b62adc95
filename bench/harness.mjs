// Benchmark harness: suites return rows; the runner prints one table and writes bench/results.json.
import net from "node:net";

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
 * @property {number | null} [sim]  the simulator's estimate for the same scenario (suite "real"; null: it has none)
 * @property {string} [status]  why `value` could not be measured ("refused", "does not boot", ...); value is NaN
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
  const withSim = rows.some((r) => "sim" in r);
  const head = ["suite", "case", "metric", "value", "baseline", "ratio", ...(withSim ? ["sim", "sim/real"] : [])];
  const body = rows.map((r) => [
    r.suite,
    r.case,
    r.metric,
    r.status ?? fmt(r.value),
    r.baselineName ? r.baselineName + " = " + fmt(/** @type {number} */ (r.baseline)) : "",
    r.baseline && !r.status ? (r.value / r.baseline).toFixed(2) + "x" : "",
    ...(withSim
      ? "sim" in r
        ? typeof r.sim === "number" && Number.isFinite(r.sim)
          ? [fmt(r.sim), r.status || !r.value ? "" : (r.sim / r.value).toFixed(2) + "x"]
          : ["n/a", ""]
        : ["", ""]
      : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (/** @type {string[]} */ cells) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  return [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join("\n");
}

/** Progress line on stderr (the table goes to stdout). @param {string} msg */
export function progress(msg) {
  process.stderr.write("bench: " + msg + "\n");
}

/** @type {Map<string, Promise<import("../tools/build-entry.mjs").BuiltEntry>>} */
const built = new Map();

/**
 * Builds a firmware-dialect fixture entry (bench/fixtures/NAME.ts) once per process through the real pipeline.
 * @param {string} entry
 */
export function buildFixture(entry) {
  let p = built.get(entry);
  if (!p) {
    p = import("../tools/build-entry.mjs").then((m) => m.buildEntry(entry));
    built.set(entry, p);
  }
  return p;
}

/**
 * Linear-interpolated percentile (q in 0..1) of an unsorted list; NaN when empty.
 * @param {number[]} xs @param {number} q
 */
export function percentile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * GET `path` from 127.0.0.1:`port` over a raw socket (HTTP/1.1, the device closes); resolves with the raw reply
 * size and the wall time from connect() to close, or rejects after `timeoutMs`.
 * @param {number} port @param {string} path @param {number} [timeoutMs]
 * @returns {Promise<{bytes: number, ms: number, status: number, complete: boolean}>}
 */
export function httpGet(port, path, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = net.connect({ host: "127.0.0.1", port });
    let bytes = 0;
    /** @type {Buffer | undefined} */
    let first;
    let tail = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("GET " + path + " on port " + port + ": no reply within " + timeoutMs + " ms"));
    }, timeoutMs);
    sock.on("data", (b) => {
      if (!first) first = b;
      bytes += b.length;
      tail = (tail + b.toString("latin1")).slice(-16);
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("close", () => {
      clearTimeout(timer);
      const status = first ? Number(first.toString("latin1", 0, 16).split(" ")[1]) : 0;
      // complete: a chunked body ends with its last-chunk marker (the devices and fixtures always send chunked)
      resolve({ bytes, ms: performance.now() - t0, status, complete: tail.endsWith("0\r\n\r\n") });
    });
    sock.on("connect", () => sock.write("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n"));
  });
}
