// Peak JsVars (simulator memory model, host-sim/memory.mjs) while one /metrics body streams, for growing
// series counts. The cursor writes at most PIECE_LINES lines per drain (a histogram child is never split), so
// the peak does not grow with the series count: only a histogram child wider than a piece adds a little.
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

it("peak JsVars during a scrape stay flat from 61 to 393 series", async () => {
  const rows = [];
  for (const [nch, nb] of [[1, 1], [2, 8], [4, 16], [8, 32]]) rows.push({ nch, nb, ...(await peakDuringScrape(nch, nb)) });
  console.log("peak JsVars above idle during one scrape: " + rows.map((r) => r.series + " series (" + r.nch + " ch x " + r.nb + " buckets): +" + r.delta).join("; "));
  expect(rows.map((r) => r.series)).toEqual([61, 87, 157, 393]);
  // pieces of at most 24 lines: identical peaks while a histogram child fits a piece (<= 21 buckets)...
  expect(rows[1].delta).toBe(rows[0].delta);
  expect(rows[2].delta).toBe(rows[0].delta);
  // ...and a 35-line child (32 buckets) adds only its own extra lines, not the family or the body (twice: the
  // piece and its copy in the send buffer, both alive inside the drain callback as the board's high-water mark sees)
  expect(rows[3].delta).toBeLessThan(rows[0].delta * 1.5);
});
