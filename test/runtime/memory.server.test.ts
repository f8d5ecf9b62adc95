// Peak JsVars (simulator memory model, host-sim/memory.mjs) while one /metrics body streams, for growing
// series counts. Streaming one family per drain keeps the peak at "largest family + constant": flat while
// families stay small; a histogram family grows with channels x buckets (it is one chunk), see the report.
import { afterEach, beforeAll, expect, it } from "vitest";
import type { SimDevice } from "../../host-sim/index.mjs";
import { ensureBuilt, get, makeDevice } from "./helpers.js";

const PINS = ["D32", "D33", "D34", "D35", "D36", "D37", "D38", "D39"];
const devices: SimDevice[] = [];
beforeAll(() => ensureBuilt());
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

async function peakDuringScrape(nch: number, nb: number): Promise<{ series: number; delta: number }> {
  const cfg = {
    schema: 1, sampleRateHz: 20, channels: PINS.slice(0, nch).map((p, i) => ({ name: "c" + i, pin: p })),
    buckets: Array.from({ length: nb }, (_, i) => (i + 1) / 10),
  };
  const d = makeDevice({ config: cfg, secrets: null });
  devices.push(d);
  await d.boot();
  d.advance(2000);
  const port = d.hostPort(80) as number;
  await get(port, "/metrics");
  d.advance(1000);
  const before = d.memory.measure();
  d.memory.resetPeak();
  const body = (await get(port, "/metrics")).body;
  return { series: body.split("\n").filter((l) => l && !l.startsWith("#")).length, delta: d.memory.peak - before };
}

it("peak JsVars during a scrape: flat while families are small, bounded by the largest family", async () => {
  const rows = [];
  for (const [nch, nb] of [[1, 1], [2, 8], [4, 16], [8, 32]]) rows.push({ nch, nb, ...(await peakDuringScrape(nch, nb)) });
  console.log("peak JsVars above idle during one scrape: " + rows.map((r) => r.series + " series (" + r.nch + " ch x " + r.nb + " buckets): +" + r.delta).join("; "));
  expect(rows[1].delta).toBe(rows[0].delta); // 59 -> 85 series: identical peak
  // the 8 x 32 histogram family is one ~12 KB chunk: the peak follows it (far below the whole body in one string)
  for (const r of rows) expect(r.delta).toBeLessThan(2000);
});
