// `npm start` equivalent: node host-sim/cli.mjs as a real process.
import { describe, it, expect, beforeAll, afterEach, vi } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { promtoolCheckMetrics } from "../support/system-tools.js";
import { ensureBuilt, killChildren, ROOT } from "./helpers.js";
import { tempDir } from "../support/temp-dir.js";

const CLI = join(ROOT, "host-sim", "cli.mjs");
const children: ChildProcess[] = [];

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (b) => (out += b));
  child.stderr?.on("data", (b) => (err += b));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

function listeningPort(child: ChildProcess, out: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /^listening on http:\/\/127\.0\.0\.1:(\d+) \(the device's port \d+\)$/m.exec(out());
      if (m) {
        child.stdout?.off("data", check);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", check);
    child.on("exit", (code) => reject(new Error("cli exited with " + code + " before listening")));
    check();
  });
}

beforeAll(() => ensureBuilt());
afterEach(() => killChildren(children));

describe("host-sim/cli.mjs", () => {
  it("--port 0: prints the listening line, serves /metrics that promtool accepts, exits on SIGTERM", async () => {
    const p = start(["--port", "0"]);
    const port = await listeningPort(p.child, p.out);
    expect(port).toBeGreaterThan(0);
    const r = await fetch("http://127.0.0.1:" + port + "/metrics");
    expect(r.status).toBe(200);
    const body = await r.text();
    expect(promtoolCheckMetrics(body).status).toBe(0);
    expect(p.out()).toMatch(/^\[device\] espruino-telemetry .* listening on port 80$/m);
    // without options the device is complete: the board profile and a demo config in Storage (valid), sampling
    // on the demo channels, and Wi-Fi joined to the simulated access point
    expect(body).toMatch(/^espruino_config_valid 1$/m);
    for (const ch of ["ch0", "ch1"]) expect(body).toMatch(new RegExp('^espruino_adc_samples_taken_total\\{channel="' + ch + '"\\} \\d+$', "m"));
    const status = await vi.waitFor(
      async () => {
        const text = await (await fetch("http://127.0.0.1:" + port + "/")).text();
        expect(text).toMatch(/^wifi: connected/m);
        return text;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(status).toMatch(/^config: valid$/m);
    expect(status).toMatch(/^wifi: connected/m);
    expect(status).toMatch(/^ {2}ch0 \(D32\): last /m);
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  it("--config is checked on the host (every error, exit 2) and seeds the device file; SIGINT exits cleanly", async () => {
    const dir = tempDir("sim-cli-");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ port: 9200, channels: [{ name: "a", pin: "D5" }] }));
    const b = start(["--port", "0", "--config", bad]);
    expect(await b.exited).toBe(2);
    expect(b.err()).toBe(
      "error: the config is invalid for board esp32-devkitc:\n  telemetry.config.json: schema: must be 1, got nothing\n" +
        "  telemetry.config.json: channels[0].pin: D5 is not an ADC1 pin on esp32-devkitc (GPIO32-39 only; ADC2 is unusable while Wi-Fi is on)\n",
    );
    const cfg = join(dir, "cfg.json");
    writeFileSync(cfg, JSON.stringify({ schema: 1, channels: [{ name: "a", pin: "D32" }], port: 9200 }));
    const p = start(["--port", "0", "--config", cfg]);
    await listeningPort(p.child, p.out);
    expect(p.out()).toMatch(/listening on port 9200/);
    expect(p.out()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+ \(the device's port 9200\)$/m);
    p.child.kill("SIGINT");
    expect(await p.exited).toBe(0);
  });

  it("--help prints the options and exits 0", async () => {
    const h = start(["--help"]);
    expect(await h.exited).toBe(0);
    for (const flag of ["--port N", "--bundle FILE", "--board NAME", "--config FILE", "--secrets FILE", "--signals FILE", "--faults FILE", "--devices N", "--base-port P", "--sample-rate HZ", "--targets FILE", "--quiet"]) {
      expect(h.out()).toContain(flag);
    }
    expect(h.err()).toBe("");
  });

  it("a board the firmware does not fit: one error line, exit 1, instead of hanging", async () => {
    const r = start(["--port", "0", "--board", "esp32-c3"]);
    expect(await r.exited).toBe(1);
    expect(r.out()).toContain("[device] OUT OF MEMORY");
    expect(r.out()).not.toContain("listening on");
    expect(r.err()).toBe('error: the firmware ran out of memory while booting on esp32-c3 (4095 JsVars) and never listened: it does not fit this board yet (boards/README.md, "Which profiles the full firmware fits today")\n');
  });

  it("bad options and a busy port give one-line errors and exit 2", async () => {
    const bad = start(["--nope"]);
    expect(await bad.exited).toBe(2);
    expect(bad.err().trim().split("\n")).toHaveLength(1);
    const badPort = start(["--port", "x"]);
    expect(await badPort.exited).toBe(2);
    expect(badPort.err()).toMatch(/^error: --port/);

    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    try {
      const busyPort = (blocker.address() as net.AddressInfo).port;
      const busy = start(["--port", String(busyPort)]);
      expect(await busy.exited).toBe(2);
      expect(busy.err().trim()).toBe("error: port " + busyPort + " on 127.0.0.1 is already in use");
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
