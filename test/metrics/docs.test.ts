// docs/metrics.md is the one metrics list later issues use: its table must be well-formed, and what the
// metrics core itself produces must match it. (The live-scrape diff is reference.server.test.ts.)
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validLabelName, validMetricName } from "../../firmware/metrics/names.js";
import { Registry } from "../../firmware/metrics/registry.js";
import { TYPE_NAMES } from "../../firmware/metrics/metric.js";
import { docsTable } from "./helpers.js";

const rows = docsTable(readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8"));

describe("docs/metrics.md", () => {
  it("lists every metric named in the issue", () => {
    const names = rows.map((r) => r.name);
    for (const n of [
      "espruino_adc_samples_taken_total",
      "espruino_adc_samples_aggregated_total",
      "espruino_adc_samples_dropped_total",
      "espruino_adc_samples_buffered",
      "espruino_adc_volts",
      "espruino_adc_last_volts",
      "espruino_adc_min_volts",
      "espruino_adc_max_volts",
      "espruino_sampler_ticks_missed_total",
      "espruino_clock_steps_total",
      "espruino_uptime_seconds",
      "espruino_boots_total",
      "espruino_memory_jsvars",
      "espruino_error_flags",
      "espruino_scrapes_total",
      "espruino_scrape_duration_seconds",
      "espruino_http_requests_total",
      "espruino_wifi_connected",
      "espruino_wifi_reconnects_total",
      "espruino_wifi_rssi_dbm",
      "espruino_build_info",
      "espruino_device_info",
      "espruino_config_valid",
      "espruino_series_dropped_total",
      "espruino_collector_errors_total",
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(rows.map((r) => [r.name, r]))("%s is a valid row", (_n, r) => {
    expect(validMetricName(r.name)).toBe(true);
    expect(r.name.startsWith("espruino_")).toBe(true);
    expect(TYPE_NAMES).toContain(r.type);
    expect(r.name.endsWith("_total")).toBe(r.type === "counter");
    for (const l of r.labels) expect(validLabelName(l)).toBe(true);
    if (r.type === "histogram") expect(r.labels).not.toContain("le");
    if (r.name !== "espruino_device_info") {
      expect(r.labels).not.toContain("device");
      expect(r.labels).not.toContain("location");
    }
    expect(r.help.length).toBeGreaterThan(0);
    expect(r.status).toMatch(/^(implemented|planned \(issue: [a-z]+\))$/);
  });

  it("the registry's own families match their rows (type, labels, help)", () => {
    const reg = new Registry();
    for (const m of reg.metrics) {
      const row = rows.find((r) => r.name === m.name)!;
      expect(row, m.name).toBeDefined();
      expect(row.type).toBe(TYPE_NAMES[m.type]);
      expect(row.labels).toEqual(m.labelNames);
      expect(row.help).toBe(m.help);
      expect(row.status).toBe("implemented");
    }
  });
});
