// The firmware on the real Espruino interpreter (upstream 2v29 for Linux, each profile's JsVar build), booted from
// the exact Storage files `flash --out` writes plus the board stand-in. Per profile: /metrics (text and
// OpenMetrics) promtool-clean, the same families, HELP, TYPE and label sets as the simulator running the same
// config, conservation exact, and counts/sums/buckets equal to values computed from the stand-in's signal; JsVars
// locked at today's level. Then the cases where the board matters: auth, bad requests, a missing or corrupt config,
// setTime() clock steps, adversarial HTTP clients, a throwing collector, push to a real Pushgateway.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SimDevice, deviceFile, DEVICE_FILE } from "../../host-sim/index.mjs";
import { ensureBuilt, MIN_BUNDLE } from "../sim/helpers.js";
import { get, raw, samples, unaccounted } from "../runtime/helpers.js";
import { openMetricsParse, promtoolCheckMetrics, requireTool } from "../support/system-tools.js";
import { freePort, pollUntil, sleep } from "../prometheus-e2e/prometheus.js";
import { requireInterpreter } from "./interpreter.js";
import { bootReal, exampleConfig, flashOut, loadProfile, type Profile, type RealDevice } from "./real-device.js";
import { standInCode } from "./board-stand-in.mjs";
import { runCases } from "../support/adversarial.js";
import { STEP_SLACK_TICKS } from "../../firmware/sampling/tick-clock.js";

ensureBuilt();
const available = requireInterpreter();
const OM_ACCEPT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TOKEN = "tok-0123456789abcdef-XYZ";

/**
 * JsVars in use after boot and one scrape (process.memory, stand-in included; the stand-in alone is subtracted in
 * the bench), measured here on 2026-12-07 with the readable-name minified bundle. A change that needs more fails
 * here: lower the figure when the firmware gets lighter, never raise it without saying why.
 * Raised on 2026-12-07 from 5800/5860 (measured 5690/5770): the clock watch (issue 19 item 1), the Telnet policy
 * (item 6) and the HTTP server over require("net") with its caps and deadlines (items 2-4) measured 5914/5981.
 * Lowered on 2026-12-07 to 5600/5670 (measured 5549/5614): the config is validated on the host and the device reads
 * one checked file (docs/storage.md "The device file"); then to 5370/5430 (measured 5320/5382): a config without
 * push gets the bundle without push mode (dist/firmware-core.min.js) and no push families.
 * Lowered on 2026-12-07 to 3850/3880 (measured 3777/3807): the lean-core work of issue 16 (native drain, series kept
 * as label strings, no series_dropped child for the firmware's fixed families, no Snapshot, boot-only helpers
 * freed, the waveform sampler off the core bundle; docs/design.md "Where the device's JsVars go").
 * Lowered on 2026-12-07 (second session) to 3560/3570 (measured 3468/3471): .bootcde pretokenised by flash (long
 * string literals stay in flash), internal property names shortened, one series list for every family without labels,
 * the sampler publishing in place (docs/design.md "Pretokenised code", "Publishing").
 */
const JSVARS_AFTER_SCRAPE: Record<string, number> = { "esp32-devkitc": 3560, "espruino-wifi": 3570 };

const running: RealDevice[] = [];
afterEach(async () => {
  while (running.length) await (running.pop() as RealDevice).stop();
});

async function boot(p: Profile, files: Record<string, string>, replace: Record<string, string | null> = {}, standIn: { steppableClock?: boolean } = {}): Promise<RealDevice> {
  const d = await bootReal(p, files, replace, standIn);
  running.push(d);
  return d;
}

/** "name{labels}" keys of a text body, and per family its HELP and TYPE lines. */
function shape(body: string): { series: string[]; meta: string[] } {
  const series = [...samples(body).keys()].sort();
  const meta = body.split("\n").filter((l) => l.startsWith("# HELP ") || l.startsWith("# TYPE ")).sort();
  return { series, meta };
}

