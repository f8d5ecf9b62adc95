// promtool against deploy/prometheus: the config (with a generated targets file), the rules, and the rule unit
// tests in deploy/prometheus/tests/*.yml — plus checks that those unit tests cover every rule and that each of
// their expectations matters (flip it and promtool must report exactly that many failures).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promtoolPath } from "../support/system-tools.js";
import { writeFileSd } from "../../config/file-sd.mjs";
import { parseDevicesCsv } from "../../tools/targets.mjs";
import { parse as parseYaml } from "yaml";

const root = resolve(__dirname, "../..");
const promDir = join(root, "deploy/prometheus");
const rulesFile = join(promDir, "rules/espruino.rules.yml");
const testsDir = join(promDir, "tests");
const testFiles = readdirSync(testsDir)
  .filter((f) => f.endsWith(".yml"))
  .sort();

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: Array<{ exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }> | null;
}
interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples?: Array<{ labels: string; value: number }> | null;
}
interface TestFile {
  rule_files: string[];
  evaluation_interval?: string;
  tests: Array<{ name?: string; interval?: string; input_series: unknown[]; alert_rule_test?: AlertTest[]; promql_expr_test?: ExprTest[] }>;
}

function promtool(args: string[], cwd = root) {
  const r = spawnSync(promtoolPath(), args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: (r.stdout ?? "") + (r.stderr ?? "") };
}

const rules = (parseYaml(readFileSync(rulesFile, "utf8")) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap(
  (g) => g.rules,
);
const alerts = rules.filter((r) => r.alert);
const records = rules.filter((r) => r.record);
const suites = testFiles.map((f) => ({ file: f, doc: parseYaml(readFileSync(join(testsDir, f), "utf8")) as TestFile }));
const alertTests = suites.flatMap((s) => s.doc.tests.flatMap((t) => t.alert_rule_test ?? []));
const exprTests = suites.flatMap((s) => s.doc.tests.flatMap((t) => t.promql_expr_test ?? []));

describe("promtool check config", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "prom-config-"));
    cpSync(join(promDir, "prometheus.yml"), join(dir, "prometheus.yml"));
    cpSync(join(promDir, "rules"), join(dir, "rules"), { recursive: true });
    mkdirSync(join(dir, "targets"));
    writeFileSd(join(dir, "targets/devices.json"), parseDevicesCsv(readFileSync(join(promDir, "devices.example.csv"), "utf8")));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts prometheus.yml with the example targets file and its rule files", () => {
    const r = promtool(["check", "config", "prometheus.yml"], dir);
    expect(r.output).toContain("SUCCESS: prometheus.yml is valid prometheus config file syntax");
    expect(r.output).toContain("SUCCESS: " + rules.length + " rules found");
    expect(r.output).not.toContain("WARNING");
    expect(r.status).toBe(0);
  });

  it("accepts the repository's prometheus.yml in place", () => {
    const r = promtool(["check", "config", join(promDir, "prometheus.yml")]);
    expect(r.status).toBe(0);
  });

  it("reads the targets files (a broken one fails the check)", () => {
    writeFileSync(join(dir, "targets/broken.json"), JSON.stringify([{ targets: ["10.9.9.9:80"], labels: { "bad-label": "x" } }]));
    try {
      const r = promtool(["check", "config", "prometheus.yml"], dir);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/targets\/\*\.json.*bad-label/);
    } finally {
      rmSync(join(dir, "targets/broken.json"));
    }
  });

  it("has the settings the fleet relies on", () => {
    const cfg = parseYaml(readFileSync(join(promDir, "prometheus.yml"), "utf8")) as {
      global: { scrape_interval: string };
      rule_files: string[];
      scrape_configs: Array<Record<string, unknown>>;
    };
    const job = cfg.scrape_configs.find((j) => j.job_name === "espruino") as Record<string, unknown>;
    expect(cfg.global.scrape_interval).toBe("15s");
    expect(job.scrape_timeout).toBe("5s");
    expect(job.honor_labels).toBe(false);
    expect(job.metrics_path).toBe("/metrics");
    expect(job.file_sd_configs).toEqual([{ files: ["targets/*.json"], refresh_interval: "1m" }]);
    expect(cfg.rule_files).toEqual(["rules/*.yml"]);
    // remote_write / federation stay examples (commented out), bearer token too
    expect(Object.keys(cfg).sort()).toEqual(["global", "rule_files", "scrape_configs"]);
    expect(readFileSync(join(promDir, "prometheus.yml"), "utf8")).toMatch(/#\s+credentials_file:/);
  });
});

