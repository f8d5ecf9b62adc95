// The stock `espruino` CLI (EspruinoTools 0.1.67) against the host-side REPL: over TCP (`-p tcp://…`) and over a
// socat pty (`-p /dev/pts/N -b 115200`). The fake device is a node:vm context with a byte-exact fake Storage.
import { describe, it, expect, beforeAll, afterAll, afterEach } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import { join, resolve } from "node:path";
import { TcpConsole, BUSY_MESSAGE } from "../../host-sim/console/tcp-console.mjs";
import { PtyBridge, writeUdevadmShim } from "../../host-sim/console/pty-bridge.mjs";
import { probeSerialBackend, assertSerialBackend, SerialBackendUnavailableError } from "../../tools/serial-backend.mjs";
import { requireTool } from "../support/system-tools.js";
import { createFakeDevice, type FakeDevice } from "./fake-device.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "node_modules", "espruino", "bin", "espruino-cli.js");
const CLI_TIMEOUT_MS = 40_000;

let dir: string;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

// A > 512-byte program (smaller uploads never finish: a CLI bug) with no root-level comments or blank lines, so
// that the statements the device receives, joined by "\n", are exactly the file. It has nested braces, strings
// with brackets, a regex and a statement continued on the next line. ASCII only: the CLI does not send non-ASCII
// text byte-exact (see the "non-ASCII" test).
const PROGRAM = [
  "var counts = { open: 0, close: 0 };",
  "function countBrackets(s) {",
  "  // inner comments are kept: they are inside a function body",
  "  for (var i = 0; i < s.length; i++) {",
  '    if (s[i] === "{") counts.open++;',
  '    else if (s[i] === "}") counts.close++;',
  "  }",
  "  return counts.open - counts.close;",
  "}",
  "var label = 'cafe { not a block (';",
  "var sum = 1 +",
  "  2 +",
  "  3;",
  "var re = /[{(]+/g;",
  "var table = [",
  "  { name: 'a', value: 1 },",
  "  { name: 'b', value: 2 },",
  "  { name: 'c', value: 3 }",
  "];",
  "function total() {",
  "  var t = 0;",
  "  table.forEach(function (row) { t += row.value; });",
  "  return t;",
  "}",
  "function help() {",
  "  return [",
  ...Array.from({ length: 12 }, (_, i) => `    "line ${i}: the quick brown fox jumps over the lazy dog (${i}) [ok]",`),
  "    'end'",
  "  ].join('\\n');",
  "}",
  "var result = countBrackets('{{}') + total() * 100 + sum;",
  'print("result", result, label.length);',
  "",
].join("\n");

/** the program's UTF-8 bytes as a binary string (what the device sees) */
const PROGRAM_BYTES = Buffer.from(PROGRAM, "utf8").toString("latin1");

const CONFIG_JSON =
  JSON.stringify({ job: "esp32-lab", interval_ms: 1000, labels: { site: "lab \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 \u20ac" }, targets: ["10.0.0.1:9100", "10.0.0.2:9100"] }, null, 2) +
  "\n";

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  ms: number;
}

/** Run the CLI with the offline switches; `untilDone` ends its stdin (terminal mode) once it returns true. */
function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; untilDone?: () => boolean } = {}): Promise<CliRun> {
  const fullArgs = [CLI, "--no-ble", "--config", "BOARD_JSON_URL=" + join(dir, "boards"), "--config", "MODULE_URL=", ...args];
  const t0 = Date.now();
  const child = spawn(process.execPath, fullArgs, { cwd: dir, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (b) => (out += b));
  child.stderr?.on("data", (b) => (out += b));
  return new Promise((resolvePromise) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    let poll: NodeJS.Timeout | undefined;
    if (opts.untilDone) {
      const check = opts.untilDone;
      poll = setInterval(() => {
        if (check()) {
          clearInterval(poll);
          poll = undefined;
          child.stdin?.end(); // terminal mode exits on "STDIN ended"
        }
      }, 50);
    }
    child.on("exit", (code, signal) => {
      clearTimeout(hard);
      if (poll) clearInterval(poll);
      resolvePromise({ code, signal, out, ms: Date.now() - t0 });
    });
  });
}

async function startConsole(): Promise<{ dev: FakeDevice; con: TcpConsole }> {
  const dev = createFakeDevice();
  dev.repl.showPrompt();
  const con = new TcpConsole(dev.repl);
  await con.listen();
  cleanups.push(() => con.close());
  return { dev, con };
}

