// tools/flash-fleet.mjs end to end: an inventory CSV of simulated boards with empty Storage (their consoles on
// 127.0.0.1, as a fleet's Telnet consoles on the network), one flash per board, one line each, a summary; a board
// whose console does not answer fails alone. Every device is stopped in afterEach.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SimDevice } from "../../host-sim/index.mjs";
import { ensureBuilt } from "../sim/helpers.js";
import { freePort } from "../prometheus-e2e/prometheus.js";
import { tempDir } from "../support/temp-dir.js";
import { envWithoutSecrets } from "../../tools/flash/plan.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const TOOL = join(ROOT, "tools", "flash-fleet.mjs");
const stops: (() => Promise<void>)[] = [];
beforeAll(() => ensureBuilt());
afterEach(async () => {
  for (const f of stops.splice(0)) await f();
});

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawn(process.execPath, [TOOL, ...args], { cwd: ROOT, env: envWithoutSecrets(process.env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  c.stdout?.on("data", (b) => (out += b));
  c.stderr?.on("data", (b) => (err += b));
  const hard = setTimeout(() => c.kill("SIGKILL"), 150_000);
  return new Promise((r) => c.on("close", (code) => (clearTimeout(hard), r({ code, out, err }))));
}

/** An empty board whose HTTP port 80 is `httpPort` on 127.0.0.1 and whose console is served on another port. */
async function board(name: string) {
  const httpPort = await freePort();
  const dev = new SimDevice({ bundle: null, board: "esp32-devkitc", portMap: () => httpPort, name });
  await dev.boot();
  const con = await dev.openConsole();
  stops.push(async () => {
    await con.close();
    await dev.stop();
  });
  return { dev, con, httpPort };
}

describe("npm run flash:fleet", () => {
  it("three boards flashed from an inventory, each with its own device and location; an unreachable one fails alone", async () => {
    const dir = tempDir("flash-fleet-");
    const boards = [await board("a"), await board("b"), await board("c")];
    const dead = await freePort(); // nothing listens there
    const csv = [
      "address,device,location,board,console",
      ...boards.map((b, i) => `127.0.0.1:${b.httpPort},boiler-${i + 1},plant/row-${i + 1},esp32-devkitc,${b.con.url}`),
      `127.0.0.1:${dead},boiler-9,plant/row-9,esp32-devkitc,tcp://127.0.0.1:${dead}`,
    ].join("\n");
    writeFileSync(join(dir, "devices.csv"), csv + "\n");
    writeFileSync(join(dir, "device.json"), JSON.stringify({ schema: 1, channels: [{ name: "mains", pin: "D34" }], telnet: true }));
    const r = await run([join(dir, "devices.csv"), "--config", join(dir, "device.json"), "--parallel", "2", "--no-upload-delay"]);
    process.stdout.write(r.out);
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toBe("flashing 4 boards from " + join(dir, "devices.csv") + ", 2 at a time");
    for (const i of [1, 2, 3]) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^boiler-${i}  ok      \\d+\\.\\d s  build \\S+, boot \\d+$`)));
    expect(lines).toContainEqual(expect.stringMatching(/^boiler-9  FAILED  \d+\.\d s  exit 3: cannot connect to tcp:\/\/127\.0\.0\.1:\d+: connection refused$/));
    expect(lines[lines.length - 1]).toMatch(/^fleet flash: 3 ok, 1 failed of 4 in \d+\.\d s \(failed: boiler-9\)$/);
    expect(lines).toHaveLength(6);
    for (const [i, b] of boards.entries()) {
      const cfg = b.dev.storage.readFile("telemetry.cfg") as string;
      expect(JSON.parse(cfg.slice(cfg.indexOf("\n") + 1)).config).toMatchObject({ device: "boiler-" + (i + 1), location: "plant/row-" + (i + 1), telnet: true });
      // each flash wrote the code pretokenised (raw-string tokens are bytes of 0xd1 and up)
      expect(b.dev.storage.readFile(".bootcde") as string).toMatch(/\xd1/);
      const m = await fetch("http://127.0.0.1:" + b.httpPort + "/metrics");
      expect(m.status).toBe(200);
    }
  }, 200_000);

  it("refuses before touching any board: a config without telnet for port-23 consoles, a bad console, a bad inventory", async () => {
    const dir = tempDir("flash-fleet-");
    writeFileSync(join(dir, "device.json"), JSON.stringify({ schema: 1, channels: [{ name: "mains", pin: "D34" }] }));
    writeFileSync(join(dir, "wifi.csv"), "address,device,location,board\n10.0.0.21,boiler-1,plant,esp32-devkitc\n");
    const noTelnet = await run([join(dir, "wifi.csv"), "--config", join(dir, "device.json")]);
    expect(noTelnet.code).toBe(2);
    expect(noTelnet.err).toMatch(/^flash:fleet: config \S+device\.json does not say "telnet": true: /);
    writeFileSync(join(dir, "bad.csv"), "address,device,location,board,console\n10.0.0.21,boiler-1,plant,esp32-devkitc,telnet://10.0.0.21\n");
    const badConsole = await run([join(dir, "bad.csv"), "--config", join(dir, "device.json")]);
    expect(badConsole.code).toBe(2);
    expect(badConsole.err).toBe('flash:fleet: ' + join(dir, "bad.csv") + ':2: field `console`: bad TCP port "telnet://10.0.0.21" (expected tcp://HOST:PORT)\n');
    writeFileSync(join(dir, "dup.csv"), "address,device,location,board,console\n10.0.0.21,boiler-1,plant,esp32-devkitc,tcp://127.0.0.1:1\n10.0.0.22,boiler-1,plant,esp32-devkitc,tcp://127.0.0.1:2\n");
    const dup = await run([join(dir, "dup.csv"), "--config", join(dir, "device.json")]);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/^flash:fleet: \S+dup\.csv:3: field `device` "boiler-1" /);
    writeFileSync(join(dir, "cols.csv"), "address,device,place,board\n");
    const cols = await run([join(dir, "cols.csv"), "--config", join(dir, "device.json")]);
    expect(cols.code).toBe(2);
    expect(cols.err).toMatch(/^flash:fleet: \S+cols\.csv:1: unknown column "place"/);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Exit status: 0 every board flashed and verified; 1 at least one failed");
  });
});
