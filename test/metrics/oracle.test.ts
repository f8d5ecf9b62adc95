// Oracle: the same metric set built with prom-client parses (python3-prometheus-client) to the same
// families, samples and values as ours, in text and OpenMetrics; our bodies pass promtool / the
// OpenMetrics parser.
import { describe, expect, it } from "vitest";
import client from "prom-client";
import { Registry } from "../../firmware/metrics/registry.js";
import { OPENMETRICS, TEXT } from "../../firmware/exposition/format.js";
import { promtoolCheckMetrics } from "../support/system-tools.js";
import { body, close, normalise, omParse, textParse } from "./helpers.js";
import type { ParsedFamily } from "./helpers.js";
import { prng as rng } from "../support/prng.js";


const HELP = 'Odd help: "quoted", back\\slash, new\nline.';
const DROPPED_HELP = "Label sets refused by a series limit.";
const ERRORS_HELP = "Collector runs that threw.";

type Op = (ours: Registry, theirs: client.Registry) => void;

/** Builds the same metrics in both libraries, driven by one random stream. */
function build(seed: number, contentType: string): { ours: Registry; theirs: client.Registry } {
  const r = rng(seed);
  const ours = new Registry();
  const theirs = new client.Registry();
  theirs.setContentType(contentType as never);
  // our registry's self-metrics, reproduced in prom-client
  const pd = new client.Counter({ name: "espruino_series_dropped_total", help: DROPPED_HELP, labelNames: ["metric"], registers: [theirs] });
  new client.Counter({ name: "espruino_collector_errors_total", help: ERRORS_HELP, labelNames: ["collector"], registers: [theirs] });

  const oc = ours.counter({ name: "adc_samples_taken_total", help: "Samples taken.", labelNames: ["channel"] });
  const tc = new client.Counter({ name: "adc_samples_taken_total", help: "Samples taken.", labelNames: ["channel"], registers: [theirs] });
  pd.inc({ metric: "adc_samples_taken_total" }, 0);
  const og = ours.gauge({ name: "adc_last_volts", help: HELP, labelNames: ["channel", "pin"] });
  const tg = new client.Gauge({ name: "adc_last_volts", help: HELP, labelNames: ["channel", "pin"], registers: [theirs] });
  pd.inc({ metric: "adc_last_volts" }, 0);
  const ou = ours.gauge({ name: "uptime_seconds", help: "Uptime." });
  const tu = new client.Gauge({ name: "uptime_seconds", help: "Uptime.", registers: [theirs] });
  const bounds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 3.3, 10, 1000000];
  const oh = ours.histogram({ name: "adc_volts", help: "Volts.", labelNames: ["channel"], buckets: bounds });
  const th = new client.Histogram({ name: "adc_volts", help: "Volts.", labelNames: ["channel"], buckets: bounds, registers: [theirs] });
  pd.inc({ metric: "adc_volts" }, 0);
  const oh2 = ours.histogram({ name: "scrape_seconds", help: "Scrape time." });
  const th2 = new client.Histogram({ name: "scrape_seconds", help: "Scrape time.", registers: [theirs] });
  const ob = ours.counter({ name: "boots_total", help: "Boots." });
  const tb = new client.Counter({ name: "boots_total", help: "Boots.", registers: [theirs] });

  const channels = ["0", "1", 'we"ird\\ch\nan'];
  for (let i = 0; i < 400; i++) {
    const ch = channels[Math.floor(r() * channels.length)];
    const v = r() * 3.3;
    const big = Math.floor(r() * 2 ** 40);
    oc.labels([ch]).add(big);
    tc.inc({ channel: ch }, big);
    og.labels({ channel: ch, pin: "D" + (i % 4) }).set(v - 1);
    tg.set({ channel: ch, pin: "D" + (i % 4) }, v - 1);
    const o = v * (r() < 0.05 ? 1e6 : 1);
    oh.labels([ch]).observe(o);
    th.observe({ channel: ch }, o);
    const d = r() * r() * 0.3;
    oh2.observe(d);
    th2.observe(d);
  }
  ou.set(123456.789);
  tu.set(123456.789);
  ob.inc();
  tb.inc();
  ob.add(2 ** 52);
  tb.inc(2 ** 52);
  return { ours, theirs };
}

/** le compared by value: ours is canonical ("1e+06", "1.0" in OpenMetrics), prom-client's is String(x). */
function leByValue(fams: ParsedFamily[]): ParsedFamily[] {
  return fams.map((f) => ({
    ...f,
    samples: f.samples.map((s) => [s[0], s[1].le === undefined ? s[1] : { ...s[1], le: String(Number(s[1].le.replace("Inf", "Infinity"))) }, s[2]]),
  })) as ParsedFamily[];
}

function compare(a: ParsedFamily[], b: ParsedFamily[]): void {
  const na = normalise(leByValue(a));
  const nb = normalise(leByValue(b));
  expect(na.map((f) => [f.name, f.type, f.help])).toEqual(nb.map((f) => [f.name, f.type, f.help]));
  for (let i = 0; i < na.length; i++) {
    const sa = na[i].samples;
    const sb = nb[i].samples;
    expect(sa.map((s) => [s[0], s[1]]), na[i].name).toEqual(sb.map((s) => [s[0], s[1]]));
    for (let j = 0; j < sa.length; j++) {
      if (!close(sa[j][2], sb[j][2])) {
        throw new Error(na[i].name + " " + JSON.stringify(sa[j]) + " differs from prom-client's " + JSON.stringify(sb[j]));
      }
    }
  }
}

describe("oracle: prom-client builds the same families", () => {
  it("text format: same families, samples and values; promtool accepts ours", async () => {
    for (const seed of [1, 2, 3]) {
      const { ours, theirs } = build(seed, client.Registry.PROMETHEUS_CONTENT_TYPE);
      const mine = body(ours, TEXT);
      const ref = await theirs.metrics();
      const pm = textParse(mine);
      const pr = textParse(ref);
      expect(pm.error).toBeUndefined();
      expect(pr.error).toBeUndefined();
      compare(pm.families!, pr.families!);
      const check = promtoolCheckMetrics(mine);
      expect(check.output).toBe("");
      expect(check.status).toBe(0);
    }
  });

  it("OpenMetrics: same families, samples and values; the strict parser accepts ours", async () => {
    for (const seed of [4, 5]) {
      const { ours, theirs } = build(seed, client.Registry.OPENMETRICS_CONTENT_TYPE);
      const mine = omParse(body(ours, OPENMETRICS));
      expect(mine.error).toBeUndefined();
      const refBody = await theirs.metrics();
      // prom-client writes le="1" where OpenMetrics canonical form (ours) is le="1.0"; compared by value
      const ref = omParse(refBody);
      expect(ref.error).toBeUndefined();
      compare(mine.families!, ref.families!);
    }
  });
});