/** The first difference of two sorted lists, or "" when equal. */
function firstDifference(what: string, real: string[], sim: string[]): string {
  const r = new Set(real);
  const s = new Set(sim);
  const onlyReal = real.filter((x) => !s.has(x));
  const onlySim = sim.filter((x) => !r.has(x));
  if (!onlyReal.length && !onlySim.length) return "";
  return what + ": first only on the real interpreter: " + (onlyReal[0] ?? "-") + "; first only in the simulator: " + (onlySim[0] ?? "-");
}

/** Series whose values differ between boards and runs (identity, time, memory): compared by shape only. */
function simBody(p: Profile, config: Record<string, unknown>): Promise<string> {
  return (async () => {
    const signals: Record<string, number> = {};
    for (const pin of p.adc.pinNames.slice(0, 2)) signals[pin] = 1.0;
    const d = new SimDevice({ bundle: MIN_BUNDLE, board: p.name, storage: { [DEVICE_FILE]: deviceFile(p, config) }, signals });
    try {
      await d.boot();
      d.advance(2000);
      const port = d.hostPort(config.port as number) as number;
      return (await get(port, "/metrics")).body;
    } finally {
      await d.stop?.();
    }
  })();
}

/** Expected histogram of the first `n` stand-in readings of `pin` (volts at `fullScaleMv`), for `bounds`. */
function expectedHistogram(pin: string, n: number, fullScaleMv: number, bounds: number[]) {
  let codes = 0;
  const le = bounds.map(() => 0);
  for (let k = 0; k < n; k++) {
    const code = standInCode(pin, k);
    codes += code;
    const v = (code * fullScaleMv) / 4096000;
    bounds.forEach((b, i) => {
      if (v <= b) le[i]++;
    });
  }
  return { count: n, sum: (codes * fullScaleMv) / 4096000, le };
}

const PROFILES: Array<{ name: string; fullScaleMv: number }> = [
  { name: "esp32-devkitc", fullScaleMv: 3600 },
  { name: "espruino-wifi", fullScaleMv: 3300 },
];

