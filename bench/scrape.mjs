// Scrape cost at 10/50/200 series (bench/fixtures/scrape.ts: families of 10 counters or gauges, plus the
// registry's own espruino_series_dropped_total child per labelled family, as the firmware's Registry adds it).
// - "cursor": the firmware's Cursor streamed one piece per `drain` over the simulator's real HTTP (chunked,
//   at most 536 bytes per idle-loop pass), structured like firmware/runtime/http-server.ts;
// - "naive": the whole body built with `+=` and String(value), sent with one res.end(body);
// - "prom-client": registry.metrics() of prom-client 15 on the same families, labels and values, in Node
//   (Node time only: it cannot run on Espruino).
// Details: docs/host-tools.md "bench/scrape.mjs".
import client from "prom-client";
import { SimDevice } from "../host-sim/index.mjs";
import { buildFixture, median, progress, httpGet, timeMs } from "./harness.mjs";

const ENTRY = "bench/fixtures/scrape.ts";
const SIZES = [10, 50, 200];

/** @param {string} bundle @param {boolean} cost */
async function device(bundle, cost) {
  const d = new SimDevice({
    bundle,
    board: "esp32-devkitc",
    costModel: cost ? { sampleEvery: 200, endSampleMin: 0 } : false,
    hostPort: 0,
  });
  await d.boot();
  return d;
}

/** The same metric set in prom-client. @param {number} series */
function promRegistry(series) {
  const reg = new client.Registry();
  const fams = Math.ceil(series / 10);
  const dropped = new client.Counter({
    name: "espruino_series_dropped_total",
    help: "New label sets refused by the cardinality guard (per-metric or per-registry series limit), per metric.",
    labelNames: ["metric"],
    registers: [reg],
  });
  new client.Counter({
    name: "espruino_collector_errors_total",
    help: "Scrape-time collector runs that threw; the rest of the scrape was still served.",
    labelNames: ["collector"],
    registers: [reg],
  });
  let made = 0;
  for (let f = 0; f < fams; f++) {
    const counter = f % 2 === 0;
    const name = counter ? "bench_events_" + f + "_total" : "bench_level_" + f;
    dropped.labels(name).inc(0);
    if (counter) {
      const m = new client.Counter({ name, help: "Events seen by source " + f + ".", labelNames: ["ch"], registers: [reg] });
      for (let i = 0; i < 10 && made < series; i++, made++) m.labels("c" + i).inc(f * 1000 + i * 7 + 1);
    } else {
      const m = new client.Gauge({ name, help: "Level reported by source " + f + ".", labelNames: ["ch"], registers: [reg] });
      for (let i = 0; i < 10 && made < series; i++, made++) m.labels("c" + i).set(f + (i * 37) / 100 - 3 / 2);
    }
  }
  return reg;
}