/** The statements the CLI sent after its `print()` (the end of its preamble). */
function uploadedStatements(dev: FakeDevice): string[] {
  const codes = dev.statements.map((s) => s.code);
  const i = codes.lastIndexOf("print()");
  expect(i).toBeGreaterThanOrEqual(0);
  return codes.slice(i + 1).filter((c) => c !== "");
}

function report(what: string, run: CliRun): void {
  process.stdout.write(`[console] ${what}: ${run.ms} ms (exit ${run.code ?? run.signal})\n`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "console-cli-"));
  mkdirSync(join(dir, "boards"));
  // minimal board JSON so the CLI's board lookup succeeds offline
  writeFileSync(join(dir, "boards", "ESP32.json"), JSON.stringify({ info: { name: "ESP32", builtin_modules: ["Storage", "Wifi", "net", "http"] } }));
  writeFileSync(join(dir, "prog.js"), PROGRAM);
  writeFileSync(join(dir, "config.json"), CONFIG_JSON);
  expect(Buffer.byteLength(PROGRAM)).toBeGreaterThan(1024); // > 512 (smaller never finishes) and 2 Storage chunks
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
  for (const f of cleanups.splice(0).reverse()) await f();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("stock espruino CLI over TCP", () => {
  it("uploads a multi-line program to RAM statement by statement", async () => {
    const { dev, con } = await startConsole();
    const run = await runCli(["-p", con.url, "prog.js"]);
    report("RAM upload over TCP, " + Buffer.byteLength(PROGRAM) + " B", run);
    expect(run.code).toBe(0);
    expect(run.out).toContain("Upload Complete");
    // preamble: prompt probe, process.env query, prompt probe, reset, print()
    const codes = dev.statements.map((s) => s.code);
    expect(codes.slice(0, 5)).toEqual(["", 'print("<","<<",JSON.stringify(process.env),">>",">")', "", "reset();", "print()"]);
    expect(dev.calls[0]).toBe("reset()");
    // every program statement arrives echo-off, in order, byte-exact
    const stmts = uploadedStatements(dev);
    expect(stmts.join("\n") + "\n").toBe(PROGRAM_BYTES);
    expect(stmts.length).toBe(10);
    expect(dev.statements.filter((s) => stmts.includes(s.code)).every((s) => !s.echo)).toBe(true);
    // RAM mode carries line markers (ESC [ n d) for all statements but the first
    expect(dev.statements.find((s) => s.code.startsWith("function total"))?.lineNumber).toBe(20);
    // the program ran, and its output came back through the console
    expect((dev.context as { result: number }).result).toBe(1 + 600 + 6);
    expect(run.out).toContain("result 607 20");
    expect(dev.repl.line).toBe("");
  });

  it("answers the process.env query; the CLI reports the board and version it found", async () => {
    const { dev, con } = await startConsole();
    const run = await runCli(["--verbose", "-p", con.url, "prog.js"]);
    report("RAM upload over TCP (--verbose)", run);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Got "< << \{\\"VERSION\\":\\"2v29\\",\\"BOARD\\":\\"ESP32\\"/);
    expect(run.out).toContain("Found ESP32, 2v29");
    expect(run.out).toContain("Loading " + join(dir, "boards") + "/ESP32.json");
    expect(dev.statements.length).toBeGreaterThan(5);
  });

  it("--storage .bootcde:- prog.js writes the code in 1024-char string chunks, then load(\".bootcde\")", async () => {
    const { dev, con } = await startConsole();
    const run = await runCli(["-p", con.url, "--storage", ".bootcde:-", "prog.js"]);
    report("--storage .bootcde:- (code) over TCP", run);
    expect(run.code).toBe(0);
    const bytes = Buffer.from(PROGRAM, "utf8");
    expect(dev.files.get(".bootcde")?.equals(bytes)).toBe(true);
    const writes = dev.calls.filter((c) => typeof c === "object");
    expect(writes).toEqual([
      { write: ".bootcde", offset: 0, size: bytes.length, length: 1024 },
      { write: ".bootcde", offset: 1024, size: undefined, length: bytes.length - 1024 },
    ]);
    expect(dev.calls[dev.calls.length - 1]).toBe('load(".bootcde")');
    const stmts = uploadedStatements(dev);
    expect(stmts[0].startsWith('require("Storage").write(".bootcde","var counts')).toBe(true);
    expect(stmts[stmts.length - 1]).toBe('load(".bootcde")');
  });

  it("--storage .bootcde:prog.js (no program argument) writes base64 chunks, no load(), in terminal mode", async () => {
    const { dev, con } = await startConsole();
    const bytes = Buffer.from(PROGRAM, "utf8");
    const run = await runCli(["-p", con.url, "--storage", ".bootcde:prog.js"], {
      untilDone: () => dev.files.get(".bootcde")?.equals(bytes) === true && dev.repl.line === "" && dev.statements.length >= 5 + Math.ceil(bytes.length / 384),
    });
    report("--storage .bootcde:prog.js (data) over TCP", run);
    expect(run.signal).toBeNull(); // ended by closing its stdin, not by the hard timeout
    expect(run.code).toBe(0);
    expect(dev.files.get(".bootcde")?.equals(bytes)).toBe(true);
    const writes = dev.calls.filter((c) => typeof c === "object") as { offset: number; length: number }[];
    expect(writes.map((w) => w.offset)).toEqual(Array.from({ length: Math.ceil(bytes.length / 384) }, (_, i) => i * 384));
    expect(writes.slice(0, -1).every((w) => w.length === 384)).toBe(true);
    expect(dev.calls.some((c) => typeof c === "string" && c.startsWith("load("))).toBe(false);
    expect(uploadedStatements(dev)[0]).toMatch(/^require\("Storage"\)\.write\("\.bootcde",atob\("[A-Za-z0-9+/=]+"\),0,\d+\)$/);
  });

  it("--storage telemetry.config.json:config.json writes a data file byte-exact (base64 chunks)", async () => {
    const { dev, con } = await startConsole();
    const bytes = Buffer.from(CONFIG_JSON, "utf8");
    const run = await runCli(["-p", con.url, "--storage", "telemetry.config.json:config.json"], {
      untilDone: () => dev.files.get("telemetry.config.json")?.equals(bytes) === true && dev.repl.line === "",
    });
    report("--storage telemetry.config.json (data) over TCP", run);
    expect(dev.files.get("telemetry.config.json")?.equals(bytes)).toBe(true);
    expect(JSON.parse(dev.files.get("telemetry.config.json")!.toString("utf8")).labels.site).toContain("\u20ac");
    const stmts = uploadedStatements(dev);
    expect(stmts).toEqual([
      'require("Storage").write("telemetry.config.json",atob(' + JSON.stringify(bytes.toString("base64")) + "),0," + bytes.length + ")",
    ]);
  });

  it("--storage data file plus a program: data chunks first, then the program in RAM", async () => {
    const { dev, con } = await startConsole();
    const run = await runCli(["-p", con.url, "--storage", "telemetry.config.json:config.json", "prog.js"]);
    report("--storage config + RAM program over TCP", run);
    expect(run.code).toBe(0);
    expect(dev.files.get("telemetry.config.json")?.equals(Buffer.from(CONFIG_JSON, "utf8"))).toBe(true);
    const stmts = uploadedStatements(dev);
    expect(stmts[0].startsWith('require("Storage").write("telemetry.config.json",atob(')).toBe(true);
    expect(stmts.slice(1).join("\n") + "\n").toBe(PROGRAM_BYTES);
  });
  it("non-ASCII in a RAM upload is not byte-exact over TCP: the CLI UTF-8-encodes its byte string again", async () => {
    const { dev, con } = await startConsole();
    writeFileSync(join(dir, "unicode.js"), PROGRAM + 'var uni = "\u00e9\u20ac";\n');
    const run = await runCli(["-p", con.url, "unicode.js"]);
    report("RAM upload with non-ASCII over TCP", run);
    expect(run.code).toBe(0);
    const last = uploadedStatements(dev).pop();
    // the CLI keeps U+00E9 as one char and turns U+20AC into its 3 UTF-8 bytes (asUTF8Bytes); its TCP backend
    // then writes that string as UTF-8: \xe9 -> C3 A9 (correct by accident), E2 82 AC -> C3 A2 C2 82 C2 AC
    expect(Buffer.from(last ?? "", "latin1").toString("hex")).toBe(Buffer.from('var uni = "', "latin1").toString("hex") + "c3a9" + "c3a2c282c2ac" + "223b");
  });
});

