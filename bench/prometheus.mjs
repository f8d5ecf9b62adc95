// A real Prometheus (the Debian binary) scraping a file_sd target list every second, for the fleet bench: started
// on a free 127.0.0.1 port with its TSDB in a temp dir, asked over its HTTP API, always killed.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import getPort from "get-port";
import which from "which";

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts Prometheus scraping the targets `writeTargets(file)` writes, job "fleet", interval and timeout 1 s.
 * Resolves once it is ready; undefined when no `prometheus` is installed.
 * @param {(file: string) => unknown} writeTargets
 */
export async function startPrometheus(writeTargets) {
  const bin = which.sync("prometheus", { nothrow: true });
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "bench-prometheus-"));
  writeTargets(join(dir, "targets.json"));
  writeFileSync(
    join(dir, "prometheus.yml"),
    "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: fleet\n    file_sd_configs: [{files: ['" + join(dir, "targets.json") + "']}]\n",
  );
  const port = await getPort({ host: "127.0.0.1" });
  const child = spawn(bin, ["--config.file=" + join(dir, "prometheus.yml"), "--storage.tsdb.path=" + join(dir, "data"), "--web.listen-address=127.0.0.1:" + port], { stdio: "ignore" });
  const base = "http://127.0.0.1:" + port;
  const stop = async () => {
    child.kill("SIGKILL");
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (i >= 100) {
      await stop();
      throw new Error("prometheus did not get ready within 20 s");
    }
    if (await fetch(base + "/-/ready").then((r) => r.ok, () => false)) break;
    await sleep(200);
  }
  return {
    startedAt: Date.now() / 1000,
    /** Raw samples of a range-vector selector at now: [{metric, values: [[t, "v"], ...]}]. @param {string} expr */
    async raw(expr) {
      const r = await fetch(base + "/api/v1/query?query=" + encodeURIComponent(expr));
      const j = /** @type {any} */ (await r.json());
      if (j.status !== "success") throw new Error("prometheus: " + expr + ": " + j.error);
      return /** @type {{metric: Record<string, string>, values: [number, string][]}[]} */ (j.data.result);
    },
    stop,
  };
}
