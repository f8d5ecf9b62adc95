// Fleet: N simulated devices (host-sim/fleet.mjs startFleet: the real dist/firmware.min.js, real-time clock, cost
// model off, one channel at 10 Hz each, every device on its own 127.0.0.1 port) scraped like Prometheus does at a
// 1 s interval: each device once per second, the N scrapes spread evenly over the second. Latency = connect to
// close of a full GET /metrics, in Node wall time. Node heap/RSS growth per device is measured after start.
// Every loop is bounded (fixed rounds, 10 s per request) and every fleet is stopped.
import { startFleet } from "../host-sim/fleet.mjs";
import { httpGet, percentile, progress } from "./harness.mjs";

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {number} n @param {number} seconds
 * @returns {Promise<{p50: number, p99: number, ok: number, failed: number, heapPerDev: number, rssPerDev: number, startMs: number}>}
 */
async function measure(n, seconds) {
  globalThis.gc?.();
  const m0 = process.memoryUsage();
  const fleet = await startFleet({ devices: n, basePort: 0, clock: "realtime" });
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
              if (r.status === 200) lat.push(r.ms);
              else failed++;
            },
            () => {
              failed++;
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
    return rows;
  },
};
