// The device runtime (firmware/runtime/*) in the simulator: dist/firmware.min.js, real HTTP on 127.0.0.1,
// virtual clock. Asserted quantities are deterministic (status codes, headers, counters, virtual times,
// simulated sockets/timers/JsVars); nothing depends on wall time.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { openMetricsParse, promtoolCheckMetrics } from "../support/system-tools.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  config, ensureBuilt, get, makeDevice, MIN_BUNDLE, PASSWORD, PROFILE, raw, ROOT, samples, settle, SSID, TOKEN, typeCounts, unaccounted,
} from "./helpers.js";
import { crc32, deviceFile, DEVICE_FILE } from "../../host-sim/index.mjs";
import type { Opts } from "./helpers.js";

const OM_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
const devices: SimDevice[] = [];
beforeAll(() => ensureBuilt());
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

async function boot(o: Opts = {}, port = 80): Promise<{ d: SimDevice; port: number }> {
  const d = makeDevice(o);
  devices.push(d);
  await d.boot();
  d.advance(2000);
  return { d, port: d.hostPort(port) as number };
}

const openSockets = (d: SimDevice) => d.net.socketsInUse();

/** The device file of `cfg` with one byte of its body changed (its checksum no longer matches). */
function damaged(cfg: Record<string, unknown> = config()): string {
  const t = deviceFile(PROFILE, cfg);
  const i = t.indexOf('"sampleRateHz":') + 15;
  return t.slice(0, i) + (t[i] === "9" ? "8" : "9") + t.slice(i + 1);
}

/** The device file of `cfg` rewritten: its header's format, or its JSON body changed, with a checksum that matches. */
function rewritten(cfg: Record<string, unknown>, format: string, edit: (body: any) => void = () => {}): string {
  const t = deviceFile(PROFILE, cfg);
  const body = JSON.parse(t.slice(t.indexOf("\n") + 1));
  edit(body);
  const b = JSON.stringify(body);
  return DEVICE_FILE + " " + format + " " + crc32(b).toString(16).padStart(8, "0") + "\n" + b;
}
const rt = (d: SimDevice, expr: string) => d.evaluate("__telemetry." + expr);

