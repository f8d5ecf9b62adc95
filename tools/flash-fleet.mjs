#!/usr/bin/env node
// npm run flash:fleet -- devices.csv --config device.json [--secrets s.json] [--parallel N]: reflashes every board
// of a fleet inventory over its network console, one tools/flash.mjs run per board, one line each, a summary.
// Details: docs/host-tools.md "tools/flash-fleet.mjs".
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseDevicesCsv, CsvError } from "./targets.mjs";
import { toFileSd, FileSdError } from "../config/file-sd.mjs";
import { isTelnetPort, parseTcp } from "./flash/link.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FLASH = join(ROOT, "tools", "flash.mjs");

const HELP = `npm run flash:fleet -- devices.csv --config FILE [options]

Reflashes every board in a fleet inventory (the CSV of npm run targets: address, device, location, board, and
optionally console) over the network: for each row, tools/flash.mjs with the row's board profile, its console
(the console column, else tcp://HOST:23 of the address: the ESP32's Telnet console), the config with the row's
device and location, and --address (so /metrics is checked after the boot).
  --config FILE     the base device config (JSON); it must keep "telnet": true for boards reached on port 23,
                    or no later flash reaches them over the network
  --secrets FILE    passed to every flash (else the TELEMETRY_* variables, as npm run flash reads them)
  --parallel N      boards flashed at once (default 4)
  --timeout S       per board, passed to the flash (default 180)
  --no-upload-delay passed to every flash: no pause after Storage writes (the default over port 23 anyway; for
                    consoles on other flow-controlled TCP ports, e.g. a ser2net bridge with flow control)
  --no-pretokenise  passed to every flash: .bootcde as JavaScript text, not pretokenised
  --help, -h        this text

Prints one line per board as it finishes ("sim-001  ok  2.6 s  boot 3 …" or "sim-002  FAILED  exit 3: …") and a
summary. Exit status: 0 every board flashed and verified; 1 at least one failed (the others are done); 2 bad
arguments, inventory or config (no board touched).`;

class UsageError extends Error {}

/**
 * @param {string[]} argv
 * @returns {{help: true} | {help: false, csv: string, config: string, secrets: string | undefined, parallel: number, timeout: number, noUploadDelay: boolean, noPretokenise: boolean}}
 */
function parse(argv) {
  /** @type {any} */
  let v;
  try {
    v = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { config: { type: "string" }, secrets: { type: "string" }, parallel: { type: "string" }, timeout: { type: "string" }, "no-upload-delay": { type: "boolean" }, "no-pretokenise": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split("\n")[0] : String(e));
  }
  if (v.values.help) return { help: true };
  if (v.positionals.length !== 1) throw new UsageError("give exactly one inventory CSV (npm run flash:fleet -- devices.csv --config FILE)");
  if (!v.values.config) throw new UsageError("--config FILE is required (the base device config)");
  const int = (/** @type {string | undefined} */ s, /** @type {string} */ k, /** @type {number} */ d) => {
    if (s === undefined) return d;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(k + " must be a positive integer, got " + JSON.stringify(s));
    return n;
  };
  return { help: false, csv: v.positionals[0], config: v.values.config, secrets: v.values.secrets, parallel: int(v.values.parallel, "--parallel", 4), timeout: int(v.values.timeout, "--timeout", 180), noUploadDelay: v.values["no-upload-delay"] === true, noPretokenise: v.values["no-pretokenise"] === true };
}

/** The console of a row: its console column, else port 23 of the address's host. @param {import("../config/file-sd.mjs").Device} d */
export function consoleOf(d) {
  if (d.console) {
    parseTcp(d.console); // throws a LinkError naming the value
    return d.console;
  }
  const host = d.address.startsWith("[") ? d.address.slice(0, d.address.indexOf("]") + 1) : d.address.split(":")[0];
  return "tcp://" + host + ":23";
}

/** The flashes running now (a signal to this tool is passed on to them). @type {Set<import("node:child_process").ChildProcess>} */
const running = new Set();

/**
 * One board: tools/flash.mjs as a child, its output kept. Past its own time limits (the CLI's --timeout plus the
 * boot check, read-back and HTTP checks around it) it gets SIGTERM (it cleans up and stops the CLI), then SIGKILL.
 * @param {string[]} args @param {number} timeoutSec
 * @returns {Promise<{ ok: boolean, code: number | null, out: string, err: string, ms: number }>}
 */
