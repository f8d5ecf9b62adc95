// Rendering must not starve sampling, and no sample is lost between scrapes: the minified firmware under the
// ESP32 statement cost model (43 us per statement of device time, boards/esp32-devkitc.json), EXEC timer
// sampler at 100 Hz. Deterministic simulated quantities only (virtual time, statement counts, counters).
import { afterEach, beforeAll, expect, it } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { config, ensureBuilt, get, makeDevice, samples, unaccounted } from "./helpers.js";

const devices: SimDevice[] = [];
beforeAll(() => ensureBuilt());
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

const RATE = 100;
const taken = (d: SimDevice, ch: number) => d.evaluate("__telemetry.sampling.totals(" + ch + ").taken") as number;

it("a streamed scrape charges device time, and the sampler keeps its rate through it (no missed ticks)", async () => {
  const d = makeDevice({ config: config({ sampleRateHz: RATE }), secrets: null, costModel: true });
  devices.push(d);
  await d.boot();
  expect(d.evaluate("__telemetry.sampling.strategy")).toBe("timer");
  d.advance(3000);
  const port = d.hostPort(80) as number;
  const t0 = d.getTime();
  const s0 = d.cost.stats.statements;
  const i0 = d.cost.stats.nativeInstructions;
  const n0 = taken(d, 0);
  const body = (await get(port, "/metrics")).body;
  const charged = d.getTime() - t0;
  const statements = d.cost.stats.statements - s0;
  const native = d.cost.stats.nativeInstructions - i0; // e.g. the socket layer's copies (host-sim/natives.mjs)
  const during = taken(d, 0) - n0;
  console.log("one scrape: " + statements + " statements, " + (charged * 1000).toFixed(1) + " ms of device time, " + during + " samples taken meanwhile");
  // the scrape is long enough to span many sampler ticks...
  expect(charged).toBeGreaterThan(0.1);
  expect(charged).toBeCloseTo((statements * 43) / 1e6 + native / 160e6, 6); // 43 µs/statement, 160 M instructions/s
  // ...which all ran at statement boundaries inside the render: one sample per tick, none missed
  expect(Math.abs(during - Math.round(charged * RATE))).toBeLessThanOrEqual(1);
  const after = samples((await get(port, "/metrics")).body);
  expect(after.get("espruino_sampler_ticks_missed_total")).toBe(0);
  expect(after.get("espruino_sampler_stalled")).toBe(0);
  expect(unaccounted(body)).toEqual({ a: 0, b: 0 });
});

it("60 s without a scrape and without Wi-Fi: every sample is aggregated, none dropped", async () => {
  const d = makeDevice({ config: config({ sampleRateHz: RATE }), ap: { available: false }, costModel: false });
  devices.push(d);
  await d.boot();
  for (let i = 0; i < 60; i++) d.advance(1000);
  const s = samples((await get(d.hostPort(80) as number, "/metrics")).body);
  for (const ch of ["a", "b"]) {
    const l = '{channel="' + ch + '"}';
    expect(s.get("espruino_adc_samples_dropped_total" + l)).toBe(0);
    expect(s.get("espruino_adc_samples_taken_total" + l)).toBeGreaterThanOrEqual(60 * RATE - 1);
    expect(s.get("espruino_adc_samples_taken_total" + l)).toBeLessThanOrEqual(60 * RATE + 1);
  }
  expect(s.get("espruino_wifi_connected")).toBe(0);
});
