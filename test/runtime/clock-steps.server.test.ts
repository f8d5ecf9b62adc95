// Clock steps never invent missed ticks (docs/design.md "Missed ticks and clock steps"): the product bundle in the
// simulator, getTime() stepped by ±1 s … +1.7e9 s (SNTP's first sync) at 1, 10 and 50 Hz, the step at three phases
// of the clock watch's second, scrapes right after it and later. Every scrape: no missed tick, no restart, not
// stalled, /healthz 200, every sample accounted for; at the end the step is counted once.
import { afterEach, describe, expect, it } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { get, makeDevice, samples, unaccounted } from "./helpers.js";

const devices: SimDevice[] = [];
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

const STEPS = [1, -1, 2, 5, 3600, 1.7e9, -3600];
const PHASES_MS = [100, 550, 950];
/** virtual ms between the step and each scrape (cumulative) */
const SCRAPES_AFTER_MS = [0, 300, 1200, 3000, 6000];

async function sweep(rateHz: number): Promise<string[]> {
  const problems: string[] = [];
  for (const step of STEPS) {
    for (const phase of PHASES_MS) {
      const d = makeDevice({ config: { schema: 1, channels: [{ name: "a", pin: "D32" }, { name: "b", pin: "D33" }], sampleRateHz: rateHz } });
      devices.push(d);
      await d.boot();
      d.advance(4000 + phase);
      const port = d.hostPort(80) as number;
      d.fault("clock-step", { seconds: step });
      let at = 0;
      let last = new Map<string, number>();
      for (const after of SCRAPES_AFTER_MS) {
        d.advance(after - at);
        at = after;
        const r = await get(port, "/metrics");
        const s = samples(r.body);
        const where = "step " + step + " s at " + rateHz + " Hz, phase " + phase + " ms, scrape +" + after + " ms: ";
        const bad = (what: string) => problems.push(where + what);
        if (s.get("espruino_sampler_ticks_missed_total") !== 0) bad("missed " + s.get("espruino_sampler_ticks_missed_total"));
        if (s.get("espruino_sampler_restarts_total") !== 0) bad("restarts " + s.get("espruino_sampler_restarts_total"));
        if (s.get("espruino_sampler_stalled") !== 0) bad("stalled");
        const u = unaccounted(r.body);
        if (u.a !== 0 || u.b !== 0) bad("unaccounted " + JSON.stringify(u));
        const h = await get(port, "/healthz");
        if (h.status !== 200) bad("/healthz " + h.status + " " + h.body.trim());
        last = s;
      }
      if (last.get("espruino_clock_steps_total") !== 1) problems.push("step " + step + " s at " + rateHz + " Hz, phase " + phase + " ms: clock_steps_total " + last.get("espruino_clock_steps_total") + " at the end");
      await d.stop();
      devices.pop();
    }
  }
  return problems;
}

describe("clock steps: no false missed ticks, no restart, /healthz 200, the step counted once", () => {
  for (const rate of [1, 10, 50]) {
    it(rate + " Hz: " + STEPS.length + " step sizes x " + PHASES_MS.length + " phases x " + SCRAPES_AFTER_MS.length + " scrapes", async () => {
      expect(await sweep(rate)).toEqual([]);
    });
  }

  it("a real stall is still counted: the sampler removed for 5 s at 10 Hz gives ~50 missed ticks and a restart", async () => {
    const d = makeDevice({ config: { schema: 1, channels: [{ name: "a", pin: "D32" }], sampleRateHz: 10 } });
    devices.push(d);
    await d.boot();
    d.advance(3000);
    const port = d.hostPort(80) as number;
    d.evaluate("(function(){var h=__telemetry.sampling;require('timer').remove(h.core.id);})()");
    d.advance(6000);
    const s = samples((await get(port, "/metrics")).body);
    expect(s.get("espruino_sampler_restarts_total")).toBe(1);
    expect(s.get("espruino_clock_steps_total")).toBe(0);
    const missed = s.get("espruino_sampler_ticks_missed_total") as number;
    const taken = s.get('espruino_adc_samples_taken_total{channel="a"}') as number;
    // every tick of the 9 s is either taken or missed (a few at the re-arm's edges)
    expect(missed).toBeGreaterThanOrEqual(20);
    expect(Math.abs(taken + missed - 90)).toBeLessThanOrEqual(3);
  });
});
