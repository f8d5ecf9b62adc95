// Push mode against a real Pushgateway (Debian prometheus-pushgateway 1.5.1, no persistence): a simulated
// device on the virtual clock PUTs its text exposition to /metrics/job/espruino/device/<device> every
// intervalSeconds (chunked, one Cursor piece per 'drain'). Checked through the gateway's own /metrics:
//   - after N intervals the group holds the device's series; the sample counters equal the device's own scrape
//     at the same (frozen) virtual time, every sample is accounted for in the pushed body, and the pushed
//     espruino_push_total{result="ok"} counts the earlier pushes;
//   - gateway down: "error" results at exactly 30, 35, 45, 65, 95 s (retry 5 s doubling, capped at the 30 s
//     interval), sampling unaffected, and a push succeeds on the first retry after a gateway is back.
// A missing gateway binary is installed (or the suite FAILS): it is never skipped.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool } from "../support/system-tools.js";
import { freePort, sleep } from "./prometheus.js";
import { config, ensureBuilt, get, makeDevice, samples, unaccounted } from "../runtime/helpers.js";
import { until } from "../sim/helpers.js";
import type { SimDevice } from "../../host-sim/index.mjs";

const gateways: ChildProcess[] = [];
const devices: SimDevice[] = [];

async function startGateway(port: number): Promise<ChildProcess> {
  const bin = requireTool("prometheus-pushgateway", "prometheus-pushgateway");
  const p = spawn(bin, ["--web.listen-address=127.0.0.1:" + port, "--persistence.file="], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  p.stderr?.on("data", (b) => (err += b));
  gateways.push(p);
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch("http://127.0.0.1:" + port + "/-/ready");
      if (r.ok) return p;
    } catch {
      // not up yet
    }
    if (p.exitCode !== null || Date.now() > deadline) throw new Error("pushgateway did not start: " + err.slice(-500));
    await sleep(50);
  }
}

function stopGateway(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    p.once("exit", () => r());
    p.kill("SIGKILL");
  });
}

