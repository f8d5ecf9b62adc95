// Finds Debian-packaged system tools the tests need (promtool, prometheus, pushgateway, python3 OpenMetrics parser).
// Missing tool: when running as root with apt-get available, install the Debian package with a visible message;
// otherwise throw with the exact install command. Never skips: a missing tool is a failure.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import whichPkg from "which";

const whichSync = whichPkg.sync;

/** Absolute path of `cmd` on PATH (or in /usr/bin, /usr/sbin, /bin), or undefined (the `which` package). */
export function which(cmd: string): string | undefined {
  const path = [process.env.PATH ?? "", "/usr/bin", "/usr/sbin", "/bin"].filter(Boolean).join(":");
  return whichSync(cmd, { path, nothrow: true }) ?? undefined;
}

function installCommand(pkg: string): string {
  return "apt-get update && apt-get install -y --no-install-recommends " + pkg;
}

const attempted = new Set<string>();

/** Installs Debian package `pkg` when allowed (root + apt-get), printing what it does. Throws otherwise. */
export function aptInstall(pkg: string, why: string): void {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !which("apt-get")) {
    throw new Error(why + " is missing; install it with: sudo " + installCommand(pkg));
  }
  if (attempted.has(pkg)) throw new Error(why + " is still missing after installing " + pkg);
  attempted.add(pkg);
  process.stderr.write("[system-tools] " + why + " not found: running `" + installCommand(pkg) + "`\n");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const upd = spawnSync("apt-get", ["update"], { stdio: ["ignore", "ignore", "inherit"], env });
  if (upd.status !== 0) throw new Error("apt-get update failed; install " + why + " with: " + installCommand(pkg));
  const inst = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
    stdio: ["ignore", "ignore", "inherit"],
    env,
  });
  if (inst.status !== 0) throw new Error("apt-get install " + pkg + " failed; install " + why + " with: " + installCommand(pkg));
}

/** Path of command `cmd` from Debian package `pkg`, installing it if allowed. */
export function requireTool(cmd: string, pkg: string): string {
  let p = which(cmd);
  if (!p) {
    aptInstall(pkg, "`" + cmd + "` (Debian package " + pkg + ")");
    p = which(cmd);
  }
  if (!p) throw new Error("`" + cmd + "` not found even after installing " + pkg);
  return p;
}

export function promtoolPath(): string {
  return requireTool("promtool", "prometheus");
}

export interface PromtoolResult {
  /** 0 clean, 3 lint problems, 1 parse errors */
  status: number;
  output: string;
}

/** Runs `promtool check metrics` on an exposition body. */
export function promtoolCheckMetrics(body: string): PromtoolResult {
  const r = spawnSync(promtoolPath(), ["check", "metrics"], { input: body, encoding: "utf8", timeout: 30_000 });
  return { status: r.status ?? -1, output: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** Parses an OpenMetrics body with python3-prometheus-client's strict parser; returns its JSON summary. */
/** Sample values are numbers, or the strings "NaN", "+Inf", "-Inf" for non-finite values. */
export function openMetricsParse(body: string): { ok: boolean; error?: string; families?: unknown } {
  // Debian's python3 (where apt installs the module), not a pyenv python that may come first on PATH.
  const py = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : requireTool("python3", "python3");
  const probe = spawnSync(py, ["-c", "import prometheus_client.openmetrics.parser"], { encoding: "utf8" });
  if (probe.status !== 0) aptInstall("python3-prometheus-client", "python3 module prometheus_client (Debian package python3-prometheus-client)");
  const script = [
    "import sys, json, math",
    "from prometheus_client.openmetrics.parser import text_string_to_metric_families",
    "def num(v):",
    "    # JSON has no NaN/Inf: non-finite values travel as their exposition spelling",
    "    if math.isnan(v): return 'NaN'",
    "    if math.isinf(v): return '+Inf' if v > 0 else '-Inf'",
    "    return v",
    "try:",
    "    fams = []",
    "    for f in text_string_to_metric_families(sys.stdin.read()):",
    "        fams.append({'name': f.name, 'type': f.type, 'help': f.documentation,",
    "                     'samples': [[s.name, s.labels, num(s.value)] for s in f.samples]})",
    "    print(json.dumps({'ok': True, 'families': fams}))",
    "except Exception as e:",
    "    print(json.dumps({'ok': False, 'error': repr(e)}))",
  ].join("\n");
  const out = execFileSync(py, ["-c", script], { input: body, encoding: "utf8", timeout: 30_000 });
  return JSON.parse(out);
}
