// Rendering must not starve sampling, and no sample is lost between scrapes: the minified firmware under the
// ESP32 cost model (device time = instructions / cost.instructionsPerSecond of boards/esp32-devkitc.json,
// host-sim/MEMORY.md "Calibration"), EXEC timer sampler at 100 Hz. Deterministic simulated quantities only
// (virtual time, instruction and statement counts, counters).
import { afterEach, beforeAll, expect, it } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { config, ensureBuilt, get, makeDevice, PROFILE, samples, unaccounted } from "./helpers.js";

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
  const si0 = d.cost.stats.statementInstructions;
  const i0 = d.cost.stats.nativeInstructions;
  const n0 = taken(d, 0);
  const body = (await get(port, "/metrics")).body;
  const charged = d.getTime() - t0;
  const statements = d.cost.stats.statements - s0;
  // instructions of the statement sites run (calibration table, host-sim/instrument.mjs)...
  const sites = d.cost.stats.statementInstructions - si0;
  // ...and charged at run time: built-ins, string building, callbacks, EXEC ticks, the socket layer's copies
  const native = d.cost.stats.nativeInstructions - i0;
  const during = taken(d, 0) - n0;
  console.log("one scrape: " + statements + " statements, " + (sites + native).toFixed(0) + " instructions, " + (charged * 1000).toFixed(1) + " ms of device time, " + during + " samples taken meanwhile");
  // the scrape is long enough to span many sampler ticks...
  expect(charged).toBeGreaterThan(0.1);
  expect(sites).toBeGreaterThan(0);
  expect(native).toBeGreaterThan(0);
  // device time = instructions / the board's instructionsPerSecond (160 M/s on the ESP32 profile)
  // (getTime() reports whole microseconds: two readings differ from the exact figure by at most 1 µs)
  expect(Math.abs(charged - (sites + native) / PROFILE.cost.instructionsPerSecond)).toBeLessThanOrEqual(1e-6 + 1e-9);
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
