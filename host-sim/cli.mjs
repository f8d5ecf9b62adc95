#!/usr/bin/env node
// npm start / npm run sim: runs the built firmware bundle on simulated boards in real time, one device or a
// fleet; HELP below is what --help prints (options, output, exit codes).
// Details: docs/simulator.md "host-sim/cli.mjs".
import { parseArgs } from "node:util";
import { readFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SimDevice, DEFAULT_BUNDLE } from "./device.mjs";
import { fromSpecFile, signalPinError } from "./signals.mjs";
import { parseSchedule } from "./faults.mjs";
import { loadBoard } from "./boards.mjs";
import { startFleet } from "./fleet.mjs";
import { startFleetThreads, autoWorkers } from "./fleet-threads.mjs";
import { provisionStorage, demoSignals, boardProfileJson, ConfigError, CONFIG_FILE, SECRETS_FILE } from "./provision.mjs";

export { CONFIG_FILE, SECRETS_FILE };

export class UsageError extends Error {}
/** The firmware could not start on the simulated board (exit 1, one line). */
export class BootError extends Error {}

export const HELP = `npm start / npm run sim [-- options]: runs the built firmware bundle on simulated boards in real time.
One device:
  --port N          host port on 127.0.0.1 for the device's HTTP server (default 8080; 0 = ephemeral)
  --bundle FILE     bundle to run (default dist/firmware.min.js)
  --board NAME      board profile (boards/NAME.json or a path; default esp32-devkitc)
  --config FILE     JSON validated here and seeded into Storage as the device file
  --secrets FILE    JSON seeded into Storage as telemetry.secrets.json (its content is never printed)
  --signals FILE    analogRead sources per pin, {"D32": {"type": "sine", ...}} (host-sim/signals.mjs)
  --faults FILE     fault schedule, [{"at": s, "fault": name, ...}] (host-sim/faults.mjs)
  Prints "listening on http://127.0.0.1:PORT (the device's port N)" once bound and echoes the console as "[device] ...".
Fleet (--devices N):
  --devices N       N devices sim-001..., each with its own realm, config (device, location), signal, port
  --base-port P     device i listens on P+i (default 0: ephemeral ports)
  --sample-rate HZ  sampleRateHz seeded in every config (default: the --config file's, else 10)
  --targets FILE    writes a Prometheus file_sd JSON of the fleet (config/file-sd.mjs)
  --workers N|auto  worker threads carrying the devices (default auto: one per core above 100 devices, none
                    below; 0 = all in this thread, which saturates near 300 devices at 10 Hz)
  --quiet           do not echo device consoles
  Prints "started K/N devices" progress to stderr, then one line per device
  "sim-001 http://127.0.0.1:PORT/metrics location=..." and a summary line to stdout.
Exit codes: 0 after SIGINT/SIGTERM (and for --help); 2 for bad options, a config the board refuses (every
problem, one per line) or a busy port (one line on stderr); 1 otherwise (e.g. the firmware ran out of memory before it listened: it does not fit the board).`;

/** `--help`: HELP with a final newline. */
export function helpText() {
  return HELP + "\n";
}

/**
 * @typedef {object} CliOptions
 * @property {boolean} [help]   --help: print helpText() and exit 0
 * @property {number} port
 * @property {string} bundle
 * @property {string | undefined} board
 * @property {Record<string, unknown> | undefined} config   parsed config JSON
 * @property {unknown} secrets                          parsed secrets JSON (undefined: none)
 * @property {{json: unknown, baseDir: string, name: string} | undefined} signals
 * @property {unknown} faults                           validated schedule (undefined: none)
 * @property {number | undefined} devices               fleet size (undefined: one device)
 * @property {number} basePort
 * @property {number | undefined} sampleRateHz
 * @property {number | "auto"} [workers]
 * @property {string | undefined} targets
 * @property {boolean} quiet
 */

/**
 * @param {string} file @param {string} flag @param {{secret?: boolean}} [opts]
 */
function readJson(file, flag, opts) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError("cannot read " + flag + " file " + file);
  }
  try {
    // a UTF-8 byte-order mark (some editors write one) is not part of the JSON
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // never echo a secrets file's content (JSON.parse messages quote it)
    throw new UsageError(flag + " " + file + " is not valid JSON" + (opts?.secret ? "" : ": " + (e instanceof Error ? e.message : String(e))));
  }
}

/**
 * @param {string | undefined} v @param {string} flag @param {number} min @param {number} max
 */
function intOption(v, flag, min, max) {
  const n = Number(v);
  if (v === undefined || v === "" || !Number.isInteger(n) || n < min || n > max) throw new UsageError(flag + " must be an integer " + min + ".." + max + ", got '" + v + "'");
  return n;
}

/**
 * @param {string[]} argv
 * @returns {CliOptions}
 */
