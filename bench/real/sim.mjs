// The simulator's estimate for the same scenarios the real interpreter measures (bench/real/measure.mjs): the same
// bundle, board profile and config in SimDevice with the cost model on (instructions = statements x perStatement +
// charged native work; JsVars from host-sim/memory.mjs). No Wi-Fi secrets, as `flash --out` writes none.
import { SimDevice } from "../../host-sim/index.mjs";
import { provisionStorage } from "../../host-sim/provision.mjs";
import { buildFixture, httpGet } from "../harness.mjs";
import { floorScript } from "./floor.mjs";

/** GET `path` and return the body (the simulator pumps its own network). @param {number} port @param {string} path */
async function body(port, path) {
  const r = await fetch("http://127.0.0.1:" + port + path);
  return r.text();
}

/** @param {string} text */
function taken(text) {
  let n = 0;
  for (const m of text.matchAll(/^espruino_adc_samples_taken_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

/** @param {string} board @param {object} cfg */
function device(board, cfg) {
  const st = /** @type {Record<string, unknown>} */ (provisionStorage({ board, config: /** @type {any} */ (cfg) }));
  for (const k of Object.keys(st)) if (/secrets/.test(k)) delete st[k];
  return new SimDevice({ bundle: "dist/firmware.min.js", board, storage: st, hostPort: 0 });
}

/**
 * The product in the simulator with `cfg`: per-sample instructions over `seconds` of virtual sampling (every
 * callback, no scrape), one /metrics scrape's instructions, JsVars after boot / peak above idle during a scrape /
 * after it. null fields when the device does not boot or serve.
 * @param {string} board @param {{port: number}} cfg @param {number} seconds
 */
export async function simProduct(board, cfg, seconds) {
  const d = device(board, cfg);
  try {
    await d.boot();
    d.advance(1500);
    const afterBoot = d.memory.measure();
    const hp = /** @type {number} */ (d.hostPort(cfg.port));
    if (!hp) return { perSample: null, scrape: null, afterBoot, peakExtra: null, afterScrape: null, ips: d.board.cost?.instructionsPerSecond ?? 0 };
    const t0 = taken(await body(hp, "/metrics"));
    const i0 = d.cost.instructions();
    d.advance(seconds * 1000);
    const i1 = d.cost.instructions();
    const t1 = taken(await body(hp, "/metrics"));
    d.advance(50);
    const idle = d.memory.measure();
    d.memory.resetPeak();
    const s0 = d.cost.instructions();
    const g = await httpGet(hp, "/metrics");
    const scrape = d.cost.instructions() - s0;
    const peakExtra = d.memory.peak - idle;
    d.advance(50);
    return {
      perSample: t1 > t0 ? (i1 - i0) / (t1 - t0) : null,
      scrape: g.status === 200 ? scrape : null,
      afterBoot,
      peakExtra,
      afterScrape: d.memory.measure(),
      ips: d.board.cost?.instructionsPerSecond ?? 0,
    };
  } finally {
    await d.stop();
  }
}

/**
 * The simulator's floor: the same floor script as the real run (bench/real/floor.mjs, "floor" variant: one `timer`
 * EXEC tick every 1000 / rate ms reading each channel into a Float64Array ring), instructions per sample over a window
 * of virtual time on the esp32-devkitc with `cfg`'s channels. analogRead is native here (no stand-in to subtract).
 * @param {{channels: {pin: string}[], sampleRateHz: number, schema?: number}} cfg
 */
export async function simFloor(cfg) {
  const pins = cfg.channels.map((c) => c.pin);
  const script = floorScript({ board: "ESP32", pins, rateHz: cfg.sampleRateHz, kind: "floor" });
  const d = new SimDevice({ bundle: script, board: "esp32-devkitc", costModel: { sampleEvery: 0, memoryAtCallbackEnd: false }, hostPort: 0 });
  try {
    await d.boot();
    d.advance(1000);
    const runs0 = d.hw.stats.runs;
    const c = d.cost.count(() => d.advance(5000));
    const ticks = d.hw.stats.runs - runs0;
    return ticks > 0 ? c.instructions / (ticks * pins.length) : null;
  } finally {
    await d.stop();
  }
}

/**
 * The simulator's instructions per scrape of bench/fixtures/scrape.ts over HTTP (/metrics cursor, /naive `+=`).
 * @param {number[]} sizes @returns {Promise<Record<number, Record<string, number>>>}
 */
export async function simRender(sizes) {
  const b = await buildFixture("bench/fixtures/scrape.ts");
  /** @type {Record<number, Record<string, number>>} */
  const out = {};
  for (const n of sizes) {
    const d = new SimDevice({ bundle: b.minified, board: "esp32-devkitc", costModel: { sampleEvery: 200, endSampleMin: 0 }, hostPort: 0 });
    try {
      await d.boot();
      d.evaluate("__b.setup(" + n + ")");
      const port = /** @type {number} */ (d.hostPort(80));
      out[n] = {};
      for (const path of ["/metrics", "/naive"]) {
        await httpGet(port, path);
        const i0 = d.cost.instructions();
        await httpGet(port, path);
        out[n][path] = d.cost.instructions() - i0;
      }
    } finally {
      await d.stop();
    }
  }
  return out;
}
