// deploy/grafana/espruino-telemetry.json: every query (panel targets and template variable queries), with the
// template variables substituted, parses as PromQL (@prometheus-io/lezer-promql, no error node) and names only
// known metrics: the device's metrics (the reference docs/metrics.md, histogram suffixes included), the recording
// rules, and Prometheus' own series (up, scrape_duration_seconds, ALERTS).
// The rules' expressions are held to the same list.
import { describe, expect, it } from "vitest";
import { allPanels, checkQuery, dashboard, defined, known, panels, queries, ruleExprs, rulesText, source } from "./dashboard-queries.js";

describe("Grafana dashboard", () => {
  it("has the template variables and both views", () => {
    expect(dashboard.uid).toBe("espruino-telemetry");
    for (const v of ["datasource", "device", "location", "channel"]) expect(defined).toContain(v);
    const rows = allPanels(dashboard.panels).filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(["Device: $device", "Fleet: $location"]);
    expect(panels.length).toBe(29);
  });

  it("has unique panel ids, a grid position for each and a query in every panel", () => {
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos, p.title).toBeDefined();
      expect((p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0), p.title).toBeLessThanOrEqual(24);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr, p.title).toMatch(/\S/);
    }
  });

  it("covers signal, heatmap, rates, drops, missed ticks, memory, Wi-Fi, scrape duration and boots", () => {
    const all = queries.map((q) => q.expr).join("\n");
    for (const m of [
      "espruino_adc_last_volts",
      "espruino_adc_min_volts",
      "espruino_adc_max_volts",
      "espruino_adc_volts_bucket",
      "espruino:adc_samples_taken:rate1m",
      "espruino:adc_samples_dropped:ratio_rate5m",
      "espruino:sampler_ticks_missed:rate5m",
      "espruino_memory_jsvars",
      "espruino_wifi_rssi_dbm",
      "espruino_wifi_reconnects_total",
      "espruino_scrape_duration_seconds",
      "espruino_boots_total",
    ]) {
      expect(all).toContain(m);
    }
    expect(panels.some((p) => p.type === "heatmap")).toBe(true);
    expect(all).toContain('device=~"$device"');
  });

  it("every query parses as PromQL and names only known metrics (" + source + ", recording rules, Prometheus series)", () => {
    expect(queries.length).toBeGreaterThan(40);
    const problems = queries.flatMap((q) => checkQuery(q.expr, defined, known).map((p) => q.where + ": " + p));
    expect(problems).toEqual([]);
  });

  it("the checker catches unknown metrics, syntax errors, unnamed selectors and undefined variables", () => {
    expect(checkQuery('espruino_adc_volt{device=~"$device"}', defined, known)).toEqual(["unknown metric espruino_adc_volt"]);
    expect(checkQuery("rate(espruino_boots_total[$__rate_interval]", defined, known).join()).toMatch(/syntax error/);
    expect(checkQuery('sum(rate(espruino_boots_total{device="x"}[5m])) by', defined, known).join()).toMatch(/syntax error/);
    expect(checkQuery('{device="x"}', defined, known)).toEqual(["selector without a metric name"]);
    expect(checkQuery('{__name__="espruino_nope"}', defined, known)).toEqual(["unknown metric espruino_nope"]);
    expect(() => checkQuery("espruino_boots_total{device=~\"$nodevice\"}", defined, known)).toThrow(/unknown template variable \$nodevice/);
    expect(checkQuery("espruino:nope:rate1m", defined, known)).toEqual(["unknown metric espruino:nope:rate1m"]);
  });

  it("a table with several queries merges them into one row per device (instant, table-format queries, then merge)", () => {
    const tables = panels.filter((p) => p.type === "table");
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const p of tables) {
      for (const t of p.targets ?? []) expect([t.instant, t.format], p.title + " " + t.refId).toEqual([true, "table"]);
      if ((p.targets ?? []).length > 1) expect(p.transformations?.[0]?.id, p.title).toBe("merge");
    }
  });

  it("the recording rules and alerts use only known metrics", () => {
    const exprs = ruleExprs(rulesText);
    expect(exprs.length).toBe(28);
    const problems = exprs.flatMap((e) => checkQuery(e, new Set(), known).map((p) => e + ": " + p));
    expect(problems).toEqual([]);
  });
});