export function parseCli(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        bundle: { type: "string" },
        board: { type: "string" },
        config: { type: "string" },
        secrets: { type: "string" },
        signals: { type: "string" },
        faults: { type: "string" },
        devices: { type: "string" },
        "base-port": { type: "string" },
        "sample-rate": { type: "string" },
        targets: { type: "string" },
        workers: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return /** @type {CliOptions} */ ({ help: true });
  const fleet = values.devices !== undefined;
  const devices = fleet ? intOption(values.devices, "--devices", 1, 5000) : undefined;
  if (fleet && values.port !== undefined) throw new UsageError("--port is for one device; with --devices use --base-port");
  if (!fleet) {
    for (const f of ["base-port", "sample-rate", "targets", "workers", "quiet"]) {
      if (/** @type {Record<string, unknown>} */ (values)[f] !== undefined) throw new UsageError("--" + f + " needs --devices N");
    }
  }
  const port = values.port === undefined ? 8080 : intOption(values.port, "--port", 0, 65535);
  const basePort = values["base-port"] === undefined ? 0 : intOption(values["base-port"], "--base-port", 0, 65535);
  if (devices !== undefined && basePort && basePort + devices - 1 > 65535) throw new UsageError("--base-port " + basePort + " + " + devices + " devices goes past port 65535");
  const sampleRateHz = values["sample-rate"] === undefined ? undefined : intOption(values["sample-rate"], "--sample-rate", 1, 100000);
  const workers = values.workers === undefined || values.workers === "auto" ? "auto" : intOption(values.workers, "--workers", 0, 64);
  const bundle = values.bundle ?? DEFAULT_BUNDLE;
  if (!existsSync(bundle)) throw new UsageError("bundle not found: " + bundle + (values.bundle ? "" : " (run `npm run build`)"));
  /** @type {Record<string, unknown> | undefined} */
  let config;
  if (values.config !== undefined) {
    const c = readJson(values.config, "--config");
    if (!c || typeof c !== "object" || Array.isArray(c)) throw new UsageError("--config " + values.config + " must hold a JSON object");
    config = c;
  }
  const secrets = values.secrets === undefined ? undefined : readJson(values.secrets, "--secrets", { secret: true });
  let signals;
  if (values.signals !== undefined) {
    const json = readJson(values.signals, "--signals");
    const baseDir = dirname(resolve(values.signals));
    try {
      fromSpecFile(json, { baseDir, name: values.signals }); // validate now: errors are usage errors
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    let profile;
    try {
      profile = loadBoard(values.board);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const bad = signalPinError(json, profile, "--signals " + values.signals);
    if (bad) throw new UsageError(bad);
    signals = { json, baseDir, name: values.signals };
  }
  let faults;
  if (values.faults !== undefined) {
    try {
      faults = parseSchedule(readJson(values.faults, "--faults"), values.faults);
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError(e instanceof Error ? e.message : String(e));
    }
  }
  if (values.targets !== undefined && !existsSync(dirname(resolve(values.targets)))) throw new UsageError("--targets: directory of " + values.targets + " does not exist");
  return {
    port,
    bundle,
    board: values.board,
    config,
    secrets,
    signals,
    faults,
    devices,
    basePort,
    sampleRateHz,
    workers,
    targets: values.targets,
    quiet: !!values.quiet,
  };
}

/** @param {unknown} e @param {number} port */
function listenError(e, port) {
  const err = /** @type {Error & {code?: string, port?: number}} */ (e);
  const p = err.port ?? port;
  if (err && err.code === "EADDRINUSE") return new UsageError("port " + p + " on 127.0.0.1 is already in use");
  if (err && err.code === "EACCES") return new UsageError("no permission to listen on 127.0.0.1:" + p);
  return undefined;
}

/** @param {() => Promise<void>} stop */
function onSignals(stop) {
  /** @param {string} sig */
  const shutdown = (sig) => {
    process.stderr.write("received " + sig + ", stopping\n");
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    stop().then(() => process.exit(0));
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

/**
 * Runs one real-time device until a signal arrives.
 * @param {CliOptions} o
 */
export async function runSingle(o) {
  /** @type {SimDevice} */
  let dev;
  try {
    // The Storage files a flashed board has (the config validated here); without --config/--secrets a demo
    // config on the board's first ADC pins (with matching default signals) and the simulated AP's credentials.
    const storage = provisionStorage({ board: o.board, config: o.config, secrets: o.secrets });
    const profile = boardProfileJson(o.board);
    dev = new SimDevice({
      bundle: o.bundle,
      board: o.board,
      clock: "realtime",
      startTime: Date.now() / 1000,
      hostPort: o.port,
      storage,
      signals: o.signals
        ? fromSpecFile(o.signals.json, { baseDir: o.signals.baseDir, name: o.signals.name })
        : o.config === undefined
          ? fromSpecFile(demoSignals(profile), { name: "default signals" })
          : undefined,
      onConsole: (line) => process.stdout.write("[device] " + line + "\n"),
    });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  let announced = false;
  dev.on("listening", (/** @type {{hostPort: number, devicePort: number}} */ info) => {
    if (announced) return;
    announced = true;
    // the device's own console says "listening on port 80": name both, so the two lines do not read as a conflict
    process.stdout.write("listening on http://127.0.0.1:" + info.hostPort + " (the device's port " + info.devicePort + ")\n");
  });
  onSignals(() => dev.stop());
  try {
    await dev.boot();
  } catch (e) {
    await dev.stop();
    throw listenError(e, o.port) ?? e;
  }
  if (!announced && dev.console.some((l) => l.includes("OUT OF MEMORY"))) {
    const total = dev.memory.total;
    await dev.stop();
    throw new BootError(
      "the firmware ran out of memory while booting on " + dev.board.name + " (" + total + " JsVars) and never listened: " +
        "it does not fit this board yet (boards/README.md, \"Which profiles the full firmware fits today\")",
    );
  }
  if (o.faults) dev.schedule(/** @type {any} */ (o.faults));
}

/**
 * Runs a fleet until a signal arrives.
 * @param {CliOptions} o
 */
export async function runFleet(o) {
  const n = /** @type {number} */ (o.devices);
  /** @type {{devices: {name: string, address: string, location: string, hostPort: number}[], startMs: number, writeTargets: (p: string) => unknown, stop: () => Promise<void>} | undefined} */
  let fleet;
  const workers = o.workers === undefined || o.workers === "auto" ? autoWorkers(n) : o.workers;
  let stopping = false;
  onSignals(async () => {
    stopping = true;
    await fleet?.stop();
  });
  try {
    const options = {
      devices: n,
      basePort: o.basePort,
      bundle: o.bundle,
      board: o.board,
      config: o.config,
      secrets: o.secrets,
      signals: o.signals,
      faults: o.faults,
      sampleRateHz: o.sampleRateHz,
      onProgress: (/** @type {number} */ k, /** @type {number} */ total) => process.stderr.write("started " + k + "/" + total + " devices\n"),
      onConsole: o.quiet ? undefined : (/** @type {string} */ name, /** @type {string} */ line) => process.stdout.write("[" + name + "] " + line + "\n"),
    };
    fleet =
      workers > 0
        ? await startFleetThreads({
            ...options,
            workers,
            onWorkerExit: (message) => {
              process.stderr.write("error: " + message + "\n");
              process.exit(1);
            },
          })
        : await startFleet(options);
  } catch (e) {
    const u = listenError(e, o.basePort);
    if (u) throw u;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (stopping) return;
  for (const d of fleet.devices) process.stdout.write(d.name + " http://" + d.address + "/metrics location=" + d.location + "\n");
  if (o.targets) {
    try {
      fleet.writeTargets(o.targets);
    } catch (e) {
      await fleet.stop();
      throw new UsageError("--targets " + o.targets + ": " + (e instanceof Error ? e.message : String(e)));
    }
  }
  const ports = fleet.devices.map((d) => d.hostPort);
  const mem = process.memoryUsage();
  process.stdout.write(
    "fleet: " + n + " devices listening on 127.0.0.1 ports " + Math.min(...ports) + "-" + Math.max(...ports) +
      (workers > 0 ? ", " + workers + " worker threads" : "") +
      ", started in " + (fleet.startMs / 1000).toFixed(1) + " s, heap " + Math.round(mem.heapUsed / 1048576) +
      " MiB, rss " + Math.round(mem.rss / 1048576) + " MiB" + (o.targets ? ", targets " + o.targets : "") + "\n"
  );
}

async function main() {
  // `| head` closes stdout early: end quietly instead of a stack trace
  process.stdout.on("error", (e) => {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === "EPIPE") process.exit(0);
  });
  try {
    const o = parseCli(process.argv.slice(2));
    if (o.help) {
      process.stdout.write(helpText());
      return;
    }
    if (o.devices === undefined) await runSingle(o);
    else await runFleet(o);
  } catch (e) {
    if (e instanceof ConfigError) {
      // every problem of the config, one per line (the flash tool prints the same list)
      process.stderr.write("error: " + e.message + "\n");
      process.exit(2);
    }
    if (e instanceof UsageError) {
      process.stderr.write("error: " + e.message.split("\n")[0] + "\n");
      process.exit(2);
    }
    if (e instanceof BootError) {
      process.stderr.write("error: " + e.message + "\n");
      process.exit(1);
    }
    process.stderr.write("error: " + (e instanceof Error ? e.stack : String(e)) + "\n");
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
