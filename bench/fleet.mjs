// Fleet: N simulated devices (host-sim/fleet.mjs startFleet: the real dist/firmware.min.js, real-time clock, cost
// model off, one channel at 10 Hz each, every device on its own 127.0.0.1 port) scraped like Prometheus does at a
// 1 s interval: each device once per second, the N scrapes spread evenly over the second. Latency = connect to
// close of a full GET /metrics, in Node wall time. Node heap/RSS growth per device is measured after start.
// Every loop is bounded (fixed rounds, 10 s per request) and every fleet is stopped.
import { startFleet } from "../host-sim/fleet.mjs";
import { startFleetThreads, autoWorkers } from "../host-sim/fleet-threads.mjs";
import { httpGet, percentile, progress } from "./harness.mjs";
import { startPrometheus } from "./prometheus.mjs";

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {number} n @param {number} seconds
 * @returns {Promise<{p50: number, p99: number, ok: number, failed: number, heapPerDev: number, rssPerDev: number, startMs: number}>}
 */
async function measure(n, seconds, workers = 0, warm = 0) {
  globalThis.gc?.();
  const m0 = process.memoryUsage();
  const fleet = workers > 0 ? await startFleetThreads({ devices: n, workers, basePort: 0, clock: "realtime" }) : await startFleet({ devices: n, basePort: 0, clock: "realtime" });
  try {
    const m1 = process.memoryUsage();
    const ports = fleet.devices.map((d) => d.hostPort);
    /** @type {number[]} */
    const lat = [];
    let failed = 0;
    /** @type {Promise<void>[]} */
    const pending = [];
    const t0 = performance.now();
    for (let s = 0; s < seconds; s++) {
      for (let i = 0; i < n; i++) {
        const due = t0 + s * 1000 + (i * 1000) / n;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        pending.push(
          httpGet(ports[i], "/metrics", 10000).then(
            (r) => {
              if (s < warm) return; // warm-up: the realms' code is being compiled and optimised
              if (r.status === 200) lat.push(r.ms);
              else failed++;
            },
            () => {
              if (s >= warm) failed++;
            },
          ),
        );
      }
    }
    await Promise.all(pending);
    return {
      p50: percentile(lat, 0.5),
      p99: percentile(lat, 0.99),
      ok: lat.length,
      failed,
      heapPerDev: (m1.heapUsed - m0.heapUsed) / n / 1048576,
      rssPerDev: (m1.rss - m0.rss) / n / 1048576,
      startMs: fleet.startMs,
    };
  } finally {
    await fleet.stop();
  }
}

/**
 * N devices on worker threads scraped by a real Prometheus every second for `seconds`: the share of scrapes up
 * and the p50/p99 of scrape_duration_seconds over the last `window` seconds (before, Prometheus creates its 50 000
 * series and the realms' code is compiled: scrapes there take up to a few hundred ms).
 * @param {number} n @param {number} workers @param {number} seconds @param {number} window
 */
async function measurePrometheus(n, workers, seconds, window) {
  const fleet = await startFleetThreads({ devices: n, workers, basePort: 0, clock: "realtime" });
  try {
    const prom = await startPrometheus((file) => fleet.writeTargets(file));
    if (!prom) return undefined;
    try {
      await sleep(seconds * 1000);
      const win = window + "s";
      const dur = (await prom.raw(`scrape_duration_seconds{job="fleet"}[${win}]`)).flatMap((s) => s.values.map(([, v]) => Number(v) * 1000));
      const up = (await prom.raw(`up{job="fleet"}[${win}]`)).flatMap((s) => s.values.map(([, v]) => Number(v)));
      return { p50: percentile(dur, 0.5), p99: percentile(dur, 0.99), scrapes: up.length, upShare: up.filter((v) => v === 1).length / Math.max(1, up.length), targets: new Set((await prom.raw(`up{job="fleet"}[${win}]`)).map((s) => s.metric.instance)).size };
    } finally {
      await prom.stop();
    }
  } finally {
    await fleet.stop();
  }
}

