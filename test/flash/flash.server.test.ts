// tools/flash.mjs end to end: the stock espruino CLI against a simulated board's virtual console (SimDevice with
// an empty Storage, `bundle: null`), over TCP and over a socat pty. Each flash/CLI run has a hard timeout; every
// process is killed and every device stopped in afterEach. Timings are printed, never asserted.
import { describe, it, expect, beforeAll, afterAll, afterEach } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import { join, resolve } from "node:path";
import { SimDevice } from "../../host-sim/index.mjs";
import type { DeviceConsole } from "../../host-sim/console/boot.mjs";
import { crc32 } from "../../host-sim/console/boot.mjs";
import { PtyBridge } from "../../host-sim/console/pty-bridge.mjs";
import { requireTool } from "../support/system-tools.js";
import { ensureBuilt } from "../sim/helpers.js";
import { freePort } from "../prometheus-e2e/prometheus.js";
import { runFlash, type FlashRun } from "./run-flash.js";

const ROOT = resolve(import.meta.dirname, "../..");
const RUN_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT = 200_000;

const SECRETS = { ssid: "LabNet-7731", password: "hunter2-Sup3rSecret", token: "tok-9f8e7d6c5b4a3210" };
const SECRETS_TEXT = JSON.stringify(SECRETS);
const SECRET_NEEDLES = [SECRETS.ssid, SECRETS.password, SECRETS.token, Buffer.from(SECRETS_TEXT).toString("base64")];

let dir: string;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

type Run = FlashRun;

function flash(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runFlash(args, { cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS, children });
}

/** A flash over the simulator's console: TCP, flow-controlled, so without the CLI's pause after each Storage write. */
function flashSim(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return flash([...args, "--no-upload-delay"], env);
}


interface Sim {
  dev: SimDevice;
  con: DeviceConsole;
  httpPort: number;
}

/**
 * A board with empty Storage (or `storage`), its console on 127.0.0.1 and every device port on `httpPort`;
 * `resetOnOpen`: each console client resets it, as opening an ESP32's serial port does.
 */
async function startSim(opts: { version?: string; storage?: Record<string, unknown>; resetOnOpen?: { deafMs: number; bootText?: boolean } } = {}): Promise<Sim> {
  const httpPort = await freePort();
  const board = opts.version
    ? { ...JSON.parse(readFileSync(join(ROOT, "boards", "esp32-devkitc.json"), "utf8")), version: opts.version }
    : "esp32-devkitc";
  const dev = new SimDevice({ bundle: null, board, portMap: () => httpPort, storage: opts.storage, name: "flash-test" });
  await dev.boot();
  const con = await dev.openConsole({ resetOnOpen: opts.resetOnOpen });
  cleanups.push(async () => {
    await con.close();
    await dev.stop();
  });
  return { dev, con, httpPort };
}

function file(dev: SimDevice, name: string): string | undefined {
  return dev.storage.readFile(name);
}

function expectNoSecrets(run: Run): void {
  for (const s of SECRET_NEEDLES) {
    expect(run.out).not.toContain(s);
    expect(run.err).not.toContain(s);
  }
}

function report(what: string, run: Run): void {
  process.stdout.write(`[flash] ${what}: ${run.ms} ms (exit ${run.code ?? run.signal})\n`);
  if (run.code !== 0) process.stdout.write(run.out + run.err);
}