describe.skipIf(!available)("real interpreter: the example config on each profile that fits", () => {
  for (const { name, fullScaleMv } of PROFILES) {
    it(name + ": boots from Storage, serves what the simulator serves, every sample accounted for and valued", async () => {
      const p = loadProfile(name);
      const port = await freePort();
      const config = exampleConfig(p, port);
      const d = await boot(p, flashOut(name, config));
      expect(d.bootLine).toMatch(/config valid, sampling timer, listening on port \d+/);
      expect(d.esp.console()).not.toMatch(/Uncaught|OUT OF MEMORY/);
      await sleep(1500);

      const text = await get(port, "/metrics");
      expect(text.status).toBe(200);
      const pt = promtoolCheckMetrics(text.body);
      expect(pt.output).toBe("");
      expect(pt.status).toBe(0);
      expect(unaccounted(text.body)).toEqual({ supply: 0, battery: 0 });

      // values from the stand-in's signal: the first `aggregated` readings of each pin, in order (nothing dropped)
      const s = samples(text.body);
      const bounds = (config.buckets as number[]).slice();
      const channels = config.channels as Array<{ name: string; pin: string }>;
      for (const ch of channels) {
        const l = 'channel="' + ch.name + '"';
        expect(s.get("espruino_adc_samples_dropped_total{" + l + "}")).toBe(0);
        const n = s.get("espruino_adc_samples_aggregated_total{" + l + "}") as number;
        expect(n).toBeGreaterThan(20);
        const want = expectedHistogram(ch.pin, n, fullScaleMv, bounds);
        expect(s.get("espruino_adc_volts_count{" + l + "}")).toBe(want.count);
        expect(s.get("espruino_adc_volts_sum{" + l + "}")).toBeCloseTo(want.sum, 6);
        bounds.forEach((b, i) => expect(s.get("espruino_adc_volts_bucket{" + l + ',le="' + b + '"}'), ch.name + " le " + b).toBe(want.le[i]));
        expect(s.get("espruino_adc_volts_bucket{" + l + ',le="+Inf"}')).toBe(n);
      }

      // the simulator with the same config: same families, HELP, TYPE and label sets
      const sim = shape(await simBody(p, config));
      const real = shape(text.body);
      expect(firstDifference("HELP/TYPE", real.meta, sim.meta)).toBe("");
      expect(firstDifference("series", real.series, sim.series)).toBe("");

      // OpenMetrics: a strict parser accepts it, same families
      const om = await get(port, "/metrics", { Accept: OM_ACCEPT });
      expect(om.headers["content-type"]).toContain("application/openmetrics-text");
      const parsed = openMetricsParse(om.body);
      expect(parsed.error).toBeUndefined();
      expect(parsed.ok).toBe(true);
      expect(unaccounted(om.body)).toEqual({ supply: 0, battery: 0 });

      // scrapes while sampling runs: every body keeps every sample accounted for
      for (let i = 0; i < 5; i++) expect(unaccounted((await get(port, "/metrics")).body)).toEqual({ supply: 0, battery: 0 });

      const mem = (await d.esp.eval("process.memory(false)")) as { usage: number; total: number };
      expect(mem.total).toBe(p.jsVars);
      console.log("real " + name + ": " + mem.usage + " JsVars after boot and scrapes (lock " + JSVARS_AFTER_SCRAPE[name] + ")");
      expect(mem.usage, name + " JsVars after boot and scrapes").toBeLessThanOrEqual(JSVARS_AFTER_SCRAPE[name]);
    });
  }

  it("esp32-devkitc with strategy interval: setInterval ticks, every sample accounted for and valued", async () => {
    const p = loadProfile("esp32-devkitc");
    const port = await freePort();
    const config = exampleConfig(p, port, { strategy: "interval" });
    const d = await boot(p, flashOut(p.name, config));
    expect(d.bootLine).toMatch(/config valid, sampling interval, listening/);
    await sleep(1500);
    const body = (await get(port, "/metrics")).body;
    expect(unaccounted(body)).toEqual({ supply: 0, battery: 0 });
    const s = samples(body);
    for (const ch of config.channels as Array<{ name: string; pin: string }>) {
      const l = 'channel="' + ch.name + '"';
      const n = s.get("espruino_adc_samples_aggregated_total{" + l + "}") as number;
      expect(n).toBeGreaterThan(20);
      expect(s.get("espruino_adc_volts_sum{" + l + "}")).toBeCloseTo(expectedHistogram(ch.pin, n, 3600, []).sum, 6);
    }
  });

  it("esp32-c3 (4 095 JsVars): flash refuses it with the JsVar arithmetic (exit 2)", () => {
    const p = loadProfile("esp32-c3");
    let err: { status?: number; stderr?: string } = {};
    try {
      flashOut("esp32-c3", exampleConfig(p, 8080));
    } catch (e) {
      err = e as { status?: number; stderr?: string };
    }
    expect(err.status).toBe(2);
    expect(err.stderr).toMatch(/flash: bundle too large for esp32-c3: \d+ bytes .* JsVars of code, budget -?\d+ \(jsVars 4095/);
  });
});

describe.skipIf(!available)("real interpreter: requests, configs and faults (esp32-devkitc)", () => {
  const p = available ? loadProfile("esp32-devkitc") : (undefined as unknown as Profile);

  it("auth: 401 without the bearer token, 200 with it (text and OpenMetrics); /healthz stays open", async () => {
    const port = await freePort();
    const d = await boot(p, flashOut(p.name, exampleConfig(p, port, { auth: true }), { token: TOKEN }));
    expect(d.bootLine).toMatch(/config valid/);
    await sleep(500);
    expect((await get(port, "/metrics")).status).toBe(401);
    expect((await get(port, "/metrics", { Authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    const ok = await get(port, "/metrics", { Authorization: "Bearer " + TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.body).not.toContain(TOKEN);
    const om = await get(port, "/metrics", { Authorization: "Bearer " + TOKEN, Accept: OM_ACCEPT });
    expect(om.status).toBe(200);
    expect(openMetricsParse(om.body).ok).toBe(true);
    expect((await get(port, "/healthz")).status).toBe(200);
    expect(d.esp.console()).not.toContain(TOKEN);
  });

  it("bad requests (404, 405, malformed request line) are answered and disturb no sample", async () => {
    const port = await freePort();
    await boot(p, flashOut(p.name, exampleConfig(p, port)));
    await sleep(500);
    expect((await get(port, "/nope")).status).toBe(404);
    expect((await raw(port, "POST /metrics HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n")).status).toBe(405);
    expect((await raw(port, "GARBAGE\r\n\r\n")).status).toBe(400);
    const after = await get(port, "/metrics");
    expect(after.status).toBe(200);
    const s = samples(after.body);
    expect(s.get('espruino_http_requests_total{code="404"}')).toBe(1);
    expect(s.get('espruino_http_requests_total{code="405"}')).toBe(1);
    expect(s.get('espruino_http_requests_total{code="400"}')).toBe(1);
    expect(unaccounted(after.body)).toEqual({ supply: 0, battery: 0 });
  });

  for (const [what, error] of [
    ["missing", "telemetry.cfg: missing (npm run flash writes it)"],
    ["damaged", "telemetry.cfg: checksum mismatch: the file is damaged, flash again"],
  ] as const) {
    it("a " + what + " device file: clear error state, self-metrics still served, /healthz 503", async () => {
      const port = 80;
      const files = flashOut(p.name, exampleConfig(p, 18080));
      const t = files["telemetry.cfg"];
      // one character of the body changed: the checksum the device computes (E.CRC32) no longer matches
      const i = t.indexOf('"windowSeconds":') + 16;
      const d = await boot(p, files, { "telemetry.cfg": what === "missing" ? null : t.slice(0, i) + (t[i] === "9" ? "8" : "9") + t.slice(i + 1) });
      expect(d.bootLine).toMatch(/1 config error\(s\), not sampling/);
      expect(d.esp.console()).toContain("config error: " + error);
      const listen = /listening on port (\d+)/.exec(d.bootLine);
      expect(Number(listen?.[1])).toBe(port);
      // Linux: port 80 needs root; the tests run as root in CI and here
      const m = await get(port, "/metrics");
      expect(m.status).toBe(200);
      expect(samples(m.body).get("espruino_config_valid")).toBe(0);
      expect(promtoolCheckMetrics(m.body).status).toBe(0);
      expect((await get(port, "/healthz")).status).toBe(503);
    });
  }

  it("setTime() steps (+1.7e9 s as SNTP's first sync, +2 s, -3600 s): no step counted as missed ticks, no restart, /healthz 200, each step counted once", async () => {
    const port = await freePort();
    // the stand-in's setTime() steps getTime() and not the timers, as on a board (the Linux build's cannot)
    const d = await boot(p, flashOut(p.name, exampleConfig(p, port)), {}, { steppableClock: true });
    await sleep(2500);
    const problems: string[] = [];
    let steps = 0;
    for (const step of [1.7e9, 2, -3600]) {
      await d.esp.eval("(setTime(getTime()+" + step + "),1)");
      steps++;
      for (const wait of [0, 400, 1500, 3500]) {
        await sleep(wait);
        const m = await get(port, "/metrics");
        const s = samples(m.body);
        const where = "step " + step + " s, " + wait + " ms later: ";
        // a step counted as skipped ticks would show as thousands (+2 s is 100 ticks at 50 Hz); up to the slack a
        // confirmed step may differ from its gap by (STEP_SLACK_TICKS) is timer latency on this wall-clock run: 1 in
        // about 5 runs read 1 here, before and after this check was loosened (docs/design.md "Missed ticks and clock steps")
        const missed = s.get("espruino_sampler_ticks_missed_total") as number;
        if (!(missed >= 0 && missed <= STEP_SLACK_TICKS)) problems.push(where + "missed " + missed);
        if (s.get("espruino_sampler_restarts_total") !== 0) problems.push(where + "restarts " + s.get("espruino_sampler_restarts_total"));
        if (s.get("espruino_sampler_stalled") !== 0) problems.push(where + "stalled");
        // the ticks sample (a stand-in whose analogRead threw made every tick an error, unseen before this check)
        if (s.get("espruino_sampler_errors_total") !== 0) problems.push(where + "sampler errors " + s.get("espruino_sampler_errors_total"));
        const u = unaccounted(m.body);
        if (u.supply !== 0 || u.battery !== 0) problems.push(where + "unaccounted " + JSON.stringify(u));
        const h = await get(port, "/healthz");
        if (h.status !== 200) problems.push(where + "/healthz " + h.status);
      }
      const s = samples((await get(port, "/metrics")).body);
      if (s.get("espruino_clock_steps_total") !== steps) problems.push("after step " + step + " s: clock_steps_total " + s.get("espruino_clock_steps_total") + ", want " + steps);
    }
    expect(problems).toEqual([]);
  });

  it("adversarial clients (oversized head, slowloris, idle sockets, bare LF, mid-head/mid-body disconnects, 50 parallel, malformed lines): served, conserved, JsVars back to idle", async () => {
    const port = await freePort();
    const d = await boot(p, flashOut(p.name, exampleConfig(p, port)));
    await sleep(500);
    const lines = await runCases(
      {
        port,
        channels: ["supply", "battery"],
        pass: async (ms) => {
          await sleep(ms);
        },
        jsVars: async () => (await d.esp.eval("process.memory(false).usage")) as number,
      },
      12,
    );
    process.stdout.write("adversarial (real interpreter, " + p.name + "):\n  " + lines.join("\n  ") + "\n");
    expect(d.esp.console()).not.toMatch(/OUT OF MEMORY|Uncaught/);
  });

  it("a throwing collector is counted and the scrape is still served whole", async () => {
    const port = await freePort();
    const d = await boot(p, flashOut(p.name, exampleConfig(p, port)));
    await sleep(500);
    // the runtime collector reads process.memory(): make the board's call throw
    await d.esp.eval('(process.memory=function(){throw new Error("memory probe failed")}, 1)');
    const m = await get(port, "/metrics");
    expect(m.status).toBe(200);
    expect(samples(m.body).get('espruino_collector_errors_total{collector="runtime"}')).toBe(1);
    expect(promtoolCheckMetrics(m.body).status).toBe(0);
    expect(unaccounted(m.body)).toEqual({ supply: 0, battery: 0 });
  });
});

describe.skipIf(!available)("real interpreter: push mode to a real Pushgateway", () => {
  let gw: ChildProcess | undefined;
  let gwPort = 0;
  beforeAll(async () => {
    gwPort = await freePort();
    const bin = requireTool("prometheus-pushgateway", "prometheus-pushgateway");
    gw = spawn(bin, ["--web.listen-address=127.0.0.1:" + gwPort, "--persistence.file="], { stdio: "ignore" });
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch("http://127.0.0.1:" + gwPort + "/-/ready")).ok) return;
      } catch {
        // not up yet
      }
      await sleep(100);
    }
    throw new Error("pushgateway did not start");
  });
  afterAll(() => {
    gw?.kill("SIGKILL");
  });

  it("pushes every 5 s with Wi-Fi up; the gateway holds the device's series", async () => {
    const p = loadProfile("esp32-devkitc");
    const port = await freePort();
    const config = exampleConfig(p, port, { push: { url: "http://127.0.0.1:" + gwPort, intervalSeconds: 5, job: "espruino" } });
    const d = await boot(p, flashOut(p.name, config, { ssid: "lab", password: "pw-12345678" }));
    expect(d.bootLine).toMatch(/config valid/);
    const body = await pollUntil(
      "a push counted at the gateway",
      async () => {
        const text = await (await fetch("http://127.0.0.1:" + gwPort + "/metrics")).text();
        return { ok: /espruino_push_total\{[^}]*result="ok"/.test(text), value: text, last: text.slice(-300) };
      },
      20_000,
      200,
    );
    expect(body).toMatch(/espruino_adc_samples_taken_total\{channel="supply",device="boiler-room-1",instance="",job="espruino"\} \d+/);
    const own = samples((await get(port, "/metrics")).body);
    expect(own.get('espruino_push_total{result="ok"}')).toBeGreaterThanOrEqual(1);
  });
});