/** @type {import("./harness.mjs").BenchSuite} */
export default {
  name: "fleet",
  async run({ quick }) {
    const sizes = quick ? [50] : [50, 200, 500];
    const seconds = quick ? 5 : 10;
    /** @type {import("./harness.mjs").BenchRow[]} */
    const rows = [];
    /** @type {{p50: number, heapPerDev: number} | undefined} */
    let first;
    for (const n of sizes) {
      progress("fleet: starting " + n + " devices");
      const r = await measure(n, seconds);
      progress(
        "fleet: " + n + " devices: p50 " + r.p50.toFixed(1) + " ms, p99 " + r.p99.toFixed(1) + " ms, " + r.ok + " ok, " + r.failed + " failed (started in " + Math.round(r.startMs) + " ms)",
      );
      const c = n + " devices, 1 s interval";
      const F = "fleet";
      const scrapes = r.ok + r.failed;
      rows.push(
        { suite: F, case: c, metric: "scrape p50 ms (real time)", value: r.p50, ...(first ? { baselineName: "p50 at " + sizes[0], baseline: first.p50 } : {}), repeats: scrapes },
        { suite: F, case: c + (r.failed ? " (" + r.failed + " failed)" : ""), metric: "scrape p99 ms (real time)", value: r.p99, baselineName: "p50", baseline: r.p50, repeats: scrapes },
        { suite: F, case: c, metric: "Node heap MiB/device", value: r.heapPerDev, ...(first ? { baselineName: "at " + sizes[0], baseline: first.heapPerDev } : {}) },
        { suite: F, case: c, metric: "Node RSS MiB/device", value: r.rssPerDev, baselineName: "heap", baseline: r.heapPerDev },
      );
      first ??= r;
    }
    if (!quick) {
      // the same 500 on worker threads (one per core): beside the single-thread row above, and under a real Prometheus
      const n = 500;
      const w = autoWorkers(n);
      progress("fleet: starting " + n + " devices on " + w + " worker threads");
      const r = await measure(n, seconds + 5, w, 5);
      progress("fleet: " + n + " devices on " + w + " threads: p50 " + r.p50.toFixed(1) + " ms, p99 " + r.p99.toFixed(1) + " ms, " + r.ok + " ok, " + r.failed + " failed");
      const single = rows.find((x) => x.case === n + " devices, 1 s interval" && x.metric === "scrape p50 ms (real time)");
      const c = n + " devices on " + w + " worker threads, 1 s interval, after 5 s";
      const scrapes = r.ok + r.failed;
      rows.push(
        { suite: "fleet", case: c, metric: "scrape p50 ms (real time)", value: r.p50, ...(single ? { baselineName: "one thread", baseline: single.value } : {}), repeats: scrapes },
        { suite: "fleet", case: c + (r.failed ? " (" + r.failed + " failed)" : ""), metric: "scrape p99 ms (real time)", value: r.p99, baselineName: "p50", baseline: r.p50, repeats: scrapes },
      );
      progress("fleet: " + n + " devices on " + w + " worker threads scraped by Prometheus for 40 s");
      const p = await measurePrometheus(n, w, 40, 20);
      if (!p) progress("fleet: no prometheus binary: the Prometheus-scraped row is left out");
      else {
        progress("fleet: Prometheus: " + p.targets + " targets, " + (p.upShare * 100).toFixed(2) + "% of " + p.scrapes + " scrapes up, scrape_duration p50 " + p.p50.toFixed(1) + " ms, p99 " + p.p99.toFixed(1) + " ms");
        const pc = n + " devices on " + w + " worker threads, scraped by Prometheus every 1 s (" + p.targets + " targets), last 20 s of 40";
        rows.push(
          { suite: "fleet", case: pc, metric: "scrapes up %", value: p.upShare * 100, repeats: p.scrapes },
          { suite: "fleet", case: pc, metric: "scrape_duration_seconds p99 ms", value: p.p99, baselineName: "p50", baseline: p.p50, repeats: p.scrapes },
        );
      }
    }
    return rows;
  },
};
