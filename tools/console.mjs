#!/usr/bin/env node
// npm run console -- --port /dev/ttyUSB0|tcp://HOST:PORT [--baud 115200]
// A tiny raw terminal to a board's Espruino console (the same transport as the flash tool: a TCP socket or the
// serialport package the espruino CLI ships with). The terminal is put in raw mode; keys go to the board byte by
// byte, so Espruino's own line editor does the echo. Ctrl-] exits at once; Ctrl-C is sent to the board (it
// interrupts running code) and a second Ctrl-C within 1 s exits.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openLink, isTcpPort } from "./flash/link.mjs";
import { assertSerialBackend } from "./serial-backend.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const HELP = `npm run console -- --port /dev/ttyUSB0|tcp://HOST:PORT [--baud 115200]

  --port, -p P     serial device or tcp://HOST:PORT of the board's Espruino console
  --baud, -b N     serial baud rate (default 115200)
  --help, -h       this text

Ctrl-] exits at once; Ctrl-C goes to the board (it interrupts running code), a second one within 1 s exits.
Exit status: 0 closed by you or by the board; 2 bad arguments; 1 the console could not be opened.`;

class UsageError extends Error {}

/** @param {string[]} argv */
function parse(argv) {
  /** @type {{values: {port?: string, baud?: string, help?: boolean}}} */
  let p;
  try {
    p = parseArgs({
      args: argv,
      options: { port: { type: "string", short: "p" }, baud: { type: "string", short: "b" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
  } catch (e) {
    const m = /** @type {Error} */ (e).message;
    throw new UsageError(/argument missing|ambiguous/.test(m) ? (/--[a-z]+/.exec(m)?.[0] ?? "an option") + " needs a value" : "unknown argument " + (/'([^']*)'/.exec(m)?.[1] ?? ""));
  }
  const port = p.values.port ?? "";
  const baud = p.values.baud === undefined ? 115200 : Number(p.values.baud);
  if (p.values.help) return { help: true, port, baud };
  if (!port) throw new UsageError("--port /dev/ttyUSB0|tcp://HOST:PORT is required");
  if (!(baud > 0)) throw new UsageError("--baud must be a positive number");
  return { help: false, port, baud };
}

async function main() {
  const a = parse(process.argv.slice(2));
  if (a.help) {
    process.stdout.write(HELP + "\n");
    return;
  }
  if (!isTcpPort(a.port)) assertSerialBackend({ projectRoot: ROOT, port: a.port });
  const link = await openLink(a.port, { baud: a.baud, root: ROOT });
  process.stderr.write("console: connected to " + a.port + " (Ctrl-] or Ctrl-C twice to exit)\r\n");
  link.onData((b) => process.stdout.write(b));
  let exiting = false;
  const exit = async (/** @type {number} */ code) => {
    if (exiting) return;
    exiting = true;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    await link.close();
    process.stderr.write("\r\nconsole: closed\r\n");
    process.exit(code);
  };
  link.onClose(() => void exit(0));
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  let lastCtrlC = 0;
  process.stdin.on("data", (/** @type {Buffer} */ d) => {
    for (const b of d) {
      if (b === 0x1d) return void exit(0); // Ctrl-]
      if (b === 0x03) {
        const now = Date.now();
        if (now - lastCtrlC < 1000) return void exit(0);
        lastCtrlC = now;
      }
    }
    link.write(d);
  });
  process.stdin.on("end", () => void exit(0));
}

main().catch((e) => {
  process.stderr.write("console: " + (e instanceof Error ? e.message : String(e)) + "\n");
  process.exit(e instanceof UsageError ? 2 : 1);
});