/** @type {import("./harness.mjs").BenchSuite} */
export default {
  name: "scrape",
  async run({ quick }) {
    const b = await buildFixture(ENTRY);
    const repeats = quick ? 3 : 7;
    /** @type {import("./harness.mjs").BenchRow[]} */
    const rows = [];
    const S = "scrape";
    for (const n of SIZES) {
      // ---- cost model on: statements, virtual ms, JsVars
      const d = await device(b.minified, true);
      /** @type {Record<string, {st: number, ins: number, ms: number, peak: number, bytes: number}>} */
      const http = {};
      /** @type {Record<string, number>} */
      const renderSt = {};
      /** @type {Record<string, number>} */
      const renderIns = {};
      let perSeriesJsVars = 0;
      try {
        const before = d.memory.measure();
        const made = /** @type {number} */ (d.evaluate("__b.setup(" + n + ")"));
        if (made !== n) throw new Error("scrape fixture made " + made + " series, not " + n);
        perSeriesJsVars = (d.memory.measure() - before) / n;
        for (const k of ["cursor", "naive"]) {
          const rc = Array.from({ length: repeats }, () => d.cost.count(() => d.evaluate("__b.render(" + JSON.stringify(k) + ")")));
          renderSt[k] = median(rc.map((c) => c.statements));
          renderIns[k] = median(rc.map((c) => c.instructions));
          const path = k === "cursor" ? "/metrics" : "/naive";
          const port = /** @type {number} */ (d.hostPort(80));
          await httpGet(port, path); // warm (pooled cursor, snapshot buffer grown)
          /** @type {number[]} */ const st = [];
          /** @type {number[]} */ const ins = [];
          /** @type {number[]} */ const ms = [];
          /** @type {number[]} */ const peak = [];
          let bytes = 0;
          for (let r = 0; r < repeats; r++) {
            const idle = d.memory.measure();
            d.memory.resetPeak();
            const s0 = d.cost.stats.statements;
            const i0 = d.cost.instructions();
            const c0 = d.cost.stats.chargedMs;
            const g = await httpGet(port, path);
            if (g.status !== 200) throw new Error(path + ": HTTP " + g.status);
            bytes = g.bytes;
            st.push(d.cost.stats.statements - s0);
            ins.push(d.cost.instructions() - i0);
            ms.push(d.cost.stats.chargedMs - c0);
            peak.push(d.memory.peak - idle);
          }
          http[k] = { st: median(st), ins: median(ins), ms: median(ms), peak: median(peak), bytes };
        }
      } finally {
        await d.stop();
      }

      // ---- cost model off: Node time
      const u = await device(b.minified, false);
      /** @type {Record<string, number>} */ const renderMs = {};
      /** @type {Record<string, number>} */ const httpMs = {};
      try {
        u.evaluate("__b.setup(" + n + ")");
        for (const k of ["cursor", "naive"]) {
          renderMs[k] = timeMs(() => u.evaluate("__b.render(" + JSON.stringify(k) + ")"), { repeats: repeats * 3, warmup: 5 });
          const port = /** @type {number} */ (u.hostPort(80));
          const path = k === "cursor" ? "/metrics" : "/naive";
          for (let w = 0; w < 3; w++) await httpGet(port, path);
          /** @type {number[]} */ const t = [];
          for (let r = 0; r < repeats; r++) t.push((await httpGet(port, path)).ms);
          httpMs[k] = median(t);
        }
      } finally {
        await u.stop();
      }

      // ---- prom-client (Node only)
      const pr = promRegistry(n);
      for (let w = 0; w < 5; w++) await pr.metrics();
      /** @type {number[]} */ const pt = [];
      for (let r = 0; r < repeats * 3; r++) {
        const t0 = process.hrtime.bigint();
        await pr.metrics();
        pt.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const promMs = median(pt);

      const c = "" + n + " series";
      rows.push(
        { suite: S, case: c + ": cursor render", metric: "statements/series", value: renderSt.cursor / n, baselineName: "naive +=", baseline: renderSt.naive / n, repeats },
        { suite: S, case: c + ": cursor render", metric: "instructions/series", value: renderIns.cursor / n, baselineName: "naive +=", baseline: renderIns.naive / n, repeats },
        { suite: S, case: c + ": cursor render", metric: "Node µs/series (cost model off)", value: (renderMs.cursor * 1000) / n, baselineName: "naive +=", baseline: (renderMs.naive * 1000) / n, repeats: repeats * 3 },
        { suite: S, case: c + ": prom-client metrics() (Node only)", metric: "Node µs/series", value: (promMs * 1000) / n, baselineName: "cursor in sim", baseline: (renderMs.cursor * 1000) / n, repeats: repeats * 3 },
        { suite: S, case: c + ": registry state", metric: "JsVars/series", value: perSeriesJsVars },
        { suite: S, case: c + ": cursor over HTTP (" + http.cursor.bytes + " B)", metric: "statements/scrape", value: http.cursor.st, baselineName: "naive end(body)", baseline: http.naive.st, repeats },
        { suite: S, case: c + ": cursor over HTTP", metric: "instructions/scrape", value: http.cursor.ins, baselineName: "naive end(body)", baseline: http.naive.ins, repeats },
        { suite: S, case: c + ": cursor over HTTP", metric: "virtual ms/scrape (43 µs/stmt + native)", value: http.cursor.ms, baselineName: "naive end(body)", baseline: http.naive.ms, repeats },
        { suite: S, case: c + ": cursor over HTTP", metric: "peak JsVars above idle", value: http.cursor.peak, baselineName: "naive end(body)", baseline: http.naive.peak, repeats },
        { suite: S, case: c + ": cursor over HTTP", metric: "Node ms/scrape (cost model off)", value: httpMs.cursor, baselineName: "naive end(body)", baseline: httpMs.naive, repeats },
      );
      progress("scrape: " + n + " series: cursor " + http.cursor.st + " statements / " + (http.cursor.ins / 1e6).toFixed(2) + " M instructions, naive " + http.naive.st + " / " + (http.naive.ins / 1e6).toFixed(2) + " M; peak JsVars " + http.cursor.peak + " vs " + http.naive.peak);
    }
    // JsVars/series: compare each size against the 10-series registry (fixed costs amortised)
    const base = rows.find((r) => r.metric === "JsVars/series");
    for (const r of rows) if (r.metric === "JsVars/series" && r !== base && base) Object.assign(r, { baselineName: "at 10 series", baseline: base.value });
    return rows;
  },
};
