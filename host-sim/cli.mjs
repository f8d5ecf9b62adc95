#!/usr/bin/env node
// npm start / npm run sim: runs the built firmware bundle on one simulated board in real time.
//   --port N       host port on 127.0.0.1 for the device's HTTP server (default 8080; 0 = ephemeral)
//   --bundle FILE  bundle to run (default dist/firmware.min.js)
//   --board NAME   board profile (boards/NAME.json or a path; default esp32-devkitc)
//   --config FILE  JSON file seeded into Storage as telemetry.config.json
// Prints "listening on http://127.0.0.1:PORT" once bound and echoes the device console as "[device] ...".
// Exit codes: 0 after SIGINT/SIGTERM, 2 for bad options or a busy port, 1 for anything unexpected.
// Structured as parseCli() -> run*(): a later issue adds `--devices N --base-port P` (fleet mode).
import { parseArgs } from "node:util";
import { readFileSync, existsSync } from "node:fs";
import { SimDevice, DEFAULT_BUNDLE } from "./device.mjs";

export const CONFIG_FILE = "telemetry.config.json";

class UsageError extends Error {}

/**
 * @typedef {object} CliOptions
 * @property {number} port
 * @property {string} bundle
 * @property {string | undefined} board
 * @property {unknown} config  parsed config JSON, or undefined
 */

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
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) throw new UsageError("usage: node host-sim/cli.mjs [--port N] [--bundle FILE] [--board NAME] [--config FILE]");
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be an integer 0..65535, got '" + values.port + "'");
  const bundle = values.bundle ?? DEFAULT_BUNDLE;
  if (!existsSync(bundle)) throw new UsageError("bundle not found: " + bundle + (values.bundle ? "" : " (run `npm run build`)"));
  let config;
  if (values.config !== undefined) {
    let text;
    try {
      text = readFileSync(values.config, "utf8");
    } catch {
      throw new UsageError("cannot read --config file " + values.config);
    }
    try {
      config = JSON.parse(text);
    } catch (e) {
      throw new UsageError("--config " + values.config + " is not valid JSON: " + (e instanceof Error ? e.message : String(e)));
    }
  }
  return { port, bundle, board: values.board, config };
}

/**
 * Runs one real-time device until a signal arrives.
 * @param {CliOptions} o
 */
export async function runSingle(o) {
  /** @type {SimDevice} */
  let dev;
  try {
    dev = new SimDevice({
      bundle: o.bundle,
      board: o.board,
      clock: "realtime",
      startTime: Date.now() / 1000,
      hostPort: o.port,
      storage: o.config === undefined ? undefined : { [CONFIG_FILE]: o.config },
      onConsole: (line) => process.stdout.write("[device] " + line + "\n"),
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  let announced = false;
  dev.on("listening", (/** @type {{hostPort: number}} */ info) => {
    if (announced) return;
    announced = true;
    process.stdout.write("listening on http://127.0.0.1:" + info.hostPort + "\n");
  });
  /** @param {string} sig */
  const shutdown = (sig) => {
    process.stderr.write("received " + sig + ", stopping\n");
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    dev.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  try {
    await dev.boot();
  } catch (e) {
    await dev.stop();
    const err = /** @type {Error & {code?: string}} */ (e);
    if (err && err.code === "EADDRINUSE") throw new UsageError("port " + o.port + " on 127.0.0.1 is already in use");
    if (err && err.code === "EACCES") throw new UsageError("no permission to listen on 127.0.0.1:" + o.port);
    throw e;
  }
}

async function main() {
  try {
    await runSingle(parseCli(process.argv.slice(2)));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write("error: " + e.message + "\n");
      process.exit(2);
    }
    process.stderr.write("error: " + (e instanceof Error ? e.stack : String(e)) + "\n");
    process.exit(1);
  }
}

main();
