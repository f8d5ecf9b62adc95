// Fleet mode: 200 devices in-process and through the CLI; every device answers /metrics; file_sd targets.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { startFleet } from "../../host-sim/fleet.mjs";
import { startFleetThreads } from "../../host-sim/fleet-threads.mjs";
import { ensureBuilt, killChildren, ROOT } from "./helpers.js";
import { tempDir } from "../support/temp-dir.js";

const CLI = join(ROOT, "host-sim", "cli.mjs");
const N = 200;
const children: ChildProcess[] = [];
beforeAll(() => ensureBuilt());
afterEach(() => killChildren(children));

/** GETs /metrics from every address, 25 at a time; returns the bodies. */
async function scrapeAll(addresses: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < addresses.length; i += 25) {
    const batch = addresses.slice(i, i + 25).map(async (a) => {
      const r = await fetch("http://" + a + "/metrics");
      expect(r.status).toBe(200);
      return r.text();
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

const mib = (b: number) => (b / 1048576).toFixed(2);

describe("fleet", () => {
  it("in-process: 200 devices start, each with its own config and port, and all answer /metrics", async () => {
    globalThis.gc?.();
    const before = process.memoryUsage();
    const progress: string[] = [];
    const fleet = await startFleet({ devices: N, onProgress: (k, n) => progress.push(k + "/" + n) });
    try {
      const after = process.memoryUsage();
      console.log(
        `fleet in-process: ${N} devices started in ${(fleet.startMs / 1000).toFixed(2)} s; per device: heap ` +
          `${mib((after.heapUsed - before.heapUsed) / N)} MiB, rss ${mib((after.rss - before.rss) / N)} MiB ` +
          `(total heap ${mib(after.heapUsed)} MiB, rss ${mib(after.rss)} MiB)`
      );
      expect(progress).toEqual(["50/200", "100/200", "150/200", "200/200"]);
      expect(new Set(fleet.devices.map((d) => d.hostPort)).size).toBe(N);
      expect(fleet.devices[0].name).toBe("sim-001");
      expect(fleet.devices[199].name).toBe("sim-200");
      const cfg = fleet.devices[41].device.storage.readFile("telemetry.cfg") as string;
      expect(JSON.parse(cfg.slice(cfg.indexOf("\n") + 1)).config).toMatchObject({ device: "sim-042", location: "sim-lab/row-03", sampleRateHz: 10 });
      // a different signal per device: the sine's phase depends on the index
      const r0 = fleet.devices[0].device.evaluate("analogRead(D32)");
      const r50 = fleet.devices[50].device.evaluate("analogRead(D32)");
      expect(r0).not.toBe(r50);
      const bodies = await scrapeAll(fleet.devices.map((d) => d.address));
      expect(bodies.every((b) => b.includes("espruino_build_info"))).toBe(true);
      const groups = fleet.targets();
      expect(groups).toHaveLength(N);
      expect(groups[7]).toEqual({ targets: [fleet.devices[7].address], labels: { device: "sim-008", location: "sim-lab/row-01", board: "esp32-devkitc" } });
    } finally {
      await fleet.stop();
    }
  });

  it("on 2 worker threads: 500 devices named and seeded across the slices, all answer /metrics, stop() ends the threads", async () => {
    const progress: number[] = [];
    const fleet = await startFleetThreads({ devices: 500, workers: 2, onProgress: (k) => progress.push(k) });
    try {
      console.log(`fleet on ${fleet.workers} worker threads: 500 devices started in ${(fleet.startMs / 1000).toFixed(2)} s`);
      expect(fleet.workers).toBe(2);
      expect(progress).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 450, 500]);
      expect(fleet.devices.map((d) => d.name)).toEqual(Array.from({ length: 500 }, (_, i) => "sim-" + String(i + 1).padStart(3, "0")));
      expect(new Set(fleet.devices.map((d) => d.hostPort)).size).toBe(500);
      // every device serves, the second slice (from sim-251 on) too
      const bodies = await scrapeAll(fleet.devices.map((d) => d.address));
      expect(bodies[250]).toMatch(/^espruino_build_info\{[^}]*\} 1$/m);
      expect(bodies.every((b) => /^espruino_adc_samples_taken_total\{channel="ch0"\} \d+$/m.test(b))).toBe(true);
      expect(fleet.targets()[250]).toEqual({ targets: [fleet.devices[250].address], labels: { device: "sim-251", location: "sim-lab/row-13", board: "esp32-devkitc" } });
    } finally {
      await fleet.stop();
    }
    // every device is gone with its thread
    const r = await fetch("http://" + fleet.devices[499].address + "/metrics").then(() => "answered", (e) => "refused: " + String(e.cause?.code));
    expect(r).toBe("refused: ECONNREFUSED");
  });

  it("CLI --devices 200: progress, one line per device, summary, targets file matching the fleet, SIGTERM exits 0", async () => {
    const dir = tempDir("sim-fleet-");
    const targets = join(dir, "targets.json");
    const secrets = join(dir, "secrets.json");
    writeFileSync(secrets, JSON.stringify({ token: "do-not-print-me-0123" })); // valid (16+ chars): an invalid token would lock /metrics
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, "--devices", String(N), "--targets", targets, "--secrets", secrets, "--quiet"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout?.on("data", (b) => (out += b));
    child.stderr?.on("data", (b) => (err += b));
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/^fleet: /m.test(out)) resolve();
      };
      child.stdout?.on("data", check);
      child.on("exit", (c) => reject(new Error("cli exited " + c + ": " + err)));
    });
    const summary = out.split("\n").find((l) => l.startsWith("fleet: ")) as string;
    console.log("fleet via CLI: " + summary + " (spawn to summary " + ((performance.now() - t0) / 1000).toFixed(2) + " s)");
    expect(summary).toMatch(/^fleet: 200 devices listening on 127\.0\.0\.1 ports \d+-\d+, \d+ worker threads, started in /); // auto: above 100 devices
    expect(err).toContain("started 50/200 devices");
    expect(err).toContain("started 200/200 devices");
    const lines = out.split("\n").filter((l) => /^sim-\d{3} /.test(l));
    expect(lines).toHaveLength(N);
    const addrs = lines.map((l) => /^sim-\d{3} http:\/\/(127\.0\.0\.1:\d+)\/metrics location=/.exec(l)?.[1] as string);
    const file = JSON.parse(readFileSync(targets, "utf8"));
    expect(file).toHaveLength(N);
    expect(file.map((g: { targets: string[] }) => g.targets[0])).toEqual(addrs);
    expect(file[199].labels).toEqual({ device: "sim-200", location: "sim-lab/row-10", board: "esp32-devkitc" });
    await scrapeAll(addrs);
    expect(out + err).not.toContain("do-not-print-me");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("CLI: a busy base port and bad fleet options exit 2 with one line", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const run = (args: string[]) => {
        const c = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        children.push(c);
        let e = "";
        c.stderr?.on("data", (b) => (e += b));
        return new Promise<{ code: number | null; err: string }>((r) => c.on("exit", (code) => r({ code, err: e })));
      };
      // device 0 hits the busy port (the ports just below it may belong to another process: a CI run once had
      // busy-1 taken, and the error named that port instead)
      const r = await run(["--devices", "3", "--base-port", String(busy), "--quiet"]);
      expect(r.code).toBe(2);
      expect(r.err.trim()).toBe("error: port " + busy + " on 127.0.0.1 is already in use");
      for (const args of [["--devices", "0"], ["--devices", "2", "--port", "1"], ["--base-port", "9000"], ["--devices", "2", "--base-port", "65535"]]) {
        const b = await run(args);
        expect(b.code).toBe(2);
        expect(b.err.trim().split("\n")).toHaveLength(1);
        expect(b.err).toMatch(/^error: /);
      }
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