async function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: token ? { Authorization: "Bearer " + token } : {} });
  return { status: res.status, body: await res.text() };
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "flash-test-"));
  writeFileSync(join(dir, "device.json"), JSON.stringify({ schema: 1, channels: [{ name: "mains", pin: "D34" }], port: 8080, location: "lab-a" }));
  writeFileSync(join(dir, "device2.json"), JSON.stringify({ schema: 1, channels: [{ name: "mains", pin: "D34" }], port: 8080, location: "lab-b" }));
  writeFileSync(join(dir, "wrong-board.json"), JSON.stringify({ schema: 1, channels: [{ name: "mains", pin: "D5" }] }));
  writeFileSync(join(dir, "secrets.json"), SECRETS_TEXT, { mode: 0o600 });
  // far above esp32-devkitc's code budget (16383 JsVars − sampling − 1000 network ≈ 115 KB of minified code)
  // 4 000 functions: even with the code in flash each costs a few JsVars (tools/flash/plan.mjs flashCodeJsVars)
  writeFileSync(join(dir, "huge.js"), "var t=[];\n" + Array.from({ length: 4000 }, (_, i) => `t.push(function (a) { return "row ${i} of a bundle that is much too large for the board" + a; });`).join("\n") + "\n");
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const f of cleanups.splice(0).reverse()) await f();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("flash over the virtual console (TCP)", () => {
  it("fresh flash of an empty board: files and .bootcde written, rebooted into the bundle, /metrics served", async () => {
    const { dev, con, httpPort } = await startSim();
    expect(dev.storage.files.size).toBe(0);
    const run = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--config", "device.json", "--secrets", "secrets.json", "--address", "127.0.0.1:" + httpPort]);
    report("default flash (TCP, " + readFileSync(join(ROOT, "dist", "firmware.min.js")).length + " B bundle)", run);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain("Upload Complete");
    expect(run.out).toMatch(/verify: +\.bootcde \d+ B, CRC32 ok/);
    expect(run.out).toMatch(/^boot: +espruino-telemetry \S+ boot \d+, config valid, sampling \w+, listening on port 8080$/m);
    // every module the bundle requires is built in: the stock CLI looks for none ("Module timer not found" before)
    expect(run.out).not.toMatch(/Module \S+ not found/);
    expect(run.out).toContain("GET /metrics 200");
    // the tool compared size and E.CRC32 with the bundle it read (dist/ may be rebuilt meanwhile)
    const code = file(dev, ".bootcde") ?? "";
    expect(run.out).toContain("verify:     .bootcde " + code.length + " B, CRC32 ok (crc " + crc32(code) + ")");
    // the device file: a checked header, then the config with its defaults and the profile's runtime facts
    const cfg = file(dev, "telemetry.cfg") ?? "";
    expect(cfg).toMatch(/^telemetry\.cfg 1 [0-9a-f]{8}\n\{/);
    expect(parseInt(cfg.slice(16, 24), 16)).toBe(crc32(cfg.slice(25)));
    const body = JSON.parse(cfg.slice(25));
    expect([body.config.location, body.config.overflow, body.profile.name]).toEqual(["lab-a", "overwrite-oldest", "esp32-devkitc"]);
    expect(run.out).toMatch(/verify: +telemetry\.cfg \d+ B, CRC32 ok/);
    expect(JSON.parse(file(dev, "telemetry.secrets.json") ?? "")).toEqual(SECRETS);
    expect(dev.bootCount).toBeGreaterThanOrEqual(3); // constructor, reset(), load(".bootcde")
    const m = await get("http://127.0.0.1:" + httpPort + "/metrics", SECRETS.token);
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^espruino_build_info\{/m);
    expectNoSecrets(run);
  }, TEST_TIMEOUT);

  it("a bundle that throws at load fails the flash with the device's own line, --no-verify too (it skips only the read-back)", async () => {
    const { con } = await startSim();
    writeFileSync(join(dir, "throws.js"), 'var cfg=null;console.log("loading");cfg.port;\n');
    const run = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--config", "device.json", "--bundle", "throws.js", "--no-verify"]);
    report("bundle throwing at load", run);
    expect(run.code).toBe(1);
    expect(run.err).toBe("flash: the firmware did not start: Uncaught Error: Cannot read properties of null (reading 'port')\n");
    expect(run.out).toMatch(/cli\| --\] [^\n]*loading/); // the CLI's echo of the console, where the line was seen
    expect(run.out).not.toMatch(/^(verify|done):/m);
  }, TEST_TIMEOUT);

  it("re-flash with a changed config, then --secrets-only from the environment, then --erase", async () => {
    const { dev, con, httpPort } = await startSim();
    const first = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--config", "device.json", "--secrets", "secrets.json"]);
    expect(first.code).toBe(0);
    const again = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--config", "device2.json", "--address", "127.0.0.1:" + httpPort], {
      TELEMETRY_BEARER_TOKEN: SECRETS.token,
      TELEMETRY_WIFI_SSID: SECRETS.ssid,
      TELEMETRY_WIFI_PASSWORD: SECRETS.password,
    });
    report("re-flash with a changed config", again);
    expect(again.code).toBe(0);
    expect(JSON.parse((file(dev, "telemetry.cfg") ?? "").slice(25)).config.location).toBe("lab-b");
    expectNoSecrets(again);

    const code = file(dev, ".bootcde");
    const boots = dev.bootCount;
    // a rotated token of another length: the secrets file is rewritten with a new size
    const newToken = "tok-rotated-0000111122223333";
    expect(newToken.length).not.toBe(SECRETS.token.length);
    const sec = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--secrets-only"], { TELEMETRY_BEARER_TOKEN: newToken, TELEMETRY_WIFI_PASSWORD: SECRETS.password, TELEMETRY_WIFI_SSID: SECRETS.ssid });
    report("--secrets-only", sec);
    if (sec.code !== 0) process.stdout.write(sec.out + sec.err);
    expect(sec.code).toBe(0);
    expect(JSON.parse(file(dev, "telemetry.secrets.json") ?? "").token).toBe(newToken);
    expect(file(dev, ".bootcde")).toBe(code);
    expect(dev.bootCount).toBeGreaterThan(boots);
    expect(sec.out + sec.err).not.toContain(newToken);
    expectNoSecrets(sec);
    expect((await get("http://127.0.0.1:" + httpPort + "/metrics", newToken)).status).toBe(200);

    const er = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--erase"]);
    report("--erase", er);
    expect(er.code).toBe(0);
    expect(er.out).toContain("erased");
    for (const n of ["telemetry.cfg", "telemetry.secrets.json", "telemetry.boots", ".bootcde"]) expect(file(dev, n)).toBeUndefined();
    expect(dev.source).toBe(""); // rebooted into a bare REPL
  }, TEST_TIMEOUT);
});

