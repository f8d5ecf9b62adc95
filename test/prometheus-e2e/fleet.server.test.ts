// Prometheus in the loop: a real Prometheus 2.42 (Debian) with deploy/prometheus/prometheus.yml (1 s intervals)
// and the repo's rules scrapes a simulated fleet (real-time clock, 10 Hz) through file_sd targets written by the
// fleet. Everything is checked through Prometheus's HTTP API.
// Details: docs/host-tools.md "test/prometheus-e2e/fleet.server.test.ts".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { startFleet } from "../../host-sim/fleet.mjs";
import { ensureBuilt } from "../sim/helpers.js";
import { PROMETHEUS_ACCEPT, PrometheusProcess, pollUntil, sleep, type MatrixSeries } from "./prometheus.js";

const RATE_HZ = 10;
const SINE_DEVICES = 20; // sim-001 .. sim-020; sim-001 gets a constant signal
// ~7 periods in a 10 s window; not a multiple of the 0.1 s sample period, so the samples sweep every phase
const SINE = { type: "sine", offset: 1.65, amplitude: 1, period: 1.37 };
const CONST_VOLTS = 1.2; // bucket (1, 1.5] of the default buckets [0.25, 0.5, 1, 1.5, 2, 2.5, 3]
const CONST_DEV = "sim-001";
const WIFI_DEV = "sim-003";
const CYCLE_DEV = "sim-004";
const TEXT_DEV = "txt-001";
const TOTAL = SINE_DEVICES + 1;
const HEALTHY = (d: string) => d !== WIFI_DEV && d !== CYCLE_DEV;

type Fleet = Awaited<ReturnType<typeof startFleet>>;
const fleets: Fleet[] = [];
const prom = new PrometheusProcess();
const t0 = Date.now();
/** wall-clock seconds of the events below */
const at = { signalSet: 0, allUp: 0, drop: 0, restore: 0, cycle: 0 };
let bootsBefore = NaN;
let faults: Promise<void> = Promise.resolve();
const secs = () => Date.now() / 1000;

function addressOf(device: string): string {
  for (const f of fleets) for (const d of f.devices) if (d.name === device) return d.address;
  throw new Error("no device " + device);
}
function simDevice(device: string) {
  for (const f of fleets) for (const d of f.devices) if (d.name === device) return d.device;
  throw new Error("no device " + device);
}
const num = (v: string) => Number(v);
const one = async (expr: string, time?: number) => {
  const r = await prom.query(expr, time);
  if (r.length !== 1) throw new Error(expr + ": expected 1 series, got " + JSON.stringify(r).slice(0, 1500));
  return num(r[0].value[1]);
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};

async function cleanup(): Promise<void> {
  await prom.dispose();
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
}

beforeAll(async () => {
  try {
    ensureBuilt();
    const common = { sampleRateHz: RATE_HZ, clock: "realtime" as const, signals: { json: { D32: SINE } }, unreachableWithoutWifi: true };
    fleets.push(await startFleet({ devices: SINE_DEVICES, ...common }));
    fleets.push(await startFleet({ devices: 1, namePrefix: "txt-", locationPrefix: "sim-text", config: { exposition: "text" }, ...common }));
    simDevice(CONST_DEV).setSignal("D32", CONST_VOLTS);
    at.signalSet = secs();
    fleets[0].writeTargets(prom.targetsDir + "/fleet.json");
    fleets[1].writeTargets(prom.targetsDir + "/text.json");
    await prom.start();
    await pollUntil(
      "all " + TOTAL + " targets up",
      async () => {
        const ts = await prom.targets();
        return { ok: ts.length === TOTAL && ts.every((t) => t.health === "up"), value: ts, last: ts.map((t) => [t.labels.device, t.health, t.lastError]) };
      },
      30_000
    );
    at.allUp = secs();
    bootsBefore = await one(`espruino_boots_total{device="${CYCLE_DEV}"}`);
    // the faults run while the tests below measure (each test waits for what it needs, with a deadline)
    faults = (async () => {
      await sleep(2000);
      simDevice(WIFI_DEV).fault("wifi-drop");
      at.drop = secs();
      await sleep(1000);
      simDevice(CYCLE_DEV).fault("power-cycle");
      at.cycle = secs();
      await sleep(3000);
      simDevice(WIFI_DEV).fault("wifi-restore");
      at.restore = secs();
    })();
  } catch (e) {
    await cleanup();
    throw new Error(String(e instanceof Error ? e.stack : e) + "\nPrometheus log: " + prom.logTail());
  }
}, 120_000);