describe("promtool check rules", () => {
  it("accepts the rules file", () => {
    const r = promtool(["check", "rules", rulesFile]);
    expect(r.output).toContain("SUCCESS: " + rules.length + " rules found");
    expect(r.status).toBe(0);
  });

  it("every alert has a severity and summary/description naming $labels.device", () => {
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const a of alerts) {
      expect(["critical", "warning", "info"], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toContain("$labels.device");
      expect(a.annotations?.description, a.alert).toContain("$labels.device");
    }
  });

  it("has the recording rules and alerts the README documents", () => {
    const readme = readFileSync(join(promDir, "README.md"), "utf8");
    for (const r of rules) expect(readme, String(r.alert ?? r.record)).toContain(String(r.alert ?? r.record));
    expect(records.map((r) => r.record)).toEqual(
      expect.arrayContaining(["espruino:adc_samples_taken:rate1m", "espruino:adc_samples_dropped:ratio_rate5m"]),
    );
  });
});

describe("promtool test rules", () => {
  it("passes every unit test file", () => {
    expect(testFiles.length).toBeGreaterThanOrEqual(2);
    const r = promtool(["test", "rules", ...testFiles], testsDir);
    expect(r.output.match(/^ {2}SUCCESS$/gm)?.length, r.output).toBe(testFiles.length);
    expect(r.output).not.toContain("FAILED");
    expect(r.status).toBe(0);
  });

  it("makes every alert fire and not fire", () => {
    for (const a of alerts) {
      const mine = alertTests.filter((t) => t.alertname === a.alert);
      expect(mine.some((t) => (t.exp_alerts ?? []).length > 0), a.alert + " fires in some test").toBe(true);
      expect(mine.some((t) => (t.exp_alerts ?? []).length === 0), a.alert + " stays quiet in some test").toBe(true);
    }
    expect(new Set(alertTests.map((t) => t.alertname))).toEqual(new Set(alerts.map((a) => a.alert)));
  });

  it("checks the value of every recording rule", () => {
    for (const r of records) {
      expect(
        exprTests.some((t) => t.expr.trim() === r.record && (t.exp_samples ?? []).length > 0),
        String(r.record),
      ).toBe(true);
    }
  });

  it("fails exactly once per test case when every expectation is flipped", () => {
    const dir = mkdtempSync(join(tmpdir(), "prom-mutated-"));
    try {
      for (const { file, doc } of suites) {
        const m = JSON.parse(JSON.stringify(doc)) as TestFile;
        m.rule_files = [rulesFile];
        for (const t of m.tests) {
          for (const at of t.alert_rule_test ?? []) {
            at.exp_alerts = (at.exp_alerts ?? []).length > 0 ? [] : [{ exp_labels: { severity: "flipped" } }];
          }
          for (const et of t.promql_expr_test ?? []) {
            const s = et.exp_samples ?? [];
            et.exp_samples = s.length > 0 ? s.map((x) => ({ ...x, value: x.value + 1 })) : [{ labels: "flipped", value: 1 }];
          }
        }
        writeFileSync(join(dir, file), JSON.stringify(m)); // JSON is YAML
      }
      const r = promtool(["test", "rules", ...testFiles], dir);
      expect(r.status).toBe(1);
      const alertFailures = r.output.match(/^\s+alertname: \S+, time: \S+,/gm) ?? [];
      const exprFailures = r.output.match(/^\s+expr: ".*", time: \S+,/gm) ?? [];
      expect(alertFailures.length).toBe(alertTests.length);
      expect(exprFailures.length).toBe(exprTests.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts", () => {
    // pinned so that removing a test case is a visible change
    expect({ alerts: alerts.length, records: records.length, alertTests: alertTests.length, exprTests: exprTests.length }).toEqual({
      alerts: 13,
      records: 15,
      alertTests: 31,
      exprTests: 16,
    });
  });
});