describe("TcpConsole", () => {
  it("serves one client at a time: a second one is refused with a message", async () => {
    const { dev, con } = await startConsole();
    const first = net.connect(con.address().port, "127.0.0.1");
    cleanups.push(() => void first.destroy());
    await new Promise((r) => first.once("connect", r));
    const firstData: Buffer[] = [];
    first.on("data", (b) => firstData.push(b));
    await new Promise((r) => setTimeout(r, 50));
    const second = net.connect(con.address().port, "127.0.0.1");
    const secondText = await new Promise<string>((r) => {
      let s = "";
      second.on("data", (b) => (s += b));
      second.on("close", () => r(s));
    });
    expect(secondText).toBe(BUSY_MESSAGE);
    first.write("6*7\n");
    await new Promise((r) => setTimeout(r, 100));
    expect(Buffer.concat(firstData).toString("latin1")).toBe("6*7\r\n=42\r\n>");
    expect(dev.statements.map((s) => s.code)).toEqual(["6*7"]);
    first.end();
    await new Promise((r) => first.once("close", r));
    // the port is free again
    const third = net.connect(con.address().port, "127.0.0.1");
    cleanups.push(() => void third.destroy());
    const thirdText = await new Promise<string>((r) => {
      let s = "";
      third.on("data", (b) => {
        s += b;
        if (s.endsWith(">")) r(s);
      });
      third.once("connect", () => third.write("\n"));
    });
    expect(thirdText).toBe("\r\n>");
    expect(con.connections).toBe(3);
  });
});

