// Push mode against raw TCP servers (virtual clock, no cost model): never two pushes at once (a timed-out one
// included), nothing while Wi-Fi is down, the bearer token on the wire and nowhere else, and a scrape during a
// push keeps every sample accounted for in both bodies. (The real Pushgateway: test/prometheus-e2e.)
import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { config, ensureBuilt, get, makeDevice, samples, unaccounted, PASSWORD, PROFILE, ROOT, SSID, TOKEN } from "./helpers.js";
import { until } from "../sim/helpers.js";
import type { SimDevice } from "../../host-sim/index.mjs";
import { checkSecrets } from "../../tools/flash/plan.mjs";

ensureBuilt();

interface Conn {
  raw: string;
  sock: net.Socket;
  open: boolean;
}

/** A server that records every connection; `reply(c)` runs when a whole chunked request has arrived. */
async function server(reply: ((c: Conn) => void) | null) {
  const conns: Conn[] = [];
  let open = 0;
  let maxOpen = 0;
  const srv = net.createServer((sock) => {
    const c: Conn = { raw: "", sock, open: true };
    conns.push(c);
    open++;
    maxOpen = Math.max(maxOpen, open);
    sock.on("data", (b) => {
      c.raw += b.toString("latin1");
      if (reply && c.raw.endsWith("\r\n0\r\n\r\n")) reply(c);
    });
    sock.on("error", () => {});
    sock.on("close", () => {
      c.open = false;
      open--;
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    conns,
    maxOpen: () => maxOpen,
    close: () => {
      for (const c of conns) c.sock.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

const OK = (c: Conn) => c.sock.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

/** The de-chunked body of a raw chunked request. */
function body(raw: string): string {
  let rest = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  let out = "";
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const n = parseInt(rest.slice(0, eol), 16);
    if (!(n > 0)) return out;
    out += rest.substr(eol + 2, n);
    rest = rest.slice(eol + 2 + n + 2);
  }
}

const count = (d: SimDevice, i: number) => d.evaluate("__telemetry.push.n[" + i + "].get()") as number;

let dev: SimDevice | undefined;
let srv: Awaited<ReturnType<typeof server>> | undefined;
afterEach(async () => {
  await dev?.stop();
  await srv?.close();
  dev = srv = undefined;
});

function device(port: number, push: Record<string, unknown> = {}, secrets?: Record<string, unknown>): SimDevice {
  dev = makeDevice({ config: config({ push: { url: "http://127.0.0.1:" + port, intervalSeconds: 10, ...push } }), secrets, costModel: false });
  return dev;
}

/**
 * Advances virtual time in 1 s steps; after each, host sockets work (virtual time standing still) until no push
 * request is open, or a bounded number of event-loop turns for one that never closes by itself.
 */
async function walk(d: SimDevice, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    d.advance(Math.min(1000, ms - t));
    for (let i = 0; i < 30 || (i < 3000 && d.net.clients.size > 0); i++) await new Promise((r) => setImmediate(r));
  }
}

describe("push mode", () => {
  it("a push never overlaps another: a timed-out request (no abort in Espruino) holds back the next until it closes", async () => {
    srv = await server((c) => {
      if (c !== srv?.conns[0]) OK(c); // the first push is never answered by itself
    });
    const d = device(srv.port);
    await d.boot();
    await walk(d, 10_000);
    const s = srv;
    await until(() => s.conns.length === 1 && s.conns[0].raw.endsWith("\r\n0\r\n\r\n"), "first push sent");
    await walk(d, 10_000); // the 10 s timeout at t = 20 s
    expect(count(d, 2)).toBe(1);
    expect(d.evaluate("__telemetry.push.sec.get()")).toBe(10);
    await walk(d, 30_000); // retries due at 25, 30 ... s find the timed-out request still open
    expect(s.conns.length).toBe(1);
    expect(d.net.clients.size).toBe(1);
    OK(s.conns[0]); // it is answered at last: it closes without counting again
    await until(() => d.net.clients.size === 0, "closed");
    expect(count(d, 0)).toBe(0);
    await walk(d, 5_000);
    await until(() => count(d, 0) === 1, "next push ok");
    expect(s.conns.length).toBe(2);
    expect(s.maxOpen()).toBe(1);
    expect(count(d, 1)).toBe(0);
    expect(count(d, 2)).toBe(1);
    expect(d.console).toContain("push: timeout, retry in 5 s");
  });

  it("a non-2xx answer is an error with backoff; pushes never overlap under steady load", async () => {
    let n = 0;
    srv = await server((c) => c.sock.end(++n <= 2 ? "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    const d = device(srv.port);
    await d.boot();
    await walk(d, 60_000);
    // 10 s: 400, 15 s: 400, 25 s: ok, 35, 45, 55: ok
    expect(count(d, 1)).toBe(2);
    expect(count(d, 0)).toBe(4);
    expect(srv.maxOpen()).toBe(1);
    expect(d.console.filter((l) => l.startsWith("push: HTTP"))).toEqual(["push: HTTP 400, retry in 5 s", "push: HTTP 400, retry in 10 s"]);
  });

  it("no attempts while Wi-Fi is down; pushes resume after it reconnects", async () => {
    srv = await server(OK);
    const d = device(srv.port);
    const attempts: { t: number; wifi: string }[] = [];
    const n = d.net as unknown as { clientConnect: (c: unknown) => void };
    const orig = n.clientConnect.bind(d.net);
    n.clientConnect = (c) => {
      // called on every write: a new connection only when the request has no socket yet
      if (!(c as { sock?: unknown }).sock) attempts.push({ t: d.now(), wifi: String(d.wifi.state) });
      orig(c);
    };
    await d.boot();
    await walk(d, 10_000);
    await until(() => count(d, 0) === 1, "first push");
    d.fault("wifi-drop");
    await walk(d, 60_000);
    expect(attempts.length).toBe(1);
    expect(count(d, 0) + count(d, 1) + count(d, 2)).toBe(1);
    d.fault("wifi-restore");
    await walk(d, 90_000);
    expect(count(d, 0)).toBeGreaterThanOrEqual(3);
    expect(count(d, 1) + count(d, 2)).toBe(0);
    for (const a of attempts) expect(a.wifi).toBe("connected");
    expect(srv.conns.length).toBe(attempts.length);
  });

  it("the push token goes out as Authorization: Bearer and appears nowhere else (console, metrics, status page)", async () => {
    const PUSH_TOKEN = "pUsH-tok3n-9f8e7d6c5b4a";
    let n = 0;
    srv = await server((c) => c.sock.end(++n === 1 ? "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    const d = device(srv.port, {}, { ssid: SSID, password: PASSWORD, token: TOKEN, pushToken: PUSH_TOKEN });
    await d.boot();
    await walk(d, 16_000);
    await until(() => count(d, 0) === 1, "second push ok");
    const head = srv.conns[0].raw.slice(0, srv.conns[0].raw.indexOf("\r\n\r\n")).split("\r\n");
    expect(head[0]).toBe("PUT /metrics/job/espruino/device/dev-1 HTTP/1.1");
    expect(head).toContain("Authorization: Bearer " + PUSH_TOKEN);
    expect(head).toContain("Content-Type: text/plain; version=0.0.4; charset=utf-8");
    expect(head).toContain("Transfer-Encoding: chunked");
    // the scrape token is not what the gateway gets
    expect(srv.conns[0].raw).not.toContain(TOKEN);
    const auth = { Authorization: "Bearer " + TOKEN };
    const metrics = (await get(d.hostPort(80) as number, "/metrics", auth)).body;
    const status = (await get(d.hostPort(80) as number, "/", auth)).body;
    for (const text of [d.console.join("\n"), metrics, status, body(srv.conns[1].raw)]) {
      expect(text).not.toContain(PUSH_TOKEN);
      expect(text).not.toContain("pUsH");
    }
    expect(d.console).toContain("push: HTTP 401, retry in 5 s");
    expect(status).toContain("push: every 10 s, ok 1, error 1, timeout 0\n");
  });

  it("constant labels (config labels) travel in the pushed body, on every series", async () => {
    srv = await server(OK);
    dev = makeDevice({ config: config({ labels: { site: "lab" }, push: { url: "http://127.0.0.1:" + srv.port, intervalSeconds: 10 } }), costModel: false });
    const d = dev;
    await d.boot();
    await walk(d, 12_000);
    await until(() => count(d, 0) === 1, "push ok");
    const lines = body(srv.conns[0].raw).split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines.length).toBeGreaterThan(50);
    for (const l of lines) expect(l, l).toMatch(/^[a-z_]+\{site="lab"[,}]/);
  });

  it("a scrape during a push: every sample accounted for in both bodies, the same counts (one collection)", async () => {
    srv = await server(OK);
    const d = device(srv.port);
    await d.boot();
    await walk(d, 9_000);
    d.advance(1_000); // the push starts now; its body streams over the next network passes
    expect(d.evaluate("__telemetry.pb")).toBe(1);
    const scrape = get(d.hostPort(80) as number, "/metrics");
    const s = srv;
    await until(() => count(d, 0) === 1, "push ok");
    const scraped = (await scrape).body;
    const pushed = body(s.conns[0].raw);
    expect(unaccounted(pushed)).toEqual({ a: 0, b: 0 });
    expect(unaccounted(scraped)).toEqual({ a: 0, b: 0 });
    const taken = 'espruino_adc_samples_taken_total{channel="a"}';
    expect(samples(pushed).get(taken)).toBe(samples(scraped).get(taken));
    expect(samples(pushed).get(taken)).toBe(500);
    expect(pushed.startsWith("# HELP espruino_")).toBe(true);
    expect(pushed.endsWith("\n")).toBe(true);
  });

  it("a bad pushToken is a config error on the device and in the flash tool, the value never shown", async () => {
    const bad = "has space-0123456789";
    srv = await server(OK);
    const d = device(srv.port, {}, { ssid: SSID, password: PASSWORD, pushToken: bad });
    await d.boot();
    expect(d.console).toContain("config error: telemetry.secrets.json: pushToken: need 1-256 printable ASCII, no spaces (value not shown)");
    expect(d.evaluate("__telemetry.push")).toBe(null);
    expect(d.console.join("\n")).not.toContain("has space");
    expect(checkSecrets({ pushToken: bad })).toEqual(["pushToken: must be 1-256 printable ASCII characters without spaces (value not shown)"]);
    expect(checkSecrets({ ssid: "x", pushToken: "tok" })).toEqual([]);
  });
});

describe("push mode and the waveform sampler stay off a device whose config does not enable them", () => {
  it("without push: no push families; the bundle flash writes then (dist/firmware-core.min.js) holds none of push mode", async () => {
    const d = (dev = makeDevice());
    await d.boot();
    d.advance(1000);
    const m = await get(d.hostPort(80) as number, "/metrics");
    expect(m.body).not.toContain("espruino_push_");
    const core = readFileSync(join(ROOT, "dist", "firmware-core.min.js"), "latin1");
    const full = readFileSync(join(ROOT, "dist", "firmware.min.js"), "latin1");
    for (const text of ["espruino_push_total", "Pushgateway", '"PUT"']) {
      expect(full).toContain(text);
      expect(core).not.toContain(text);
    }
  });

  it("the core bundle holds none of the waveform sampler; given a waveform config (only --bundle can pair them) it samples with setInterval and says so", async () => {
    const core = readFileSync(join(ROOT, "dist", "firmware-core.min.js"), "latin1");
    const full = readFileSync(join(ROOT, "dist", "firmware.min.js"), "latin1");
    for (const text of [".startInput(", '"buffer"', "doubleBuffer"]) {
      expect(full).toContain(text);
      expect(core).not.toContain(text);
    }
    const { SimDevice, deviceFile, DEVICE_FILE } = await import("../../host-sim/index.mjs");
    const d = (dev = new SimDevice({
      bundle: join(ROOT, "dist", "firmware-core.min.js"),
      storage: { [DEVICE_FILE]: deviceFile(PROFILE, config({ strategy: "waveform" })) },
    }));
    await d.boot();
    d.advance(3000);
    expect(d.console).toContain("sampler: no Waveform; using setInterval");
    expect(d.evaluate("__telemetry.sampling.strategy")).toBe("interval");
    const m = await get(d.hostPort(80) as number, "/metrics");
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^espruino_adc_samples_taken_total\{channel="[^"]+"\} [1-9]/m);
    expect(d.errors).toEqual([]);
  });

  it("the core bundle given a device file with push (only --bundle can pair them) says so and serves", async () => {
    const { SimDevice, deviceFile, DEVICE_FILE } = await import("../../host-sim/index.mjs");
    const d = (dev = new SimDevice({
      bundle: join(ROOT, "dist", "firmware-core.min.js"),
      storage: { [DEVICE_FILE]: deviceFile(PROFILE, config({ push: { url: "http://127.0.0.1:9", intervalSeconds: 5 } })) },
    }));
    await d.boot();
    d.advance(12_000);
    expect(d.console).toContain("push: not in this bundle (npm run flash picks dist/firmware.min.js for a config with push)");
    expect((await get(d.hostPort(80) as number, "/")).body).toContain("  error: push: not in this bundle");
    expect(d.evaluate("__telemetry.push")).toBe(null);
    const m = await get(d.hostPort(80) as number, "/metrics");
    expect(m.status).toBe(200);
    expect(m.body).not.toContain("espruino_push_");
    expect(d.errors).toEqual([]);
  });
});