afterAll(async () => {
  await faults.catch(() => {});
  await cleanup();
  console.log(`prometheus e2e: wall time ${((Date.now() - t0) / 1000).toFixed(1)} s (fleet start to teardown)`);
});

/** Waits until Prometheus has a sample of `device` newer than `time` (wall seconds). */
async function scrapedAfter(device: string, time: number, what: string, timeoutMs = 20_000): Promise<void> {
  await pollUntil(
    what,
    async () => {
      const r = await prom.query(`timestamp(espruino_adc_samples_taken_total{device="${device}"})`);
      return { ok: r.length === 1 && num(r[0].value[1]) > time, value: undefined, last: r };
    },
    timeoutMs
  );
}

/** First and last sample of each series of a query_range of `expr` paired with `timestamp(expr)` at the same steps. */
async function rawEnds(expr: string, start: number, end: number) {
  const [vals, stamps] = await Promise.all([prom.queryRange(expr, start, end, 1), prom.queryRange(`timestamp(${expr})`, start, end, 1)]);
  const key = (m: Record<string, string>) => m.device + "/" + m.channel;
  const ts = new Map(stamps.map((s) => [key(s.metric), s]));
  return vals.map((s) => {
    const t = ts.get(key(s.metric)) as MatrixSeries;
    const at = new Map(t.values.map(([step, v]) => [step, num(v)]));
    const pts = s.values.filter(([step]) => at.has(step)).map(([step, v]) => ({ t: at.get(step) as number, v: num(v) }));
    const first = pts[0];
    const last = pts[pts.length - 1];
    return { device: s.metric.device, first, last, rate: (last.v - first.v) / (last.t - first.t), span: last.t - first.t };
  });
}