describe("stock espruino CLI over a socat pty (serial path)", () => {
  it("the serial backend needs udevadm to list ports; the probe names it", () => {
    const probe = probeSerialBackend({ projectRoot: ROOT, pathEnv: "/nonexistent" });
    expect(probe.moduleFound).toBe(true);
    expect(probe.bindingLoaded).toBe(true);
    expect(probe.ok).toBe(false);
    expect(probe.reason).toMatch(/udevadm/);
    expect(() => assertSerialBackend({ projectRoot: ROOT, pathEnv: "/nonexistent" })).toThrow(SerialBackendUnavailableError);
    const shimDir = writeUdevadmShim(join(dir, "shim-probe"), [join(dir, "none")]);
    expect(probeSerialBackend({ projectRoot: ROOT, pathEnv: shimDir }).ok).toBe(true);
  });

  it("uploads the program over /dev/pts/N at 115200 baud, twice on the same bridge", async () => {
    const socat = requireTool("socat", "socat");
    const { dev, con } = await startConsole();
    const bridge = new PtyBridge({ tcpPort: con.address().port, linkPath: join(dir, "dev", "ttySIM0"), socatPath: socat });
    cleanups.push(() => bridge.close());
    const { ptyPath } = await bridge.start();
    expect(ptyPath).toMatch(/^\/dev\/pts\/\d+$/);
    const shim = writeUdevadmShim(join(dir, "shim"), [bridge.linkPath]);
    const env = { ...process.env, PATH: shim + ":" + (process.env.PATH ?? "") };
    expect(probeSerialBackend({ projectRoot: ROOT, pathEnv: env.PATH }).ok).toBe(true);

    const run = await runCli(["--verbose", "-p", ptyPath, "-b", "115200", "prog.js"], { env });
    report("RAM upload over socat pty " + ptyPath, run);
    expect(run.code).toBe(0);
    expect(run.out).toContain("Found ESP32, 2v29");
    expect(run.out).toContain("Upload Complete");
    const stmts = uploadedStatements(dev);
    expect(stmts.join("\n") + "\n").toBe(PROGRAM_BYTES);
    expect((dev.context as { result: number }).result).toBe(607);

    // the CLI closed the pty, socat exited, the bridge offers the link again
    const t0 = Date.now();
    while (bridge.starts < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(bridge.starts).toBe(2);
    const before = dev.statements.length;
    const run2 = await runCli(["-p", bridge.linkPath, "-b", "115200", "--storage", ".bootcde:-", "prog.js"], { env });
    report("--storage .bootcde:- over socat pty link " + bridge.linkPath, run2);
    expect(run2.code).toBe(0);
    expect(dev.statements.length).toBeGreaterThan(before);
    expect(dev.files.get(".bootcde")?.equals(Buffer.from(PROGRAM, "utf8"))).toBe(true);
    expect(dev.calls[dev.calls.length - 1]).toBe('load(".bootcde")');
  });

  it("without the udevadm shim the CLI cannot open the pty (Unable to connect)", async () => {
    const socat = requireTool("socat", "socat");
    const { dev, con } = await startConsole();
    const bridge = new PtyBridge({ tcpPort: con.address().port, linkPath: join(dir, "dev", "ttySIM1"), socatPath: socat });
    cleanups.push(() => bridge.close());
    const { ptyPath } = await bridge.start();
    // a PATH without udevadm (an empty directory), whatever this machine has installed: the test always asserts
    const noUdev = join(dir, "no-udevadm");
    mkdirSync(noUdev, { recursive: true });
    const env = { ...process.env, PATH: noUdev };
    expect(probeSerialBackend({ projectRoot: ROOT, pathEnv: env.PATH }).ok).toBe(false);
    const run = await runCli(["-p", ptyPath, "-b", "115200", "prog.js"], { env });
    report("pty without udevadm (expected failure)", run);
    expect(run.out).toContain("Unable to connect!");
    expect(dev.statements.length).toBe(0);
  });
});