/** The gateway's samples of one group, with job/instance (and device, except on device_info) removed. */
function groupSamples(body: string, job: string, device: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    const key = line.slice(0, sp);
    const b = key.indexOf("{");
    if (b < 0) continue;
    const name = key.slice(0, b);
    const labels: [string, string][] = [];
    for (const m of key.slice(b + 1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.push([m[1], m[2]]);
    const l = Object.fromEntries(labels);
    if (l.job !== job || l.device !== device) continue;
    const kept = labels.filter(([k]) => k !== "job" && k !== "instance" && (k !== "device" || name === "espruino_device_info"));
    out.set(name + (kept.length ? "{" + kept.map(([k, v]) => k + '="' + v + '"').join(",") + "}" : ""), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Device samples with labels in sorted order (the gateway sorts them). */
function sortedSamples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of samples(body)) {
    const b = k.indexOf("{");
    if (b < 0) {
      out.set(k, v);
      continue;
    }
    const labels = [...k.slice(b + 1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]);
    labels.sort((x, y) => (x[0] < y[0] ? -1 : 1));
    out.set(k.slice(0, b) + "{" + labels.map(([a, c]) => a + '="' + c + '"').join(",") + "}", v);
  }
  return out;
}

/** The pushed group as text 0.0.4 lines (name{labels} value) for unaccounted(). */
function asBody(m: Map<string, number>): string {
  let s = "";
  for (const [k, v] of m) s += k + " " + v + "\n";
  return s;
}

const pushCount = (d: SimDevice, i: number) => d.evaluate("__telemetry.push.n[" + i + "].get()") as number;

beforeAll(() => {
  ensureBuilt();
  requireTool("prometheus-pushgateway", "prometheus-pushgateway");
});

afterAll(async () => {
  for (const d of devices) await d.stop();
  for (const g of gateways) await stopGateway(g);
});

describe("push mode with a real Pushgateway", () => {
  it("after N intervals the group has the device's series, equal to its own scrape; conservation holds in the pushed body", async () => {
    const port = await freePort();
    await startGateway(port);
    // no cost model: virtual time moves only by advance(), so the device's scrape right after a push sees what it pushed
    const d = makeDevice({ config: config({ push: { url: "http://127.0.0.1:" + port, intervalSeconds: 10 } }), costModel: false });
    devices.push(d);
    await d.boot();
    const hp = d.hostPort(80) as number;
    const N = 4;
    for (let k = 1; k <= N; k++) {
      d.advance(10_000);
      await until(() => pushCount(d, 0) === k, "push " + k + " ok");
    }
    expect(pushCount(d, 1)).toBe(0);
    expect(pushCount(d, 2)).toBe(0);
    const gw = await (await fetch("http://127.0.0.1:" + port + "/metrics")).text();
    const pushed = groupSamples(gw, "espruino", "dev-1");
    const own = sortedSamples((await get(hp, "/metrics")).body);
    const taken = (ch: string) => 'espruino_adc_samples_taken_total{channel="' + ch + '"}';
    for (const ch of ["a", "b"]) {
      expect(pushed.get(taken(ch))).toBeGreaterThan(0);
      // virtual time stood still since the push: the sampler took nothing since
      expect(pushed.get(taken(ch))).toBe(own.get(taken(ch)));
      expect(pushed.get(taken(ch))).toBe(50 * 40);
    }
    expect(unaccounted(asBody(pushed))).toEqual({ a: 0, b: 0 });
    // the pushed body was collected before its own push settled: it counts the N-1 earlier ones
    expect(pushed.get('espruino_push_total{result="ok"}')).toBe(N - 1);
    expect(own.get('espruino_push_total{result="ok"}')).toBe(N);
    expect(own.get('espruino_push_total{result="error"}')).toBe(0);
    expect(own.get('espruino_push_total{result="timeout"}')).toBe(0);
    expect(own.get("espruino_push_last_success_timestamp_seconds")).toBe(40);
    expect(pushed.get('espruino_device_info{device="dev-1",location="lab"}')).toBe(1);
    expect([...pushed.keys()].filter((k) => k.startsWith("espruino_adc_volts_bucket")).length).toBe(16);
    // every family the device exposes reached the gateway
    for (const k of own.keys()) if (!k.startsWith("espruino_push_") && !k.startsWith("espruino_scrape")) expect(pushed.has(k), k).toBe(true);
  });

  it("gateway down: errors at 30, 35, 45, 65, 95 s, sampling unaffected; recovers when a gateway comes back", async () => {
    const port = await freePort(); // nobody listens yet
    const d = makeDevice({ config: config({ push: { url: "http://127.0.0.1:" + port, intervalSeconds: 30, job: "plant" } }), costModel: false });
    devices.push(d);
    await d.boot();
    const hp = d.hostPort(80) as number;
    // when the device opens a push connection (virtual ms)
    const attempts: number[] = [];
    const net = d.net as unknown as { clientConnect: (c: unknown) => void };
    const connect = net.clientConnect.bind(d.net);
    net.clientConnect = (c) => {
      // called on every write: a new connection only when the request has no socket yet
      if (!(c as { sock?: unknown }).sock) attempts.push(d.now());
      connect(c);
    };
    for (let t = 0; t < 100_000; t += 500) {
      d.advance(500);
      await until(() => d.net.clients.size === 0, "no request open");
    }
    expect(pushCount(d, 1)).toBe(attempts.length);
    expect(attempts).toEqual([30_000, 35_000, 45_000, 65_000, 95_000]);
    expect(pushCount(d, 0)).toBe(0);
    expect(pushCount(d, 2)).toBe(0);
    const body = (await get(hp, "/metrics")).body;
    expect(unaccounted(body)).toEqual({ a: 0, b: 0 });
    expect(samples(body).get('espruino_adc_samples_taken_total{channel="a"}')).toBe(50 * 100);
    expect(samples(body).get('espruino_push_total{result="error"}')).toBe(5);
    expect(d.console.filter((l) => l.startsWith("push: ")).slice(1)).toEqual([
      "push: unsent data, retry in 5 s", "push: unsent data, retry in 10 s", "push: unsent data, retry in 20 s",
      "push: unsent data, retry in 30 s", "push: unsent data, retry in 30 s",
    ]);
    // the gateway comes back: the next retry (125 s) succeeds, then one push per interval
    await startGateway(port);
    d.advance(25_000);
    await until(() => pushCount(d, 0) === 1, "recovered");
    expect(d.now()).toBe(125_000);
    d.advance(30_000);
    await until(() => pushCount(d, 0) === 2, "next interval");
    expect(pushCount(d, 1)).toBe(5);
    const gw = await (await fetch("http://127.0.0.1:" + port + "/metrics")).text();
    const pushed = groupSamples(gw, "plant", "dev-1");
    expect(pushed.get('espruino_adc_samples_taken_total{channel="a"}')).toBe(50 * 155);
    expect(unaccounted(asBody(pushed))).toEqual({ a: 0, b: 0 });
  });
});