describe("Prometheus 2.42 scraping a simulated fleet", () => {
  it("every target is up, with the target labels from file_sd", async () => {
    const up = await prom.query('up{job="espruino"}');
    expect(up.map((s) => s.metric.device).sort()).toHaveLength(TOTAL);
    const down = up.filter((s) => s.value[1] !== "1" && HEALTHY(s.metric.device));
    expect(down, JSON.stringify(down)).toEqual([]);
    const info = await prom.query(`espruino_device_info{device="sim-007"}`);
    expect(info).toHaveLength(1);
    expect(info[0].metric).toMatchObject({ location: "sim-lab/row-01", board: "esp32-devkitc", exported_device: "sim-007" });
  });

  it("Prometheus scrapes itself (job prometheus): prometheus_tsdb_head_series, which the deploy README says to watch", async () => {
    const self = await pollUntil(
      "the prometheus job up",
      async () => {
        const ts = await prom.targets("prometheus");
        return { ok: ts.length === 1 && ts[0].health === "up", value: ts, last: ts.map((t) => [t.scrapeUrl, t.health, t.lastError]) };
      },
      20_000
    );
    expect(self[0].scrapeUrl).toBe(prom.base + "/metrics");
    const head = await pollUntil(
      "prometheus_tsdb_head_series scraped",
      async () => {
        // Prometheus's own scrape can come before it has scraped every device once: wait for one after
        const r = await prom.query('prometheus_tsdb_head_series{job="prometheus"}');
        return { ok: r.length === 1 && Number(r[0].value[1]) > TOTAL * 30, value: r, last: r.map((x: { value: unknown[] }) => x.value[1]) };
      },
      30_000
    );
    // the head holds at least every device's series it scraped
    expect(Number(head[0].value[1])).toBeGreaterThan(TOTAL * 30);
  });

  it("raw counter deltas of espruino_adc_samples_taken_total match the sample rate within 5% over >= 10 s", async () => {
    const start = at.allUp + 0.5;
    const end = start + 12;
    while (secs() < end + 1.5) await sleep(250);
    const ends = await rawEnds("espruino_adc_samples_taken_total", start, end);
    expect(ends.map((e) => e.device).sort()).toHaveLength(TOTAL);
    const rows = ends.filter((e) => e.device !== CYCLE_DEV); // the Wi-Fi device is in: its counter runs through the gap
    const bad = rows.filter((e) => e.span < 10 || Math.abs(e.rate - RATE_HZ) > 0.05 * RATE_HZ);
    const rates = rows.map((e) => e.rate);
    console.log(
      `taken/s from raw deltas over ${Math.min(...rows.map((e) => e.span)).toFixed(1)}-${Math.max(...rows.map((e) => e.span)).toFixed(1)} s: ` +
        `min ${Math.min(...rates).toFixed(3)}, max ${Math.max(...rates).toFixed(3)} (configured ${RATE_HZ} Hz)`
    );
    expect(bad, JSON.stringify(bad)).toEqual([]);
  });

  it("histogram_quantile(0.5) of espruino_adc_volts: the constant device's bucket, the sines' offset", async () => {
    const when = Math.max(secs(), at.signalSet + 11);
    while (secs() < when) await sleep(250);
    // constant 1.2 V: every sample in (1, 1.5]; linear interpolation puts the median in the middle, 1.25
    const q = await one(`histogram_quantile(0.5, rate(espruino_adc_volts_bucket{device="${CONST_DEV}"}[10s]))`, when);
    expect(q).toBeGreaterThan(1);
    expect(q).toBeLessThanOrEqual(1.5);
    expect(q).toBeCloseTo(1.25, 9);
    const below = await one(`sum(rate(espruino_adc_volts_bucket{device="${CONST_DEV}",le=~"1|1.0"}[10s]))`, when);
    expect(below).toBe(0);
    expect(await one(`espruino_adc_last_volts{device="${CONST_DEV}"}`)).toBeCloseTo(CONST_VOLTS, 2);
    // sines 1.65 ± 1 V, period 1.37 s: the median is the offset, 1.65, which lies in the (1.5, 2] bucket;
    // histogram_quantile interpolates linearly inside it (resolution = the bucket width), and the partial period
    // at the window's ends moves the estimate by up to ~0.15 V (computed ~1.52..1.77). The mean (_sum / _count)
    // pins the offset more tightly: the window's samples cover ~6.5-7 periods, and the partial period moves the
    // mean by at most amplitude / (pi * 6.5) ≈ 0.05 V.
    const sines = await prom.query(`histogram_quantile(0.5, sum by (device, le) (rate(espruino_adc_volts_bucket{device!="${CONST_DEV}"}[10s])))`, when);
    const vals = sines.filter((s) => HEALTHY(s.metric.device)).map((s) => ({ device: s.metric.device, q: num(s.value[1]) }));
    expect(vals.length).toBe(TOTAL - 3);
    const means = (await prom.query(`rate(espruino_adc_volts_sum{device!="${CONST_DEV}"}[10s]) / rate(espruino_adc_volts_count[10s])`, when))
      .filter((s) => HEALTHY(s.metric.device))
      .map((s) => ({ device: s.metric.device, mean: num(s.value[1]) }));
    expect(means.length).toBe(TOTAL - 3);
    console.log(
      `sine devices over 10 s: median ${Math.min(...vals.map((v) => v.q)).toFixed(3)}..${Math.max(...vals.map((v) => v.q)).toFixed(3)} V, ` +
        `mean ${Math.min(...means.map((v) => v.mean)).toFixed(3)}..${Math.max(...means.map((v) => v.mean)).toFixed(3)} V (offset ${SINE.offset} V)`
    );
    const off = vals.filter((v) => !(v.q >= 1.5 && v.q <= 2));
    expect(off, JSON.stringify(off)).toEqual([]);
    const offMean = means.filter((v) => !(Math.abs(v.mean - SINE.offset) <= 0.1));
    expect(offMean, JSON.stringify(offMean)).toEqual([]);
  });

  it("a Wi-Fi drop is a scrape gap; afterwards the counter continues at the sample rate, every sample accounted for", async () => {
    await faults;
    await pollUntil(
      WIFI_DEV + " up again after wifi-restore",
      async () => {
        const r = await prom.query(`up{device="${WIFI_DEV}"}`);
        return { ok: r.length === 1 && r[0].value[1] === "1", value: undefined, last: r };
      },
      25_000
    );
    const back = secs();
    await scrapedAfter(WIFI_DEV, back + 2, WIFI_DEV + ": two more scrapes after recovery");
    const now = secs();
    const upSeries = await prom.queryRange(`up{device="${WIFI_DEV}"}`, at.drop - 2, now, 1);
    const ups = upSeries[0].values.map(([t, v]) => [Math.round(t - at.drop), num(v)]);
    const zeros = ups.filter(([, v]) => v === 0).length;
    console.log(`${WIFI_DEV}: wifi-drop for ${(at.restore - at.drop).toFixed(1)} s; up (s after drop, value): ${JSON.stringify(ups)}`);
    expect(zeros, JSON.stringify(ups)).toBeGreaterThanOrEqual(3);
    expect(ups[ups.length - 1][1]).toBe(1);
    // raw samples of the counter: one gap of several seconds, no decrease, the gap's delta at the sample rate
    const range = Math.ceil(now - at.drop + 4);
    const raw = await prom.rawRange(`espruino_adc_samples_taken_total{device="${WIFI_DEV}"}[${range}s]`, now);
    expect(raw).toHaveLength(1);
    const pts = raw[0].values.map(([t, v]) => ({ t, v: num(v) }));
    let gap = { dt: 0, dv: 0, from: 0 };
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i].v, "counter decreased at " + pts[i].t).toBeGreaterThanOrEqual(pts[i - 1].v);
      const dt = pts[i].t - pts[i - 1].t;
      if (dt > gap.dt) gap = { dt, dv: pts[i].v - pts[i - 1].v, from: pts[i - 1].t - at.drop };
    }
    console.log(`${WIFI_DEV}: longest gap between samples ${gap.dt.toFixed(1)} s (from ${gap.from.toFixed(1)} s after the drop), ${gap.dv} samples taken across it`);
    expect(gap.dt).toBeGreaterThanOrEqual(3);
    expect(Math.abs(gap.dv / gap.dt - RATE_HZ)).toBeLessThanOrEqual(0.05 * RATE_HZ);
    expect(await one(`resets(espruino_adc_samples_taken_total{device="${WIFI_DEV}"}[${range}s])`, now)).toBe(0);
    // taken = aggregated + buffered + dropped in the last scrape (instant values of one body)
    const d = (m: string) => one(`${m}{device="${WIFI_DEV}"}`);
    const [taken, agg, buf, dropped] = await Promise.all(
      ["espruino_adc_samples_taken_total", "espruino_adc_samples_aggregated_total", "espruino_adc_samples_buffered", "espruino_adc_samples_dropped_total"].map(d)
    );
    console.log(`${WIFI_DEV} last scrape: taken ${taken} = aggregated ${agg} + buffered ${buf} + dropped ${dropped}`);
    expect(taken).toBe(agg + buf + dropped);
    expect(await one(`espruino:adc_samples_conservation:delta{device="${WIFI_DEV}"}`)).toBe(0);
    expect(await one(`increase(espruino_wifi_reconnects_total{device="${WIFI_DEV}"}[${range}s])`, now)).toBeGreaterThan(0);
  });

  it("a power cycle is a counter reset and one more boot", async () => {
    await faults;
    await pollUntil(
      CYCLE_DEV + ": espruino_boots_total increased",
      async () => {
        const r = await prom.query(`espruino_boots_total{device="${CYCLE_DEV}"}`);
        return { ok: r.length === 1 && num(r[0].value[1]) > bootsBefore, value: undefined, last: r };
      },
      20_000
    );
    await scrapedAfter(CYCLE_DEV, secs() + 1, CYCLE_DEV + ": one more scrape after the reboot");
    const now = secs();
    const range = Math.ceil(now - at.cycle + 5) + "s";
    expect(await one(`espruino_boots_total{device="${CYCLE_DEV}"}`)).toBe(bootsBefore + 1);
    expect(await one(`changes(espruino_boots_total{device="${CYCLE_DEV}"}[${range}])`, now)).toBe(1);
    expect(await one(`resets(espruino_adc_samples_taken_total{device="${CYCLE_DEV}"}[${range}])`, now)).toBeGreaterThanOrEqual(1);
    expect(await one(`espruino_uptime_seconds{device="${CYCLE_DEV}"}`)).toBeLessThan(now - at.allUp);
    // the healthy devices saw neither
    const others = await prom.query(`resets(espruino_adc_samples_taken_total{device!="${CYCLE_DEV}"}[${range}]) > 0`, now);
    expect(others, JSON.stringify(others)).toEqual([]);
  });

  it("OpenMetrics by default, text for the device configured with exposition text: both scraped", async () => {
    const ts = await prom.targets();
    const txt = ts.find((t) => t.labels.device === TEXT_DEV);
    expect(txt?.health).toBe("up");
    expect(txt?.lastError).toBe("");
    // what the devices answer to Prometheus's Accept header
    const ct = async (device: string) => {
      const r = await fetch("http://" + addressOf(device) + "/metrics", { headers: { accept: PROMETHEUS_ACCEPT }, signal: AbortSignal.timeout(5000) });
      await r.text();
      return r.headers.get("content-type");
    };
    expect(await ct(TEXT_DEV)).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await ct("sim-002")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    // what Prometheus parsed: OpenMetrics `le` values are floats ("1.0"), text ones canonical ("1"); OpenMetrics
    // counter metadata is under the family name (no _total)
    const le = async (device: string) => (await prom.query(`espruino_adc_volts_bucket{device="${device}"}`)).map((s) => s.metric.le).sort();
    expect(await le(TEXT_DEV)).toContain("1");
    expect(await le(TEXT_DEV)).not.toContain("1.0");
    expect(await le("sim-002")).toContain("1.0");
    const meta = async (device: string) =>
      (await prom.api<{ metric: string; type: string }[]>("targets/metadata", { match_target: `{device="${device}"}` }))
        .filter((m) => m.metric.startsWith("espruino_adc_samples_taken"))
        .map((m) => m.metric + ":" + m.type);
    expect(await meta(TEXT_DEV)).toEqual(["espruino_adc_samples_taken_total:counter"]);
    expect(await meta("sim-002")).toEqual(["espruino_adc_samples_taken:counter"]);
  });

  it("a loaded host (the fleet's event loop blocked 50-300 ms at a time, a busy thread beside it, 15 s): no missed tick, no sampler alert pending or firing", async () => {
    // what made EspruinoSamplerMissedTicks fire on a healthy fleet before: Node late, devices' timers late with it
    const from = secs();
    const burner = new Worker("const end = Date.now() + 15000; while (Date.now() < end) {}", { eval: true });
    let blocked = 0;
    try {
      for (let k = 0; secs() - from < 15 && k < 1000; k++) {
        const t = Date.now();
        const ms = 50 + ((k * 37) % 251); // 50..300 ms, spread
        while (Date.now() - t < ms) {
          // busy: this thread carries the fleet
        }
        blocked += Date.now() - t;
        await sleep(100);
      }
    } finally {
      await burner.terminate();
    }
    const span = secs() - from;
    console.log(`loaded host: the fleet's event loop blocked ${(blocked / 1000).toFixed(1)} s of ${span.toFixed(1)} s, a busy thread beside it`);
    await scrapedAfter(CONST_DEV, secs(), "a scrape after the load");
    const window = Math.ceil(secs() - at.allUp) + "s";
    const missed = await prom.query(`max_over_time(espruino_sampler_ticks_missed_total[${window}])`);
    expect(missed).toHaveLength(TOTAL);
    expect(missed.filter((x) => x.value[1] !== "0").map((x) => x.metric.device)).toEqual([]);
    const rate = await prom.query(`max_over_time(espruino:sampler_ticks_missed:rate5m[${window}])`);
    expect(rate.filter((x) => x.value[1] !== "0")).toEqual([]);
    const alerts = await prom.query(`ALERTS{alertname=~"EspruinoSamplerMissedTicks|EspruinoSamplerStalled|EspruinoSamplesDropped"}`);
    expect(alerts).toEqual([]);
    // every sample is still accounted for on every device that is up
    const cons = await prom.query("espruino:adc_samples_conservation:delta");
    expect(cons.filter((x) => x.value[1] !== "0")).toEqual([]);
  });

  it("the recording rules evaluate: rate1m ≈ sample rate per device, conservation 0, per-location counts", async () => {
    // rate() over 1m only reaches the full rate once the series covers the whole minute (before that it
    // extrapolates by half a scrape interval at the start, so it reads low): wait for that, bounded.
    const rates = await pollUntil(
      "espruino:adc_samples_taken:rate1m within 5% of " + RATE_HZ + " for every healthy device",
      async () => {
        const r = await prom.query("espruino:adc_samples_taken:rate1m");
        const healthy = r.filter((s) => HEALTHY(s.metric.device)).map((s) => ({ device: s.metric.device, r: num(s.value[1]) }));
        const bad = healthy.filter((x) => Math.abs(x.r - RATE_HZ) > 0.05 * RATE_HZ);
        return { ok: r.length === TOTAL && healthy.length === TOTAL - 2 && bad.length === 0, value: r, last: bad.length ? bad : r };
      },
      Math.max(5_000, prom.spawnedAt + 85_000 - Date.now())
    );
    const rs = rates.map((s) => num(s.value[1]));
    console.log(`espruino:adc_samples_taken:rate1m ${Math.min(...rs).toFixed(3)}..${Math.max(...rs).toFixed(3)} (all ${TOTAL}), ${((Date.now() - prom.spawnedAt) / 1000).toFixed(1)} s after Prometheus started`);
    const cons = await prom.query("espruino:adc_samples_conservation:delta");
    expect(cons).toHaveLength(TOTAL);
    expect(cons.filter((s) => s.value[1] !== "0")).toEqual([]);
    const count = await prom.query("location:espruino_devices:count");
    expect(Object.fromEntries(count.map((s) => [s.metric.location, num(s.value[1])]))).toEqual({ "sim-lab/row-01": 20, "sim-text/row-01": 1 });
  });

  it("measures: fleet size, scrape durations, Prometheus start to first scrape", async () => {
    const now = secs();
    const range = Math.ceil(now - prom.spawnedAt / 1000 + 5) + "s";
    const first = await prom.rawRange(`up[${range}]`, now);
    const firstScrape = Math.min(...first.map((s) => s.values[0][0]));
    const allUpAfter = at.allUp - prom.spawnedAt / 1000;
    const dur = await prom.rawRange(`scrape_duration_seconds{job="espruino"}[${range}]`, now);
    expect(dur).toHaveLength(TOTAL);
    const all = dur.flatMap((s) => s.values.map(([, v]) => num(v)));
    const perTargetMax = dur.map((s) => Math.max(...s.values.map(([, v]) => num(v))));
    const perTargetP50 = dur.map((s) => quantile(s.values.map(([, v]) => num(v)), 0.5));
    const ms = (x: number) => (x * 1000).toFixed(1) + " ms";
    console.log(
      `prometheus e2e: fleet ${TOTAL} devices at ${RATE_HZ} Hz, scrape_interval 1s; ${all.length} scrapes; ` +
        `scrape_duration_seconds p50 ${ms(quantile(all, 0.5))}, p90 ${ms(quantile(all, 0.9))}, max ${ms(Math.max(...all))} ` +
        `(per-target p50 ${ms(Math.min(...perTargetP50))}..${ms(Math.max(...perTargetP50))}, per-target max ${ms(Math.min(...perTargetMax))}..${ms(Math.max(...perTargetMax))}); ` +
        `Prometheus spawn -> first scrape ${(firstScrape - prom.spawnedAt / 1000).toFixed(2)} s, -> all ${TOTAL} targets up ${allUpAfter.toFixed(2)} s`
    );
    expect(firstScrape).toBeGreaterThan(prom.spawnedAt / 1000);
  });
});