describe("GET /metrics", () => {
  it("streams valid text and OpenMetrics bodies, chunked, with every sample accounted for", async () => {
    const { d, port } = await boot();
    const t = await get(port, "/metrics");
    expect(t.status).toBe(200);
    expect(t.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(t.headers["transfer-encoding"]).toBe("chunked");
    expect(promtoolCheckMetrics(t.body)).toEqual({ status: 0, output: "" });
    for (const n of Object.values(typeCounts(t.body))) expect(n).toBe(1);
    const s = samples(t.body);
    expect(s.get("espruino_config_valid")).toBe(1);
    expect(s.get("espruino_boots_total")).toBe(1);
    expect(s.get("espruino_wifi_connected")).toBe(1);
    expect(s.get('espruino_device_info{device="dev-1",location="lab"}')).toBe(1);
    for (const code of ["200", "400", "401", "404", "405", "431", "503"]) expect(s.has('espruino_http_requests_total{code="' + code + '"}')).toBe(true);
    for (const st of ["free", "used", "total"]) expect(s.get('espruino_memory_jsvars{state="' + st + '"}')).toBeGreaterThan(0);
    expect(s.get('espruino_error_flags{flag="LOW_MEMORY"}')).toBe(0);
    const un = unaccounted(t.body);
    expect(Object.keys(un).length).toBe(2);
    for (const v of Object.values(un)) expect(v).toBe(0);
    d.advance(1000);
    const om = await get(port, "/metrics", { Accept: OM_ACCEPT });
    expect(om.headers["content-type"]).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(om.body.endsWith("# EOF\n")).toBe(true);
    const parsed = openMetricsParse(om.body);
    expect(parsed.error).toBeUndefined();
    expect(parsed.ok).toBe(true);
    // the previous scrape completed: its duration and the 200 are counted
    const s2 = samples((await get(port, "/metrics")).body);
    expect(s2.get('espruino_http_requests_total{code="200"}')).toBe(3);
    expect(s2.get("espruino_scrapes_total")).toBe(3);
    expect(s2.get("espruino_scrape_duration_seconds")).toBeGreaterThanOrEqual(0);
    expect(d.errors).toEqual([]);
  });

  it("config exposition text: OpenMetrics is never served", async () => {
    const { port } = await boot({ config: config({ exposition: "text" }) });
    const r = await get(port, "/metrics", { Accept: OM_ACCEPT });
    expect(r.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

describe("routes and status codes", () => {
  it("400 / 404 / 405 / healthz / status page / 431 for 8 KB of headers, each counted by code", async () => {
    const { d, port } = await boot();
    expect((await raw(port, "GARBAGE\r\n\r\n")).status).toBe(400);
    expect((await raw(port, "GET metrics HTTP/1.1\r\n\r\n")).status).toBe(400);
    expect((await raw(port, "get /metrics HTTP/1.1\r\n\r\n")).status).toBe(400);
    expect((await get(port, "/nope")).status).toBe(404);
    const p = await raw(port, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
    expect(p.status).toBe(405);
    expect(p.headers["allow"]).toBe("GET");
    const h = await raw(port, "HEAD /healthz HTTP/1.1\r\n\r\n");
    expect(h.status).toBe(405);
    const hz = await get(port, "/healthz");
    expect([hz.status, hz.body]).toEqual([200, "ok\n"]);
    const big = await get(port, "/metrics?x=1", { "X-Big": "a".repeat(8192) });
    expect(big.status).toBe(431);
    const st = await get(port, "/");
    expect(st.status).toBe(200);
    expect(st.body).toContain("config: valid");
    expect(st.body).toContain("board: esp32-devkitc\n"); // the name survives dropping the profile after boot
    expect(rt(d, "profile")).toBeNull();
    expect(st.body).toMatch(/uptime: \d+ s/);
    expect(st.body).toMatch(/a \(D32\): last 1\.\d+ volts, taken \d+, dropped \d+/);
    const s = samples((await get(port, "/metrics")).body);
    expect(s.get('espruino_http_requests_total{code="400"}')).toBe(3);
    expect(s.get('espruino_http_requests_total{code="404"}')).toBe(1);
    expect(s.get('espruino_http_requests_total{code="405"}')).toBe(2);
    expect(s.get('espruino_http_requests_total{code="431"}')).toBe(1);
    expect(s.get('espruino_http_requests_total{code="200"}')).toBe(3); // healthz, status, this one
    await settle();
    expect(openSockets(d)).toBe(1);
    expect(d.errors).toEqual([]);
  });

  it("50 parallel clients: each gets 200 or 503 with Retry-After, none is left open", async () => {
    const { d, port } = await boot();
    const replies = await Promise.all(Array.from({ length: 50 }, () => get(port, "/metrics")));
    const codes = replies.map((r) => r.status);
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
    for (const r of replies) {
      if (r.status === 503) expect(r.headers["retry-after"]).toBe("1");
      else {
        for (const v of Object.values(unaccounted(r.body))) expect(v).toBe(0);
        expect(r.body.endsWith("\n")).toBe(true);
      }
    }
    await settle();
    expect(openSockets(d)).toBe(1);
    expect(rt(d, "streams")).toBe(0);
    const s = samples((await get(port, "/metrics")).body);
    const n200 = codes.filter((c) => c === 200).length;
    expect(n200).toBeGreaterThanOrEqual(2); // the stream cap (2) is served, the rest refused
    expect(s.get('espruino_http_requests_total{code="200"}')).toBe(n200 + 1);
    expect(s.get('espruino_http_requests_total{code="503"}')).toBe(50 - n200);
  });

  it("100 clients that disconnect mid-body are abandoned: slots freed, no socket leaked", async () => {
    const { d, port } = await boot({ config: config({ buckets: Array.from({ length: 32 }, (_, i) => (i + 1) / 10) }) });
    const net = await import("node:net");
    for (let i = 0; i < 100; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => s.write("GET /metrics HTTP/1.1\r\n\r\n"));
        s.once("data", () => s.destroy());
        s.on("close", () => resolve());
        s.on("error", () => resolve());
      });
      d.advance(100); // the main loop runs between clients (virtual time only moves when told)
    }
    await settle(200);
    expect(openSockets(d)).toBe(1);
    expect(rt(d, "streams")).toBe(0);
    const r = await get(port, "/metrics");
    expect(r.status).toBe(200);
    for (const v of Object.values(unaccounted(r.body))) expect(v).toBe(0);
    expect(samples(r.body).get("espruino_scrapes_total")).toBe(101);
    expect(d.console.filter((l) => l.startsWith("WATCHDOG"))).toEqual([]);
    expect(d.errors).toEqual([]);
  });
});

describe("auth", () => {
  it("bearer token: refused with the exact 401 headers, accepted with the token; healthz stays open", async () => {
    const { port } = await boot({ config: config({ auth: true }), secrets: { ssid: SSID, password: PASSWORD, token: TOKEN } });
    const no = await get(port, "/metrics");
    expect(no.status).toBe(401);
    expect(no.headers["www-authenticate"]).toBe('Bearer realm="espruino-telemetry"');
    const wrong = await get(port, "/metrics", { Authorization: "Bearer " + TOKEN.slice(0, -1) + "Q" });
    expect(wrong.status).toBe(401);
    expect((await get(port, "/metrics", { Authorization: "Bearer " + TOKEN + "x" })).status).toBe(401);
    expect((await get(port, "/", { Authorization: "Basic " + TOKEN })).status).toBe(401);
    const ok = await get(port, "/metrics", { Authorization: "Bearer " + TOKEN });
    expect(ok.status).toBe(200);
    expect(samples(ok.body).get('espruino_http_requests_total{code="401"}')).toBe(4);
    expect((await get(port, "/healthz")).status).toBe(200);
  });

  it("fails closed: with a damaged device file a token in the secrets file still guards /metrics and /", async () => {
    const { port } = await boot({ deviceFileText: damaged(config({ auth: true })), secrets: { ssid: SSID, password: PASSWORD, token: TOKEN } });
    expect((await get(port, "/metrics")).status).toBe(401);
    expect((await get(port, "/")).status).toBe(401);
    expect((await get(port, "/healthz")).status).toBe(503);
    const page = await get(port, "/", { Authorization: "Bearer " + TOKEN });
    expect(page.status).toBe(200);
    expect(page.body).toContain("config: INVALID");
    expect(page.body).not.toContain(TOKEN);
  });

  it("auth: false ignores a token in the secrets file", async () => {
    const { port } = await boot({ config: config({ auth: false }), secrets: { ssid: SSID, password: PASSWORD, token: TOKEN } });
    expect((await get(port, "/metrics")).status).toBe(200);
  });

  it("auth: true without a token is a config error, and nothing is served but /healthz (fails closed)", async () => {
    const { d, port } = await boot({ config: config({ auth: true }) });
    expect((await get(port, "/")).status).toBe(401);
    expect((await get(port, "/metrics")).status).toBe(401);
    expect((await get(port, "/metrics", { Authorization: "Bearer " + TOKEN })).status).toBe(401);
    const hz = await get(port, "/healthz");
    expect([hz.status, hz.body]).toEqual([503, "config invalid\n"]);
    expect(String(d.console)).toContain("auth: true needs a token");
  });

  it("an invalid token in the secrets file locks /metrics and / whatever the config says; the token is never echoed", async () => {
    const bad = "short tok";
    for (const cfg of [config({ auth: true }), config({ auth: false }), null]) {
      const file = cfg ? { config: cfg } : { deviceFileText: damaged() };
      const { d, port } = await boot({ ...file, secrets: { ssid: SSID, password: PASSWORD, token: bad } });
      for (const auth of [undefined, "Bearer " + bad, "Bearer short", "Bearer " + TOKEN]) {
        const h = auth ? { Authorization: auth } : undefined;
        expect((await get(port, "/metrics", h)).status, JSON.stringify([cfg, auth])).toBe(401);
        expect((await get(port, "/", h)).status).toBe(401);
      }
      expect((await get(port, "/healthz")).status).toBe(503);
      expect(String(d.console)).toContain("token: need 16-128 printable ASCII, no spaces (value not shown)");
      expect(String(d.console)).not.toContain(bad);
    }
  });

  it("auth written as anything but true or false (\"true\", 1) is refused on the host: nothing reaches the device", () => {
    for (const auth of ["true", 1]) expect(() => deviceFile(PROFILE, config({ auth }))).toThrow("telemetry.config.json: auth: must be true or false, got " + JSON.stringify(auth));
  });

  it("a damaged device file without a token stays readable (the error page helps)", async () => {
    const { port } = await boot({ deviceFileText: damaged() });
    const st = await get(port, "/");
    expect(st.status).toBe(200);
    expect(st.body).toContain("config: INVALID");
  });
});

describe("constant labels (config labels)", () => {
  it("are on every series, first, in text and OpenMetrics, escaped; both bodies stay valid and conserved", async () => {
    const { port } = await boot({ config: config({ labels: { site: "lab", room: "12", note: 'a "b" \\ c' } }) });
    const want = 'site="lab",room="12",note="a \\"b\\" \\\\ c"';
    for (const accept of [undefined, OM_ACCEPT]) {
      const r = await get(port, "/metrics", accept ? { Accept: accept } : {});
      expect(r.status).toBe(200);
      const lines = r.body.split("\n").filter((l) => l && !l.startsWith("#"));
      expect(lines.length).toBeGreaterThan(50);
      for (const l of lines) expect(l.startsWith(l.slice(0, l.indexOf("{")) + "{" + want), l).toBe(true);
      expect(r.body).toContain('espruino_adc_volts_bucket{' + want + ',channel="a",le="+Inf"} ');
      expect(r.body).toContain("espruino_uptime_seconds{" + want + "} ");
      expect(unaccounted(r.body.split("{" + want + ",").join("{").split("{" + want + "}").join(""))).toEqual({ a: 0, b: 0 });
      if (accept) expect(openMetricsParse(r.body).ok).toBe(true);
      else expect(promtoolCheckMetrics(r.body)).toEqual({ status: 0, output: "" });
    }
  });
});

describe("ADC calibration (channels[].calibrate)", () => {
  it("folds into the channel's conversion on the host: the device serves the calibrated value, at no cost per sample", async () => {
    const plain = await boot({ config: config() });
    const cal = await boot({ config: config({ channels: [{ name: "a", pin: "D32", unit: "bar", calibrate: [[0.5, 1], [2.5, 9]] }, { name: "b", pin: "D33" }] }) });
    const raw = samples((await get(plain.port, "/metrics")).body).get('espruino_adc_last_volts{channel="a"}') as number;
    const got = samples((await get(cal.port, "/metrics")).body).get('espruino_adc_last_volts{channel="a"}') as number;
    expect(raw).toBeGreaterThan(1.1);
    expect(got).toBeCloseTo(4 * raw - 1, 9);
    // the device file carries the fitted line, not the points
    const file = cal.d.storage.readFile("telemetry.cfg") as string;
    expect(JSON.parse(file.slice(file.indexOf("\n") + 1)).config.channels[0]).toMatchObject({ scale: 4, offset: -1, unit: "bar" });
    expect(file).not.toContain("calibrate");
  });
});

describe("config errors keep the device reachable", () => {
  it("a config is checked on the host: every error named, nothing written", () => {
    expect(() => deviceFile(PROFILE, config({ port: 9300, channels: [{ name: "a", pin: "D5" }], sampleRateHz: 0 }))).toThrow(
      "the config is invalid for board esp32-devkitc:\n" +
        "  telemetry.config.json: channels[0].pin: D5 is not an ADC1 pin on esp32-devkitc (GPIO32-39 only; ADC2 is unusable while Wi-Fi is on)\n" +
        "  telemetry.config.json: sampleRateHz: must be an integer from 1 to 100000, got 0",
    );
    expect(() => deviceFile(PROFILE, { ...config(), schema: 2 })).toThrow("telemetry.config.json: schema: must be 1, got 2");
  });

  it("a device file of another format: error page, healthz 503, config_valid 0, self-metrics valid, configured port and identity", async () => {
    const { d, port } = await boot({ deviceFileText: rewritten(config({ port: 9300 }), "2") }, 9300);
    expect(port).toBeGreaterThan(0);
    const st = await get(port, "/");
    expect(st.body).toContain("config: INVALID");
    expect(st.body).toContain("  error: telemetry.cfg: format 2, this firmware reads format 1: flash the config with the tools of this firmware\n");
    const hz = await get(port, "/healthz");
    expect([hz.status, hz.body]).toEqual([503, "config invalid\n"]);
    const m = await get(port, "/metrics");
    expect(m.status).toBe(200);
    expect(samples(m.body).get("espruino_config_valid")).toBe(0);
    // identity stays readable while the config is refused (a fleet's broken devices must not look alike)
    expect(samples(m.body).get('espruino_device_info{device="dev-1",location="lab"}')).toBe(1);
    expect(m.body).toMatch(/^espruino_build_info\{version="[^"]+",board="esp32-devkitc"\} 1$/m);
    expect(promtoolCheckMetrics(m.body).status).toBe(0);
    expect(d.console).toContain("config error: telemetry.cfg: format 2, this firmware reads format 1: flash the config with the tools of this firmware");
  });

  it("no Storage files: port 80, the file named; a damaged file, a foreign file and another board's file are refused clearly", async () => {
    const none = await boot({ config: null, secrets: null });
    expect((await get(none.port, "/")).body).toContain("  error: telemetry.cfg: missing (npm run flash writes it)\n");
    // [file, error, its port, whether its identity is used: only from an intact file]
    const cases: [string, string, number, boolean][] = [
      [damaged(config({ port: 9301 })), "telemetry.cfg: checksum mismatch: the file is damaged, flash again", 9301, false],
      ['{"schema":1,"channels":[],"port":9302}', "telemetry.cfg: not a device file (npm run flash writes it)", 9302, false],
      [rewritten(config({ port: 9303 }), "1", (b) => (b.profile = { ...b.profile, name: "espruino-wifi", board: "ESPRUINOWIFI" })),
        "telemetry.cfg: written for profile espruino-wifi (board ESPRUINOWIFI) but this board is ESP32", 9303, true],
      [rewritten(config({ port: 9304 }), "1", (b) => (b.config = null)), "telemetry.cfg: not readable, flash again", 9304, false],
    ];
    for (const [text, error, filePort, trusted] of cases) {
      const { d } = await boot({ deviceFileText: text });
      const port = (trusted ? await d.whenListening(filePort) : d.hostPort(80)) as number;
      expect(d.hostPort(trusted ? 80 : filePort), error).toBeUndefined();
      const page = (await get(port, "/")).body;
      expect(page).toContain("config: INVALID");
      expect(page).toContain("  error: " + error + "\n");
      expect(d.console).toContain("config error: " + error);
      const m = samples((await get(port, "/metrics")).body);
      expect(m.get(trusted ? 'espruino_device_info{device="dev-1",location="lab"}' : 'espruino_device_info{device="",location=""}'), error).toBe(1);
    }
  });

  it("auth fails closed for a refused but intact file: its auth: true without a token locks /metrics and /", async () => {
    const { port } = await boot({ deviceFileText: rewritten(config({ auth: true }), "2") });
    expect((await get(port, "/metrics")).status).toBe(401);
    expect((await get(port, "/")).status).toBe(401);
    expect((await get(port, "/healthz")).status).toBe(503);
    const open = await boot({ deviceFileText: rewritten(config({ auth: false }), "2") });
    expect((await get(open.port, "/metrics")).status).toBe(200);
  });
});

describe("Wi-Fi", () => {
  it("60 virtual seconds without the AP: attempts on the backoff schedule, then reconnect; no sample unaccounted", async () => {
    // costModel off: no charged statement time, so the attempt times are exactly the schedule
    const d = makeDevice({ ap: { available: false }, costModel: false });
    devices.push(d);
    // record connect() times (the Wifi module object is cached per boot, so the firmware gets this one)
    d.evaluate('var __W=require("Wifi"),__c=__W.connect;global.__att=[];__W.connect=function(a,b,c){__att.push(getTime());return __c.call(__W,a,b,c);};');
    await d.boot();
    for (let t = 0; t < 60; t++) d.advance(1000);
    const at = (d.evaluate("JSON.stringify(__att)") as string);
    // fail after 2.5 s (NO_AP_FOUND), retry after 1, 2, 4, 8, 16 s
    expect(JSON.parse(at).map((x: number) => Math.round(x * 1000) / 1000)).toEqual([0, 3.5, 8, 14.5, 25, 43.5]);
    d.setAccessPoint({ available: true });
    for (let t = 60; t < 82; t++) d.advance(1000); // next attempt at 43.5 + 2.5 + 32 = 78, IP 1.5 s later
    const port = d.hostPort(80) as number;
    const body = (await get(port, "/metrics")).body;
    const s = samples(body);
    expect(s.get("espruino_wifi_connected")).toBe(1);
    expect(s.get("espruino_wifi_reconnects_total")).toBe(6);
    expect(s.get("espruino_wifi_rssi_dbm")).toBe(-55);
    for (const v of Object.values(unaccounted(body))) expect(v).toBe(0);
    expect(d.console.filter((l) => l.startsWith("wifi: connect failed (NO_AP_FOUND); next attempt in ")).length).toBe(6);
    // after a success the delay starts again at 1 s
    const n = (JSON.parse(d.evaluate("JSON.stringify(__att)") as string) as number[]).length;
    d.setAccessPoint({ available: false });
    d.advance(500);
    d.setAccessPoint({ available: true });
    d.advance(1000);
    const att = JSON.parse(d.evaluate("JSON.stringify(__att)") as string) as number[];
    expect(att.length).toBe(n + 1);
    expect(d.console.some((l) => l.startsWith("wifi: lost connection (BEACON_TIMEOUT); next attempt in 1 s"))).toBe(true);
  });

  it("wrong password: sampling continues, retries back off, the console says why; secrets appear nowhere", async () => {
    const d = makeDevice({ ap: { password: "other-password" }, secrets: { ssid: SSID, password: PASSWORD, token: TOKEN }, config: config({ auth: true }) });
    devices.push(d);
    await d.boot();
    for (let t = 0; t < 20; t++) d.advance(1000);
    const port = d.hostPort(80) as number;
    const auth = { Authorization: "Bearer " + TOKEN };
    const texts = [(await get(port, "/metrics", auth)).raw, (await get(port, "/", auth)).raw, (await get(port, "/healthz")).raw, (await get(port, "/metrics")).raw];
    const s = samples((await get(port, "/metrics", auth)).body);
    expect(s.get("espruino_wifi_connected")).toBe(0);
    expect(Number(s.get('espruino_adc_samples_taken_total{channel="a"}'))).toBeGreaterThan(0);
    expect(d.console.some((l) => l.indexOf("AUTH_FAIL") >= 0 && l.indexOf("--secrets-only") >= 0)).toBe(true);
    for (const secret of [SSID, PASSWORD, TOKEN]) {
      for (const t of texts) expect(t.indexOf(secret)).toBe(-1);
      for (const l of d.console) expect(l.indexOf(secret)).toBe(-1);
    }
  });

  it("no secrets file: no Wi-Fi (the console says so), sampling continues", async () => {
    const { d, port } = await boot({ secrets: null });
    expect(d.console).toContain("wifi: no ssid in telemetry.secrets.json - Wi-Fi stays off, sampling continues");
    const s = samples((await get(port, "/metrics")).body);
    expect(s.get("espruino_wifi_connected")).toBe(0);
    expect(Number(s.get('espruino_adc_samples_taken_total{channel="a"}'))).toBeGreaterThan(0);
  });
});

describe("uptime", () => {
  it("counts elapsed time, not wall-clock steps: SNTP's +1.7e9 s first sync and a step back leave it on track", async () => {
    const { d, port } = await boot(); // boot() advances 2 s
    d.advance(10000);
    // the device's virtual time since power-on (its monotonic clock, which clock steps do not move), in s
    const poweredS = () => (d.clock.now() - d.clock.startMs) / 1000;
    let scrapeStartS = 0;
    const up = async () => {
      scrapeStartS = poweredS();
      return samples((await get(port, "/metrics")).body).get("espruino_uptime_seconds") as number;
    };
    const u1 = await up();
    // 12 s advanced, plus the virtual time boot and the scrape themselves cost under the cost model: at most
    // the virtual time since power-on
    expect(u1).toBeGreaterThanOrEqual(12);
    expect(u1).toBeLessThanOrEqual(poweredS());
    d.fault("clock-step", { seconds: 1.7e9 }); // first SNTP sync: 1970 -> 2023
    d.advance(10000);
    const u2 = await up();
    // a step costs at most one main-loop period (1 s) of uptime
    expect(u2 - u1).toBeGreaterThanOrEqual(9);
    expect(u2 - u1).toBeLessThanOrEqual(11);
    d.fault("clock-step", { seconds: -3600 });
    d.advance(10000);
    const u3 = await up();
    expect(u3 - u2).toBeGreaterThanOrEqual(9);
    expect(u3 - u2).toBeLessThanOrEqual(11);
    // a 6 s stall of the main loop is elapsed time, not a step
    const u3StartS = scrapeStartS;
    d.fault("stall", { ms: 6000 });
    d.advance(1000);
    const u4 = await up();
    expect(u4 - u3).toBeGreaterThanOrEqual(7);
    // + the scrapes' own virtual time and the catch-up after the stall: at most the virtual time that passed
    // from the start of u3's scrape to the end of u4's
    expect(u4 - u3).toBeLessThanOrEqual(poweredS() - u3StartS);
    const st = await get(port, "/");
    const shown = Number((st.body.match(/uptime: (\d+) s/) as RegExpMatchArray)[1]);
    expect(shown).toBeGreaterThanOrEqual(Math.floor(u4)); // the status page reads it a little later
    expect(shown).toBeLessThanOrEqual(Math.floor(u4) + 2);
    // the clock watch tells the 6 s stall from a step (its interval caught up): still the 2 steps; uptime counted the stall
    expect(samples((await get(port, "/metrics")).body).get("espruino_clock_steps_total")).toBe(2);
  });
});

describe("boot", () => {
  it("power cycle: boots + 1 (persisted), every family registered once, Storage kept", async () => {
    const { d, port } = await boot();
    d.fault("power-cycle");
    await d.whenListening(80);
    d.advance(1000);
    const body = (await get(port, "/metrics")).body;
    expect(samples(body).get("espruino_boots_total")).toBe(2);
    for (const n of Object.values(typeCounts(body))) expect(n).toBe(1);
    expect(d.storage.files.has("telemetry.boots")).toBe(true);
    expect(d.net.listeners.filter((l: { closed: boolean }) => !l.closed).length).toBe(1);
  });

  it("a watchdog enabled by an earlier run stays fed after a re-run whose profile has no watchdogSeconds", async () => {
    const { d } = await boot();
    expect(d.console).toContain("watchdog: 10 s, kicked every 1 s");
    const profile = { ...PROFILE };
    delete profile.watchdogSeconds;
    d.storage.writeFile(DEVICE_FILE, deviceFile(profile, config()));
    d.evaluate(d.source); // load() in the same power-up: the hardware watchdog cannot be disabled
    await d.whenListening(80);
    d.advance(30_000);
    expect(d.bootCount).toBe(1);
    expect(d.console.some((l) => l.startsWith("WATCHDOG TIMEOUT"))).toBe(false);
  });

  it("re-running the bundle in the same realm: the old instance is stopped, no double registration, no leaked timers or servers", async () => {
    const { d, port } = await boot();
    const timersBefore = d.timers.timers.size;
    const wifiMod = d.evaluate('require("Wifi")') as object;
    const disc = d.events.list(wifiMod, "disconnected").length;
    for (let i = 0; i < 3; i++) {
      d.evaluate(d.source);
      await d.whenListening(80);
      d.advance(1000);
    }
    expect(d.timers.timers.size).toBe(timersBefore);
    expect(d.events.list(wifiMod, "disconnected").length).toBe(disc);
    expect(d.net.listeners.filter((l: { closed: boolean }) => !l.closed).length).toBe(1);
    await settle();
    const r = await get(port, "/metrics");
    expect(r.status).toBe(200);
    for (const n of Object.values(typeCounts(r.body))) expect(n).toBe(1);
    // each run restarts every counter at 0, so it counts as a boot (docs/storage.md)
    expect(samples(r.body).get("espruino_boots_total")).toBe(4);
    for (const v of Object.values(unaccounted(r.body))) expect(v).toBe(0);
    expect(d.errors).toEqual([]);
  });
});

describe("the board's Telnet console (a JavaScript prompt on the network)", () => {
  it("is turned off at boot unless the config says telnet: true; then the console warns; a refused device file turns it off", async () => {
    const off = await boot();
    expect(off.d.telnetMode).toBe("off");
    expect(off.d.console.some((l) => /telnet/i.test(l))).toBe(false);
    const on = await boot({ config: config({ telnet: true }) });
    expect(on.d.telnetMode).toBe("on");
    expect(on.d.console).toContain(
      "telnet: the JavaScript console stays open on the network (config telnet: true): anyone who can reach the board can read its files, secrets included",
    );
    expect(() => deviceFile(PROFILE, config({ telnet: "yes" }))).toThrow('telemetry.config.json: telnet: must be true or false, got "yes"');
    const bad = await boot({ deviceFileText: damaged(config({ telnet: true })) });
    expect(bad.d.console).toContain("config error: telemetry.cfg: checksum mismatch: the file is damaged, flash again");
    expect(bad.d.telnetMode).toBe("off");
  });

  it("boards without a Telnet console are left alone (espruino-wifi)", async () => {
    const { SimDevice } = await import("../../host-sim/index.mjs");
    const wifiProfile = JSON.parse(readFileSync(join(ROOT, "boards", "espruino-wifi.json"), "utf8"));
    const d = new SimDevice({
      bundle: MIN_BUNDLE,
      board: "espruino-wifi",
      storage: { [DEVICE_FILE]: deviceFile(wifiProfile, config({ channels: [{ name: "a", pin: "A0" }], telnet: true })) },
    });
    devices.push(d);
    await d.boot();
    d.advance(500);
    expect(d.telnetMode).toBeUndefined();
    expect(d.console.some((l) => /telnet/i.test(l))).toBe(false);
  });
});
