// A real Prometheus (Debian binary) for the end-to-end suites: a config derived from deploy/prometheus/prometheus.yml
// (test intervals, absolute paths), bound to 127.0.0.1 on a free port, TSDB in a temp dir; an HTTP API client whose
// waits are all bounded and report the last answer on timeout.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { requireTool } from "../support/system-tools.js";
import getPort from "get-port";
import { vi } from "vitest";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const PROM_DIR = join(ROOT, "deploy", "prometheus");

/** Prometheus 2.42's scrape Accept header (scrape/scrape.go acceptHeader): OpenMetrics first. */
export const PROMETHEUS_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/** Replaces `from` (which must occur exactly once) by `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error("deploy/prometheus/prometheus.yml: expected exactly one `" + from.trim() + "`, found " + n);
  return text.replace(from, to);
}

/**
 * The repo's prometheus.yml with test intervals (1s scrape and rule evaluation, 1s scrape timeout, which may not
 * exceed the interval), the repo's rule files by absolute path and file_sd reading `targetsDir/*.json`.
 */
export function testConfig(targetsDir: string, port = 9090): string {
  let y = readFileSync(join(PROM_DIR, "prometheus.yml"), "utf8");
  y = replaceOnce(y, '      - targets: ["127.0.0.1:9090"]\n', '      - targets: ["127.0.0.1:' + port + '"]\n');
  y = replaceOnce(y, "  scrape_interval: 15s\n", "  scrape_interval: 1s\n");
  y = replaceOnce(y, "  evaluation_interval: 15s\n", "  evaluation_interval: 1s\n");
  y = replaceOnce(y, "    scrape_timeout: 5s\n", "    scrape_timeout: 1s\n");
  y = replaceOnce(y, "  - rules/*.yml\n", "  - " + join(PROM_DIR, "rules") + "/*.yml\n");
  y = replaceOnce(y, "          - targets/*.json\n", "          - " + targetsDir + "/*.json\n");
  return y;
}

/** A TCP port free on 127.0.0.1 (get-port: not handed out twice in this process for a while). */
export function freePort(): Promise<number> {
  return getPort({ host: "127.0.0.1" });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` (vi.waitFor) until it returns ok, at most `timeoutMs`; the error shows the last answer. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<{ ok: boolean; value: T; last?: unknown }>,
  timeoutMs: number,
  everyMs = 250
): Promise<T> {
  let last: unknown = "(no answer yet)";
  try {
    return await vi.waitFor(
      async () => {
        let r: { ok: boolean; value: T; last?: unknown };
        try {
          r = await check();
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
          throw e;
        }
        last = r.last ?? r.value;
        if (!r.ok) throw new Error("not yet");
        return r.value;
      },
      { timeout: timeoutMs, interval: everyMs },
    );
  } catch {
    const shown = typeof last === "string" ? last : JSON.stringify(last);
    throw new Error(what + ": not reached within " + timeoutMs / 1000 + " s; last answer: " + shown.slice(0, 3000));
  }
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}
export interface ActiveTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
}

export class PrometheusProcess {
  readonly dir: string;
  readonly targetsDir: string;
  port = 0;
  /** Date.now() when the process was spawned */
  spawnedAt = 0;
  private child: ChildProcess | undefined;
  private log = "";

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "prom-e2e-"));
    this.targetsDir = join(this.dir, "targets");
    mkdirSync(this.targetsDir);
  }

  get base(): string {
    return "http://127.0.0.1:" + this.port;
  }

  /** Last lines Prometheus logged (for failure messages). */
  logTail(): string {
    return this.log.slice(-3000);
  }

  /** Starts Prometheus and waits until /-/ready answers (a busy port: up to 3 ports are tried). */
  async start(): Promise<void> {
    const bin = requireTool("prometheus", "prometheus");
    const cfg = join(this.dir, "prometheus.yml");
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      writeFileSync(cfg, testConfig(this.targetsDir, this.port));
      this.log = "";
      this.spawnedAt = Date.now();
      const child = spawn(
        bin,
        [
          "--config.file=" + cfg,
          "--storage.tsdb.path=" + join(this.dir, "tsdb-" + attempt),
          "--web.listen-address=127.0.0.1:" + this.port,
          "--log.level=warn",
        ],
        { stdio: ["ignore", "pipe", "pipe"] }
      );
      this.child = child;
      child.stdout?.on("data", (b) => (this.log = (this.log + b).slice(-20000)));
      child.stderr?.on("data", (b) => (this.log = (this.log + b).slice(-20000)));
      try {
        await pollUntil(
          "Prometheus /-/ready on 127.0.0.1:" + this.port,
          async () => {
            if (child.exitCode !== null || child.signalCode !== null) throw new Error("exited (" + (child.exitCode ?? child.signalCode) + "): " + this.logTail());
            const r = await fetch(this.base + "/-/ready", { signal: AbortSignal.timeout(2000) });
            return { ok: r.status === 200, value: undefined, last: r.status + " " + (await r.text()) };
          },
          20_000,
          100
        );
        return;
      } catch (e) {
        await this.stop();
        if (attempt >= 3 || !/address already in use/.test(this.log)) throw new Error(String(e) + "\nPrometheus log: " + this.logTail());
      }
    }
  }

  /** SIGTERM, SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  async stop(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(t);
  }

  /** Stops the process and removes the temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** GET /api/v1/<path>; throws unless status is "success" (the message carries the answer). */
  async api<T>(path: string, params: Record<string, string | number> = {}): Promise<T> {
    const q = new URLSearchParams();
    for (const k of Object.keys(params)) q.set(k, String(params[k]));
    const url = this.base + "/api/v1/" + path + (Object.keys(params).length ? "?" + q : "");
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    let j: { status?: string; data?: T };
    try {
      j = JSON.parse(text);
    } catch {
      throw new Error("GET " + url + " -> " + r.status + " " + text.slice(0, 500));
    }
    if (j.status !== "success") throw new Error("GET " + url + " -> " + r.status + " " + text.slice(0, 1000));
    return j.data as T;
  }

  /** Instant query; `time` in seconds (default now). */
  async query(expr: string, time?: number): Promise<VectorSample[]> {
    const d = await this.api<{ resultType: string; result: VectorSample[] }>("query", time === undefined ? { query: expr } : { query: expr, time });
    if (d.resultType !== "vector") throw new Error(expr + ": expected a vector, got " + d.resultType);
    return d.result;
  }

  /** Raw samples of a range selector (`expr` must end in `[range]`), as an instant query. */
  async rawRange(expr: string, time?: number): Promise<MatrixSeries[]> {
    const d = await this.api<{ resultType: string; result: MatrixSeries[] }>("query", time === undefined ? { query: expr } : { query: expr, time });
    if (d.resultType !== "matrix") throw new Error(expr + ": expected a matrix, got " + d.resultType);
    return d.result;
  }

  async queryRange(expr: string, start: number, end: number, step: number): Promise<MatrixSeries[]> {
    const d = await this.api<{ resultType: string; result: MatrixSeries[] }>("query_range", { query: expr, start, end, step });
    return d.result;
  }

  /** Active targets of job `job` (default: the devices; "prometheus" is Prometheus scraping itself). */
  async targets(job = "espruino"): Promise<ActiveTarget[]> {
    const d = await this.api<{ activeTargets: ActiveTarget[] }>("targets", { state: "active" });
    return d.activeTargets.filter((t) => t.labels.job === job);
  }
}