function flashOne(args, timeoutSec) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [FLASH, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (b) => (out += b));
  child.stderr?.on("data", (b) => (err += b));
  /** @type {NodeJS.Timeout | undefined} */
  let kill;
  const term = setTimeout(() => {
    err += "flash: stopped after " + (timeoutSec + 150) + " s\n";
    child.kill("SIGTERM");
    kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
  }, (timeoutSec + 150) * 1000);
  return new Promise((r) => {
    const done = (/** @type {number | null} */ code, /** @type {string} */ extra) => {
      clearTimeout(term);
      if (kill) clearTimeout(kill);
      running.delete(child);
      r({ ok: code === 0, code, out, err: err + extra, ms: Date.now() - t0 });
    };
    child.on("error", (e) => done(null, "flash: cannot start " + FLASH + ": " + e.message + "\n"));
    child.on("close", (code) => done(code, ""));
  });
}

async function main() {
  const a = parse(process.argv.slice(2));
  if (a.help === true) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  let rows;
  try {
    rows = parseDevicesCsv(readFileSync(a.csv, "utf8"));
  } catch (e) {
    if (e instanceof CsvError) throw new UsageError(a.csv + ":" + e.message.replace(/^line /, ""));
    throw new UsageError("cannot read " + a.csv + ": " + (e instanceof Error ? e.message : String(e)));
  }
  try {
    toFileSd(rows); // names (unique, [A-Za-z0-9_.-]), locations, addresses, boards: what npm run targets checks
  } catch (e) {
    if (e instanceof FileSdError) throw new UsageError(a.csv + ":" + e.message.replace(/^row /, "").replace(/^line /, ""));
    throw e;
  }
  let base;
  try {
    base = JSON.parse(readFileSync(a.config, "utf8"));
  } catch (e) {
    throw new UsageError("config " + a.config + ": " + (e instanceof Error ? e.message : String(e)));
  }
  if (!base || typeof base !== "object" || Array.isArray(base)) throw new UsageError("config " + a.config + " must hold a JSON object");
  const consoles = rows.map((d) => {
    try {
      return consoleOf(d);
    } catch (e) {
      throw new UsageError(a.csv + ":" + d.line + ": field `console`: " + (e instanceof Error ? e.message : String(e)));
    }
  });
  if (base.telnet !== true && consoles.some(isTelnetPort)) {
    throw new UsageError('config ' + a.config + ' does not say "telnet": true: the boards reached on port 23 would close their console at boot, and no later flash would reach them over the network');
  }
  const tmp = mkdtempSync(join(tmpdir(), "flash-fleet-"));
  process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
  // Ctrl-C or a kill: the running flashes are told too (each cleans up and stops its CLI), then this tool ends
  for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
    process.on(sig, () => {
      for (const c of running) c.kill("SIGTERM");
      const t = setTimeout(() => process.exit(130), 10_000);
      const wait = setInterval(() => {
        if (running.size === 0) {
          clearTimeout(t);
          clearInterval(wait);
          process.exit(130);
        }
      }, 100);
    });
  }
  const width = Math.max(...rows.map((d) => d.device.length));
  const t0 = Date.now();
  process.stdout.write("flashing " + rows.length + " board" + (rows.length === 1 ? "" : "s") + " from " + a.csv + ", " + Math.min(a.parallel, rows.length) + " at a time\n");
  /** @type {string[]} */
  const failed = [];
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const i = next++;
      const d = rows[i];
      const cfg = join(tmp, "row-" + i + ".json");
      writeFileSync(cfg, JSON.stringify({ ...base, device: d.device, location: d.location }));
      const args = ["--board", d.board, "--port", consoles[i], "--config", cfg, "--address", d.address, "--timeout", String(a.timeout)];
      if (a.secrets) args.push("--secrets", resolve(a.secrets));
      if (a.noUploadDelay) args.push("--no-upload-delay");
      if (a.noPretokenise) args.push("--no-pretokenise");
      const r = await flashOne(args, a.timeout);
      const name = d.device.padEnd(width);
      const secs = (r.ms / 1000).toFixed(1) + " s";
      if (r.ok) {
        const boot = /^boot: +espruino-telemetry (\S+) boot (\d+)/m.exec(r.out);
        process.stdout.write(name + "  ok      " + secs + (boot ? "  build " + boot[1] + ", boot " + boot[2] : "") + "\n");
      } else {
        failed.push(d.device);
        const why = r.err.trim().split("\n").map((l) => l.replace(/^flash: /, "")).join("\n    ") || "no message (killed?)";
        process.stdout.write(name + "  FAILED  " + secs + "  exit " + r.code + ": " + why + "\n");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(a.parallel, rows.length) }, worker));
  const ok = rows.length - failed.length;
  process.stdout.write(
    "fleet flash: " + ok + " ok, " + failed.length + " failed of " + rows.length + " in " + ((Date.now() - t0) / 1000).toFixed(1) + " s" + (failed.length ? " (failed: " + failed.join(", ") + ")" : "") + "\n",
  );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write("flash:fleet: " + (e instanceof Error ? e.message : String(e)) + "\n");
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