describe("refusals (the device is left untouched)", () => {
  it("--dry-run prints the plan and the CLI command with secrets masked", async () => {
    const run = await flash(["--board", "esp32-devkitc", "--dry-run", "--config", "device.json", "--secrets", "secrets.json"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("ssid=***, password=***, token=***");
    expect(run.out).toMatch(/cli: +espruino --no-ble --config BOARD_JSON_URL=<tmp>\/boards --config MODULE_URL= -p PORT --storage telemetry\.cfg:<tmp>\/device\.cfg --storage telemetry\.secrets\.json:/);
    // the code pretokenised (a binary data file, then reboot.js load()s it); --no-pretokenise sends the JavaScript text
    expect(run.out).toContain("--storage .bootcde:<tmp>/bootcde.bin <tmp>/reboot.js");
    expect(run.out).toMatch(/-> \.bootcde pretokenised for Espruino 2v29 \(\d+ B\)/);
    const plain = await flash(["--board", "esp32-devkitc", "--dry-run", "--config", "device.json", "--no-pretokenise"]);
    expect(plain.out).toContain("--storage .bootcde:- ");
    expect(plain.out).not.toContain("pretokenised");
    // a feature the config does not enable stays off the device: without push, the bundle without push mode
    expect(run.out).toMatch(/^ {2}bundle: +\S+\/dist\/firmware-core\.min\.js \(/m);
    writeFileSync(join(dir, "push.json"), JSON.stringify({ schema: 1, channels: [{ name: "a", pin: "D32" }], device: "d-1", push: { url: "http://10.0.0.5:9091" } }));
    const withPush = await flash(["--board", "esp32-devkitc", "--dry-run", "--config", "push.json"]);
    expect(withPush.code).toBe(0);
    expect(withPush.out).toMatch(/^ {2}bundle: +\S+\/dist\/firmware\.min\.js \(/m);
    // ... and the waveform sampler only for a config that samples with it
    writeFileSync(join(dir, "wave.json"), JSON.stringify({ schema: 1, channels: [{ name: "a", pin: "D32" }], device: "d-1", strategy: "waveform" }));
    const withWave = await flash(["--board", "esp32-devkitc", "--dry-run", "--config", "wave.json"]);
    expect(withWave.code).toBe(0);
    expect(withWave.out).toMatch(/^ {2}bundle: +\S+\/dist\/firmware\.min\.js \(/m);
    expectNoSecrets(run);
  });

  it("--dry-run: the CLI pauses after each Storage write over serial, not over a Telnet console or with --no-upload-delay", async () => {
    writeFileSync(join(dir, "telnet.json"), JSON.stringify({ schema: 1, channels: [{ name: "mains", pin: "D34" }], telnet: true }));
    const serial = await flash(["--board", "esp32-devkitc", "--dry-run", "--port", "/dev/ttyUSB7"]);
    expect(serial.code).toBe(0);
    expect(serial.out).toMatch(/^ {2}upload: +250 ms pause after each Storage write/m);
    expect(serial.out).toContain(" --config MODULE_URL= -p tcp://127.0.0.1:<bridge to /dev/ttyUSB7> --storage ");
    const telnet = await flash(["--board", "esp32-devkitc", "--dry-run", "--port", "tcp://10.0.0.7:23", "--config", "telnet.json"]);
    expect(telnet.code).toBe(0);
    expect(telnet.out).toMatch(/^ {2}upload: +no pause after Storage writes \(Telnet console: flow-controlled\)/m);
    expect(telnet.out).toContain(" --config STORAGE_UPLOAD_METHOD=1 -p tcp://10.0.0.7:23 ");
    const forced = await flash(["--board", "esp32-devkitc", "--dry-run", "--port", "/dev/ttyUSB7", "--no-upload-delay"]);
    expect(forced.out).toMatch(/^ {2}upload: +no pause after Storage writes \(--no-upload-delay\)/m);
    expect(forced.out).toContain(" --config STORAGE_UPLOAD_METHOD=1 -p ");
  });

  it("a config invalid for the profile (wrong board) exits 2 before connecting", async () => {
    const { con } = await startSim();
    const run = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--config", "wrong-board.json"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/config wrong-board\.json is invalid for board esp32-devkitc:\n {2}channels\[0\]\.pin/);
    expect(con.tcp.connections).toBe(0);
  });

  it("a bundle too large for the profile's JsVar budget exits 2 before connecting", async () => {
    const { con } = await startSim();
    const run = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--bundle", "huge.js"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/bundle too large for esp32-devkitc: \d+ bytes \(4000 functions, code in flash\) ≈ 20000 JsVars of code, budget \d+ \(jsVars 16383 − sampling state \d+ − network 1000 − runtime 3500\) \(--ignore-size flashes it anyway\)/);
    expect(con.tcp.connections).toBe(0);
  });

  it("--ignore-size never overrides Storage: a profile whose Storage is too small is refused, without the hint", async () => {
    const prof = JSON.parse(readFileSync(join(ROOT, "boards", "esp32-devkitc.json"), "utf8"));
    writeFileSync(join(dir, "tiny-storage.json"), JSON.stringify({ ...prof, storageBytes: 30000 }));
    const run = await flash(["--board", join(dir, "tiny-storage.json"), "--dry-run", "--ignore-size"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/files need \d+ bytes of Storage but esp32-devkitc has 30000\n/);
    expect(run.err).not.toContain("--ignore-size");
  });

  it("--ignore-size: the same bundle is planned anyway, with a warning (dry run)", async () => {
    const run = await flash(["--board", "esp32-devkitc", "--dry-run", "--ignore-size", "--bundle", "huge.js"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/bundle too large for esp32-devkitc: /);
    expect(run.out).toContain("WARNING:  flashing anyway (--ignore-size)");
    expect(run.out).toContain("dry run: nothing written");
  });

  it("secrets on the command line are refused", async () => {
    const run = await flash(["--board", "esp32-devkitc", "--dry-run", "--password=" + SECRETS.password]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("secrets are not taken from the command line");
    expectNoSecrets(run);
  });

  it("refused connection exits 3", async () => {
    const port = await freePort();
    const run = await flash(["--board", "esp32-devkitc", "--port", "tcp://127.0.0.1:" + port]);
    expect(run.code).toBe(3);
    expect(run.err).toContain("connection refused");
  });

  it("a console that never prompts exits 3", async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => void sockets.push(s.on("error", () => {})));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    cleanups.push(() => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }));
    const run = await flash(["--board", "esp32-devkitc", "--port", "tcp://127.0.0.1:" + (server.address() as net.AddressInfo).port]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/did not answer within \d+ ms/);
  });

  it("an unsupported Espruino (VERSION 2v20) exits 3 and nothing is written", async () => {
    const { dev, con } = await startSim({ version: "2v20" });
    const run = await flashSim(["--board", "esp32-devkitc", "--port", con.url, "--secrets", "secrets.json"]);
    expect(run.code).toBe(3);
    expect(run.err).toContain("unsupported Espruino 2v20");
    expect(run.err).toContain("needs 2v29 or later");
    expect(dev.storage.files.size).toBe(0);
    expect(dev.bootCount).toBe(1);
    expectNoSecrets(run);
  });
});

describe("flash over a socat pty (serial path): the port is opened once", () => {
  /** A simulated ESP32 behind socat's pty whose console resets the board each time the pty is opened. */
  async function serialSim(resetOnOpen: { deafMs: number; bootText?: boolean }, name: string) {
    const socat = requireTool("socat", "socat");
    const sim = await startSim({ resetOnOpen });
    const bridge = new PtyBridge({ tcpPort: sim.con.port, linkPath: join(dir, "dev", name), socatPath: socat });
    cleanups.push(() => bridge.close());
    await bridge.start();
    const lines: string[] = [];
    sim.dev.on("console", (l: string) => lines.push(l));
    /** What to look at when a serial flash fails: socat's restarts and log, the console's clients, the device's boots and lines. */
    const diag = (run: Run) => {
      if (run.code === 0) return;
      process.stdout.write(
        "[serial diag] socat starts " + bridge.starts + ", console clients " + sim.con.tcp.connections + ", boots " + sim.dev.bootCount +
          "\n[serial diag] socat: " + bridge.logLines.slice(-20).join(" | ") + "\n[serial diag] device: " + lines.slice(-20).join(" | ") + "\n",
      );
    };
    return { ...sim, bridge, diag };
  }

  it("a board that resets when its port opens (banner, then deaf for 300 ms): one open, verified by read-back and /metrics", async () => {
    const { dev, con, httpPort, bridge, diag } = await serialSim({ deafMs: 300, bootText: true }, "ttySIM0");
    // no udevadm shim: the tool opens the port itself, the CLI reaches it through the tool's loopback bridge
    const run = await flash(["--board", "esp32-devkitc", "--port", bridge.linkPath, "--config", "device.json", "--secrets", "secrets.json", "--address", "127.0.0.1:" + httpPort, "--no-upload-delay"]);
    report("flash over a socat pty", run);
    diag(run);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain("@ 115200 baud");
    expect(run.out).toMatch(/^console: +\S+ttySIM0 opened once for the whole flash; the board reset when it opened \(its boot text was seen\) and has settled$/m);
    expect(run.out).toMatch(/cli\| Connecting to 'tcp:\/\/127\.0\.0\.1:\d+'/);
    expect(run.out).not.toContain("retrying once");
    expect(run.out).toContain("GET /metrics 200");
    expect(run.out).toMatch(/verify: +\.bootcde \d+ B, CRC32 ok/);
    expect((file(dev, ".bootcde") ?? "").length).toBeGreaterThan(1000);
    // one pty open, so one reset by the port: the pre-flight, the CLI, the boot check and the read-back shared it
    expect(con.tcp.connections).toBe(1);
    expectNoSecrets(run);
  }, TEST_TIMEOUT);

  it("a silent reset that leaves the board deaf for 4.2 s: the pre-flight query times out, is retried once, and the flash succeeds", async () => {
    const { dev, con, bridge, diag } = await serialSim({ deafMs: 4200 }, "ttySIM1");
    const run = await flash(["--board", "esp32-devkitc", "--port", bridge.linkPath, "--config", "device.json", "--no-upload-delay"]);
    report("flash over a pty, deaf for 4.2 s after the open", run);
    diag(run);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^ {2}note: +the device on \S+ttySIM1 did not answer within \d+ ms \(no Espruino console\?\); retrying once/m);
    expect(run.out.match(/retrying once/g)).toHaveLength(1);
    expect((file(dev, ".bootcde") ?? "").length).toBeGreaterThan(1000);
    expect(con.tcp.connections).toBe(1);
  }, TEST_TIMEOUT);

  it("a board that never answers: exit 3 after asking twice, nothing written", async () => {
    const { dev, con, bridge } = await serialSim({ deafMs: 3_600_000 }, "ttySIM2");
    const run = await flash(["--board", "esp32-devkitc", "--port", bridge.linkPath]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/^flash: the device on \S+ttySIM2 did not answer within \d+ ms \(no Espruino console\?\) \(asked twice\)\n$/);
    expect(dev.storage.files.size).toBe(0);
    expect(con.tcp.connections).toBe(1);
  }, TEST_TIMEOUT);

  it("without a usable serial backend the flash fails with a named error", async () => {
    const run = await flash(["--board", "esp32-devkitc", "--port", join(dir, "dev", "ttyNONE")], { PATH: "/nonexistent-bin:" + dirname(process.execPath) });
    expect(run.code).toBe(3);
    expect(run.err).toContain("serial port " + join(dir, "dev", "ttyNONE") + " does not exist");
  });
});

function dirname(p: string): string {
  return p.slice(0, p.lastIndexOf("/"));
}
