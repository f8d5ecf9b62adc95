// tools/flash.mjs against the real Espruino interpreter (../shared/espruino, tools/espruino-linux.mjs) started with
// --telnet: its JavaScript console on tcp://127.0.0.1:2323, as an ESP32 serves it on port 23. The board's Storage
// holds only the stand-in `.boot0` (test/real-interpreter/board-stand-in.mjs); the flash writes the rest with the
// stock CLI, and must see the firmware's boot line on the console. Then the interpreter restarts with no argument
// (boots from Storage as a board does) and serves /metrics. One interpreter at a time owns port 2323: the tests run
// in order, every interpreter is stopped (quit(), SIGKILL after 2 s) and every flash run killed after afterEach.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";
import { Espruino, writeStorage } from "../../tools/espruino-linux.mjs";
import { standInSource } from "./board-stand-in.mjs";
import { requireInterpreter } from "./interpreter.js";
import { tempDir } from "../support/temp-dir.js";
import { freePort } from "../prometheus-e2e/prometheus.js";
import { runFlash, type FlashRun } from "../flash/run-flash.js";
import { flashOut as flashOutFiles } from "./real-device.js";
import { ensureBuilt, builtVersion } from "../sim/helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TELNET = "tcp://127.0.0.1:2323";
const RUN_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT = 240_000;

const available = requireInterpreter([16383, 8190, 4095]);

const interpreters: Espruino[] = [];
const children: ChildProcess[] = [];

type Run = FlashRun;

/** node tools/flash.mjs ARGS, no TELEMETRY_* secrets from this environment, killed after RUN_TIMEOUT_MS. */
function flash(args: string[]): Promise<Run> {
  return runFlash(args, { timeoutMs: RUN_TIMEOUT_MS, children });
}


