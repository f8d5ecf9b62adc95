// Peak JsVars (simulator memory model, host-sim/memory.mjs) while one /metrics body streams, for growing
// series counts. The cursor writes a piece of about PIECE_CHARS characters per drain (a histogram child may be
// split between its lines), so the peak does not grow with the series count.
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

it("peak JsVars during a scrape stay flat from 47 to 379 series", async () => {
  const rows = [];
  for (const [nch, nb] of [[1, 1], [2, 8], [4, 16], [8, 32]]) rows.push({ nch, nb, ...(await peakDuringScrape(nch, nb)) });
  console.log("peak JsVars above idle during one scrape: " + rows.map((r) => r.series + " series (" + r.nch + " ch x " + r.nb + " buckets): +" + r.delta).join("; "));
  // 35 series whatever the channels (runtime, collector errors, sampler) + per channel 8 and its histogram's
  // buckets + 3 lines
  expect(rows.map((r) => r.series)).toEqual([47, 73, 143, 379]);
  // pieces of about PIECE_CHARS characters whatever the family: about the same peak at every size, and within the
  // lean-core goal of 200 JsVars (the piece twice, as the argument and in the send buffer, the connection, the frames)
  // (a piece ends at the first line boundary past PIECE_CHARS, so its length varies by up to a line: a few JsVars)
  const deltas = rows.map((r) => r.delta);
  expect(Math.max(...deltas) - Math.min(...deltas)).toBeLessThanOrEqual(8);
  for (const r of rows) expect(r.delta).toBeLessThanOrEqual(200);
});
