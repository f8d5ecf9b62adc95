// Faults that need real sockets: socket exhaustion, and a power cycle of the firmware while it serves HTTP.
import { describe, it, expect, beforeAll, afterEach, vi } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SimDevice, deviceFile, DEVICE_FILE } from "../../host-sim/index.mjs";
import { PROFILE } from "../runtime/helpers.js";
import { codeDevice, ensureBuilt, MIN_BUNDLE, rawExchange, ROOT, until } from "./helpers.js";
import { tempDir } from "../support/temp-dir.js";

const devices: SimDevice[] = [];
const children: ChildProcess[] = [];
beforeAll(() => ensureBuilt());
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.on("exit", r));
      c.kill("SIGKILL");
      await gone;
    }
  }
});


describe("socket exhaustion", () => {
  it("with every free socket held from outside, a new client is reset (lwIP out of netconns) until they are released", async () => {
    const d = codeDevice('require("http").createServer(function (req, res) { res.writeHead(200); res.end("ok"); }).listen(80);', { costModel: false });
    devices.push(d);
    await d.boot();
    const port = await d.whenListening(80);
    await d.fault("socket-exhaustion"); // board.sockets (10) minus the listener: 9 held
    expect(d.net.socketsInUse()).toBe(10);
    const refused = await rawExchange(port, ["GET / HTTP/1.1\r\nHost: x\r\n\r\n"]).then(
      (r) => "served: " + r.text,
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(refused).toBe("ECONNRESET");
    expect(d.net.stats.refused).toBe(1);
    d.fault("socket-release");
    await until(() => d.net.socketsInUse() === 1, "held sockets released");
    const r = await rawExchange(port, ["GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  });
});

describe("power cycle of the firmware", () => {
  it("keeps Storage and the host port; the scrape counter starts again; the old server is gone", async () => {
    const d = new SimDevice({ bundle: MIN_BUNDLE, clock: "realtime", storage: { [DEVICE_FILE]: deviceFile(PROFILE, { schema: 1, channels: [{ name: "a", pin: "D32" }], port: 9200 }) } });
    devices.push(d);
    await d.boot();
    const port = await d.whenListening(9200);
    const scrapes = async () => {
      const body = await (await fetch("http://127.0.0.1:" + port + "/metrics")).text();
      return Number(/^espruino_scrapes_total (\d+)$/m.exec(body)?.[1]);
    };
    await scrapes();
    expect(await scrapes()).toBe(2);
    d.fault("power-cycle");
    await d.whenListening(9200);
    expect(d.hostPort(9200)).toBe(port);
    expect(await scrapes()).toBe(1);
    expect(d.console.filter((l) => /listening on port 9200/.test(l))).toHaveLength(2);
    expect(d.net.listeners.length).toBe(1);
  });
});

describe("CLI --signals / --faults for one device", () => {
  it("applies the signal spec and the fault schedule; bad spec files exit 2 naming the problem", async () => {
    const dir = tempDir("sim-cli-faults-");
    writeFileSync(join(dir, "sig.json"), JSON.stringify({ D32: { type: "csv", file: "s.csv" } }));
    writeFileSync(join(dir, "s.csv"), "t,volts\n0,1\nx,2\n");
    writeFileSync(join(dir, "faults.json"), JSON.stringify([{ at: 1, fault: "meteor" }]));
    const run = (args: string[]) => {
      const c = spawn(process.execPath, [join(ROOT, "host-sim", "cli.mjs"), "--port", "0", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      children.push(c);
      let e = "";
      let o = "";
      c.stderr?.on("data", (b) => (e += b));
      c.stdout?.on("data", (b) => (o += b));
      return { c, out: () => o, exited: new Promise<{ code: number | null; err: string }>((r) => c.on("exit", (code) => r({ code, err: e }))) };
    };
    const bad = await run(["--signals", join(dir, "sig.json")]).exited;
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe("error: " + join(dir, "sig.json") + " D32: s.csv line 3: time 'x' is not a number");
    const badF = await run(["--faults", join(dir, "faults.json")]).exited;
    expect(badF.code).toBe(2);
    expect(badF.err).toMatch(/^error: .*faults\.json entry 1: unknown fault "meteor"/);

    writeFileSync(join(dir, "s.csv"), "t,volts\n0,1\n");
    writeFileSync(join(dir, "faults.json"), JSON.stringify({ schedule: [{ at: 0.5, fault: "power-cycle" }] }));
    const ok = run(["--signals", join(dir, "sig.json"), "--faults", join(dir, "faults.json")]);
    await vi.waitFor(() => expect(ok.out().split("listening on port 80").length).toBeGreaterThanOrEqual(3), { timeout: 5000, interval: 50 });
    expect(ok.out().match(/^\[device\] espruino-telemetry .* listening on port 80$/gm)).toHaveLength(2); // booted twice
    expect(ok.out().match(/^listening on http:\/\/127\.0\.0\.1:\d+ \(the device's port \d+\)$/gm)).toHaveLength(1);
    ok.c.kill("SIGTERM");
    expect((await ok.exited).code).toBe(0);
  });
});
