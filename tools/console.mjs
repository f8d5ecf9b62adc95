#!/usr/bin/env node
// npm run console -- --port /dev/ttyUSB0|tcp://HOST:PORT [--baud 115200]
// A tiny raw terminal to a board's Espruino console (the same transport as the flash tool: a TCP socket or the
// serialport package the espruino CLI ships with). The terminal is put in raw mode; keys go to the board byte by
// byte, so Espruino's own line editor does the echo. Ctrl-] exits at once; Ctrl-C is sent to the board (it
// interrupts running code) and a second Ctrl-C within 1 s exits.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openLink, isTcpPort } from "./flash/link.mjs";
import { assertSerialBackend } from "./serial-backend.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** @param {string[]} argv */
function parse(argv) {
  let port = "";
  let baud = 115200;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "--port" || k === "-p") port = argv[++i] ?? "";
    else if (k === "--baud" || k === "-b") baud = Number(argv[++i]);
    else if (k === "--help" || k === "-h") return { help: true, port, baud };
    else throw new Error("unknown argument " + JSON.stringify(k));
  }
  if (!port) throw new Error("--port /dev/ttyUSB0|tcp://HOST:PORT is required");
  if (!(baud > 0)) throw new Error("--baud must be a positive number");
  return { help: false, port, baud };
}

async function main() {
  const a = parse(process.argv.slice(2));
  if (a.help) {
    process.stdout.write("npm run console -- --port /dev/ttyUSB0|tcp://HOST:PORT [--baud 115200]\nCtrl-] exits; Ctrl-C twice exits.\n");
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
  process.exit(1);
});