/** Whether something accepts connections on 127.0.0.1:`port` (connects and closes at once). */
function answers(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.connect({ host: "127.0.0.1", port });
    const done = (v: boolean) => {
      s.destroy();
      r(v);
    };
    s.setTimeout(1000, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/**
 * A board with only the stand-in `.boot0` in Storage, its console on 127.0.0.1:2323. Waits (bounded) for port 2323
 * to be free first, then until the Telnet console accepts connections.
 */
async function startBoard(jsVars: number, board: string, network: string): Promise<{ esp: Espruino; dir: string }> {
  for (let i = 0; await answers(2323); i++) {
    if (i >= 60) throw new Error("port 2323 is still in use after 60 s (another interpreter with --telnet?)");
    await new Promise((r) => setTimeout(r, 1000));
  }
  const dir = tempDir("flash-real-");
  writeStorage(dir, { ".boot0": standInSource({ board, network }) });
  const esp = new Espruino({ jsVars, dir, args: ["--telnet"] });
  interpreters.push(esp);
  await esp.waitFor(/G\.Williams[\s\S]*>/, 15000);
  const from = esp.out.length;
  for (let i = 0; !(await answers(2323)); i++) {
    if (i >= 50) throw new Error("the interpreter's Telnet console never accepted a connection on 2323; console:\n" + esp.console().slice(-2000));
    await new Promise((r) => setTimeout(r, 100));
  }
  await esp.waitFor(/<- Telnet/, 5000, from); // the probe's connection came and went: the console is back on stdio
  return { esp, dir };
}

/** Restarts the board from its Storage (no argument, no Telnet), as a board boots after power-on. */
function reboot(jsVars: number, dir: string): Espruino {
  const esp = new Espruino({ jsVars, dir });
  interpreters.push(esp);
  return esp;
}

async function getMetrics(port: number): Promise<{ status: number; body: string }> {
  let last: unknown;
  for (let i = 0; i < 40; i++) {
    try {
      const res = await fetch("http://127.0.0.1:" + port + "/metrics", { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error("GET /metrics on " + port + " failed: " + String(last));
}

function report(what: string, run: Run): void {
  process.stdout.write(`[flash real] ${what}: ${run.ms} ms (exit ${run.code})\n`);
}

let version = "";

beforeAll(() => {
  if (!available) return;
  ensureBuilt();
  version = builtVersion();
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const e of interpreters.splice(0)) await e.stop();
});

/** Flash `profile` onto a fresh board, then reboot it from Storage and scrape it. */
async function flashAndBoot(o: { profile: string; jsVars: number; board: string; network: string; config: Record<string, unknown> }): Promise<void> {
  const { esp, dir } = await startBoard(o.jsVars, o.board, o.network);
  const port = await freePort();
  const cfgFile = join(dir, "device.json");
  writeFileSync(cfgFile, JSON.stringify({ ...o.config, port }));
  const run = await flash(["--board", o.profile, "--port", TELNET, "--config", cfgFile]);
  report(o.profile + " on espruino-" + o.jsVars, run);
  if (run.code !== 0) process.stdout.write(run.out + run.err + "\n--- interpreter console:\n" + esp.console().slice(-3000) + "\n");
  expect(run.err).toBe("");
  expect(run.code).toBe(0);
  const boot = new RegExp("^boot: +espruino-telemetry " + version.replace(/[.+]/g, "\\$&") + " boot \\d+, config valid, sampling \\w+, listening on port " + port, "m");
  expect(run.out).toMatch(boot);
  // the stock CLI found every required module built in (process.env.MODULES), as on the board
  expect(run.out).not.toMatch(/Module \S+ not found/);
  expect(run.out).toMatch(/verify: +\.bootcde \d+ B, CRC32 ok/);
  expect(run.out).toMatch(/^done: +flash in \d+ ms/m);
  await esp.stop();

  const board = reboot(o.jsVars, dir);
  await board.waitFor(/espruino-telemetry \S+ boot \d+, [^\n]*listening on port \d+/, 30_000);
  const m = await getMetrics(port);
  expect(m.status).toBe(200);
  expect(m.body).toMatch(new RegExp('^espruino_build_info\\{[^}]*version="' + version.replace(/[.+]/g, "\\$&") + '"', "m"));
  expect(board.console()).not.toMatch(/Uncaught|OUT OF MEMORY/);
}

describe.skipIf(!available)("flash onto the real interpreter over its Telnet console", () => {
  it("esp32-devkitc (espruino-16383): flashed, boot line seen, reboots from Storage into /metrics", async () => {
    const example = JSON.parse(readFileSync(join(ROOT, "docs", "device.example.json"), "utf8"));
    // flashing over the network needs the console kept on (below: refused otherwise)
    await flashAndBoot({ profile: "esp32-devkitc", jsVars: 16383, board: "ESP32", network: "wifi", config: { ...example, telnet: true } });
  }, TEST_TIMEOUT);

  it('esp32-devkitc over its Telnet console without "telnet": true: refused before touching the device', async () => {
    const { esp, dir } = await startBoard(16383, "ESP32", "wifi");
    const from = esp.out.length;
    const cfgFile = join(dir, "device.json");
    writeFileSync(cfgFile, readFileSync(join(ROOT, "docs", "device.example.json"), "utf8"));
    const run = await flash(["--board", "esp32-devkitc", "--port", TELNET, "--config", cfgFile]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^flash: over the board's Telnet console \(tcp:\/\/127\.0\.0\.1:2323\) the config needs "telnet": true: /);
    await new Promise((r) => setTimeout(r, 200));
    expect(esp.out.slice(from)).not.toContain("-> Telnet");
  }, TEST_TIMEOUT);

  it("the firmware closes the board's Telnet console at boot unless the config keeps it (telnet: true)", async () => {
    for (const telnet of [false, true]) {
      for (let i = 0; await answers(2323); i++) {
        if (i >= 60) throw new Error("port 2323 is still in use after 60 s");
        await new Promise((r) => setTimeout(r, 1000));
      }
      const port = await freePort();
      const example = JSON.parse(readFileSync(join(ROOT, "docs", "device.example.json"), "utf8"));
      const files = flashOutFiles("esp32-devkitc", { ...example, port, telnet });
      const dir = tempDir("telnet-policy-");
      writeStorage(dir, { ...files, ".boot0": standInSource({ board: "ESP32", network: "wifi" }) });
      // started as an ESP32 starts: the console on the network (Linux: --telnet, port 2323), then the firmware boots
      const esp = new Espruino({ jsVars: 16383, dir, args: ["--telnet"] });
      interpreters.push(esp);
      await esp.waitFor(/espruino-telemetry \S+ boot \d+, [^\n]*listening on port \d+/, 30_000);
      await new Promise((r) => setTimeout(r, 500)); // the console server follows the mode at the next idle
      expect(await answers(2323), "telnet: " + telnet).toBe(telnet);
      expect((await getMetrics(port)).status).toBe(200);
      if (telnet) expect(esp.console()).toContain("telnet: the JavaScript console stays open on the network");
      await esp.stop();
    }
  }, TEST_TIMEOUT);

  it("espruino-wifi (espruino-8190): flashed, boot line seen, reboots from Storage into /metrics", async () => {
    const prof = JSON.parse(readFileSync(join(ROOT, "boards", "espruino-wifi.json"), "utf8"));
    const pins: string[] = prof.adc.pinNames;
    const config = { schema: 1, device: "wifi-1", location: "lab", channels: [{ name: "a", pin: pins[0] }, { name: "b", pin: pins[1] }], sampleRateHz: 50 };
    await flashAndBoot({ profile: "espruino-wifi", jsVars: 8190, board: "ESPRUINOWIFI", network: "espruinowifi", config });
  }, TEST_TIMEOUT);

  it("a bundle that fails at load: exit 1 with the device's own Uncaught line", async () => {
    const { dir } = await startBoard(16383, "ESP32", "wifi");
    // Espruino 2v29 cannot parse a bare `return` before `}` (the bug the build now avoids)
    const bad = join(dir, "bad.js");
    writeFileSync(bad, "function f(a){if(a)return 1;return}f(0);\n");
    const cfgFile = join(dir, "device.json");
    writeFileSync(cfgFile, JSON.stringify({ schema: 1, channels: [{ name: "a", pin: "D32" }], telnet: true }));
    const run = await flash(["--board", "esp32-devkitc", "--port", TELNET, "--bundle", bad, "--config", cfgFile]);
    report("bundle failing at load", run);
    expect(run.code).toBe(1);
    expect(run.err).toBe("flash: the firmware did not start: Uncaught SyntaxError: Unexpected end of Input\n");
    expect(run.out).not.toMatch(/^done:/m);
  }, TEST_TIMEOUT);

  it("esp32-c3 (4 095 JsVars): refused before touching the device, naming the JsVar budget", async () => {
    const { esp } = await startBoard(4095, "ESP32C3", "wifi");
    const from = esp.out.length;
    const run = await flash(["--board", "esp32-c3", "--port", TELNET]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^flash: bundle too large for esp32-c3: \d+ bytes .*≈ \d+ JsVars of code, budget -?\d+ \(jsVars 4095 − /);
    await new Promise((r) => setTimeout(r, 200));
    expect(esp.out.slice(from)).not.toContain("-> Telnet"); // the interpreter prints it when a console client connects
  }, TEST_TIMEOUT);
});
