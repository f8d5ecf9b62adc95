// Suite "real": the bench's meter is the real interpreter (upstream Espruino 2v29 built for Linux with each board's
// JsVar count, tools/espruino-linux.mjs) — instructions by valgrind callgrind, JsVars by the ESPRUINO_HWM
// high-water file, bytes by `flash --out`. Every row carries the simulator's estimate for the same scenario
// (`sim`, bench/real/sim.mjs; null = the simulator has none). How each figure is measured: docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { interpreterPath } from "../../tools/espruino-linux.mjs";
import { PROFILES, defaultConfig, flashFiles, freePort, loadProfile } from "./interp.mjs";
import { floorRun, productMemory, productSampling, renderRuns, standInJsVars } from "./measure.mjs";
import { simFloor, simProduct, simRender } from "./sim.mjs";
import { buildFixture, progress } from "../harness.mjs";

const S = "real";
/** Sample rate of the callgrind runs (product and floor alike); see run() below. */
export const CG_RATE_HZ = 10;

/** The default ring of a config (config/device-config.ts): channels x max(16, min(4096, ceil(2 x rate))). @param {any} cfg */
function defaultRing(cfg) {
  const per = Math.ceil(2 * cfg.sampleRateHz);
  return cfg.channels.length * Math.max(16, Math.min(4096, per));
}
const CG = "instructions/sample (callgrind)";

/**
 * Band of the simulator against the real interpreter: cost rows ±25 %, JsVar levels and the scrape's peak right
 * after a write (the write-point meter's own JsVars subtracted) ±10 % (docs/benchmarks.md).
 */
export const BAND = { cost: 0.25, jsVars: 0.1, peak: 0.1 };

/**
 * Rows whose simulator estimate is outside the band (cost: metric counted by callgrind; JsVars: after boot, after a
 * scrape, the scrape's peak right after a write; not the high-water thread's peak, which misses short-lived
 * strings). Rows without a real or simulated figure are not checked.
 * @param {import("../harness.mjs").BenchRow[]} rows
 */
export function outsideBand(rows) {
  /** @type {string[]} */
  const bad = [];
  for (const r of rows) {
    const sim = /** @type {any} */ (r).sim;
    if (typeof sim !== "number" || !Number.isFinite(sim) || !Number.isFinite(r.value)) continue;
    if (!(r.value > 0)) {
      // a meter that reads nothing (e.g. a wrapper that no longer sees the writes) must not pass unnoticed
      if (/JsVars|callgrind/.test(r.metric)) bad.push(r.case + " [" + r.metric + "]: real figure " + r.value + " is not positive");
      continue;
    }
    const band = /callgrind/.test(r.metric)
      ? BAND.cost
      : /JsVars/.test(r.metric) && !/high-water/.test(r.case)
        ? /peak/.test(r.case)
          ? BAND.peak
          : BAND.jsVars
        : null;
    if (band === null) continue;
    const ratio = sim / r.value;
    if (Math.abs(ratio - 1) > band) bad.push(r.case + " [" + r.metric + "]: sim/real " + ratio.toFixed(2) + " outside ±" + Math.round(band * 100) + "%");
  }
  return bad;
}

/** @param {unknown} e */
const msg = (e) => (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 160);

/**
 * Runs `jobs` with at most `width` at once; resolves with each job's {ok, value} or {ok: false, error}.
 * @template T @param {number} width @param {(() => Promise<T>)[]} jobs
 * @returns {Promise<({ok: true, value: T} | {ok: false, error: string})[]>}
 */
async function pool(width, jobs) {
  /** @type {({ok: true, value: T} | {ok: false, error: string})[]} */
  const out = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await jobs[i]() };
      } catch (e) {
        out[i] = { ok: false, error: msg(e) };
        progress("real: job " + i + " failed: " + msg(e));
      }
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return out;
}

/** A row that could not be measured. @param {string} c @param {string} metric @param {string} status */
const missing = (c, metric, status) => ({ suite: S, case: c, metric, value: NaN, status });

/** @type {import("../harness.mjs").BenchSuite} */
export default {
  name: "real",
  async run({ quick }) {
    try {
      for (const n of [16383, 8190, 4095]) interpreterPath(n);
    } catch (e) {
      if (process.env.CI === "true") throw e; // CI measures on the real interpreter or fails
      return [missing("real interpreter", "-", "missing: " + msg(e))];
    }
    let valgrind = true;
    try {
      execFileSync("valgrind", ["--version"], { stdio: "ignore" });
    } catch {
      if (process.env.CI === "true") throw new Error("valgrind is missing (Debian package valgrind; .ci/run installs it)");
      valgrind = false;
    }
    const seconds = quick ? 3 : 6;
    const sizes = quick ? [50] : [10, 50, 200];
    /** @type {import("../harness.mjs").BenchRow[]} */
    const rows = [];

    // ---- the default config per profile and the files flash writes for it
    const boards = [];
    for (const board of PROFILES) {
      const prof = loadProfile(board);
      const port = await freePort();
      const cfg = defaultConfig(board, port);
      boards.push({ board, prof, port, cfg, flash: flashFiles(board, cfg) });
    }
    const dev = boards[0];
    const nch = dev.cfg.channels.length;
    // Under callgrind the interpreter runs ~50x slower: at 50 Hz its ticks cannot keep up (late ticks, catch-up
    // bursts, other code paths, figures 1.5-4x apart run to run). Instructions are counted at CG_RATE_HZ with the
    // default config's ring (ringCapacity), so every tick runs on time and the ring drains as at the default rate.
    const rate = CG_RATE_HZ;
    const cgCfg = { ...dev.cfg, sampleRateHz: rate, ringCapacity: defaultRing(dev.cfg) };
    const cgFlash = flashFiles(dev.board, cgCfg);
    // the tick run listens on a port of its own (the two product runs go side by side)
    const tickPort = await freePort();
    const cgTickFlash = flashFiles(dev.board, { ...cgCfg, port: tickPort });
    const pins = dev.cfg.channels.map((/** @type {{pin: string}} */ c) => c.pin);
    const fixture = await buildFixture("bench/fixtures/scrape.ts");

    // ---- callgrind runs, two at a time: the product (longest) in one lane, the floors and the render in the other
    /** @type {any} */ let prod = null;
    /** @type {any} */ let prodCb = null;
    /** @type {Record<string, any>} */ const floors = {};
    /** @type {any} */ let render = null;
    /** @type {string} */ let cgError = valgrind ? "" : "valgrind missing";
    if (valgrind && cgFlash.ok) {
      const files = cgFlash.files;
      progress("real: callgrind runs (" + seconds + " s windows; the product boots in ~15 s under valgrind)");
      const res = /** @type {({ok: true, value: any} | {ok: false, error: string})[]} */ (await pool(2, /** @type {(() => Promise<any>)[]} */ ([
        () => productSampling({ board: dev.board, jsVars: dev.prof.jsVars, files: cgTickFlash.ok ? cgTickFlash.files : files, port: tickPort, seconds, scrapes: 0, what: "tick", channels: nch, rateHz: rate }),
        () => productSampling({ board: dev.board, jsVars: dev.prof.jsVars, files, port: dev.port, seconds, scrapes: quick ? 1 : 3, what: "callbacks", channels: nch, rateHz: rate }),
        ...(/** @type {const} */ (["floor", "adc", "const"])).map((kind) => () => floorRun({ board: dev.board, jsVars: dev.prof.jsVars, pins, rateHz: rate, kind, seconds })),
        () => renderRuns({ bundle: fixture.minified, sizes, repeats: (n) => (n >= 200 ? 1 : quick ? 1 : 2) }),
      ])));
      if (res[0].ok && res[1].ok) {
        prod = res[0].value;
        prodCb = res[1].value;
      } else cgError = res[0].ok ? /** @type {{error: string}} */ (res[1]).error : res[0].error;
      for (const r of res.slice(2, 5)) if (r.ok) floors[r.value.kind] = r.value;
      if (res[5].ok) render = res[5].value;
      else progress("real: render failed: " + res[5].error);
    } else if (!cgFlash.ok) cgError = "flash refused: " + cgFlash.reason;

    // ---- the simulator's estimates for the same scenarios
    progress("real: simulator estimates");
    /** @type {Record<string, any>} */ const sim = {};
    for (const b of boards) {
      try {
        sim[b.board] = await simProduct(b.board, b.cfg, seconds);
      } catch (e) {
        sim[b.board] = null;
        progress("real: sim " + b.board + ": " + msg(e));
      }
    }
    const simFl = await simFloor({ schema: 1, channels: dev.cfg.channels, sampleRateHz: rate });
    /** @type {any} */ let simCg = null;
    try {
      simCg = await simProduct(dev.board, cgCfg, seconds);
    } catch (e) {
      progress("real: sim " + dev.board + " at " + rate + " Hz: " + msg(e));
    }
    const simR = await simRender(sizes);
    const sd = sim[dev.board];

    // ---- per sample
    const where = dev.board + ", " + nch + " ch @ " + rate + " Hz, timer";
    if (prod && floors.floor && floors.adc && floors.const) {
      const standIn = floors.adc.perSample - floors.const.perSample;
      const floorNet = floors.floor.perSample - standIn;
      const tick = prod.tick / prod.samples;
      // the callbacks other than ticks, per sample of their own run (ticks nested in them excluded there)
      const all = tick + prodCb.other / prodCb.samples;
      rows.push(
        { suite: S, case: "floor (bench/real/floor.mjs), " + where + ", stand-in subtracted", metric: CG, value: floorNet, sim: simFl },
        { suite: S, case: "ours: sampler tick, " + where + ", stand-in subtracted", metric: CG, value: tick - standIn, baselineName: "floor", baseline: floorNet, sim: null },
        { suite: S, case: "ours: tick + other callbacks (drain, watchdog), no scrape, stand-in subtracted", metric: CG, value: all - standIn, baselineName: "floor", baseline: floorNet, sim: simCg?.perSample ?? null },
        { suite: S, case: "ours: sampler tick, raw (stand-in included)", metric: CG, value: tick, baselineName: "floor raw", baseline: floors.floor.perSample, sim: null },
        { suite: S, case: "ADC stand-in analogRead (adc-only tick - const tick)", metric: CG, value: standIn, sim: null },
        { suite: S, case: "samples in the ours window (" + seconds + " s; valgrind slows the ticks)", metric: "samples/s per channel", value: prod.samples / nch / seconds, baselineName: "sampleRateHz", baseline: rate },
        { suite: S, case: "ours: one GET /metrics, default config (" + prodCb.scrapeBytes + " B), ticks excluded", metric: "instructions/scrape (callgrind)", value: prodCb.scrape, sim: simCg?.scrape ?? null },
      );
      progress("real: per sample " + Math.round(tick - standIn) + " vs floor " + Math.round(floorNet) + " (stand-in " + Math.round(standIn) + ")");
      // ---- highest sustainable rate under a 1 Hz scrape, per profile, at its cost.instructionsPerSecond
      for (const b of boards) {
        const ips = b.prof.cost?.instructionsPerSecond;
        const maxHz = b.prof.strategies?.timer?.maxRateHz;
        const sb = simCg; // the real row uses the esp32-devkitc instructions for every profile: so does the estimate
        const simHz = sb && sb.perSample && sb.scrape !== null ? (ips - sb.scrape) / (sb.perSample * nch) : null;
        const hz = (ips - prodCb.scrape) / ((all - standIn) * nch);
        rows.push({
          suite: S,
          case:
            b.board + ": highest sustainable rate (derived from the rows above), " + nch + " ch, 1 Hz scrape, " + Math.round(ips / 1e6) + " M instr/s" +
            (b === dev ? "" : " (instructions measured on " + dev.board + ")") +
            (hz < 0 ? ": the scrape alone exceeds 1 s" : ""),
          metric: "samples/s per channel",
          value: Math.max(0, hz),
          ...(maxHz ? { baselineName: "timer maxRateHz", baseline: maxHz } : {}),
          sim: simHz,
        });
      }
    } else {
      const why = cgError || "floor runs failed";
      rows.push(missing("ours vs floor, " + where, CG, why), missing("highest sustainable rate", "samples/s per channel", why));
    }

    // ---- render per series
    for (const n of sizes) {
      const r = render?.[n];
      const sr = simR[n];
      if (!r) {
        rows.push(missing(n + " series: cursor over HTTP", "instructions/series (callgrind)", valgrind ? "render run failed" : "valgrind missing"));
        continue;
      }
      rows.push(
        { suite: S, case: n + " series: cursor over HTTP (" + r["/metrics"].bytes + " B)", metric: "instructions/series (callgrind)", value: r["/metrics"].instr / n, baselineName: "naive +=", baseline: r["/naive"].instr / n, sim: sr["/metrics"] / n },
        { suite: S, case: n + " series: naive += over HTTP", metric: "instructions/series (callgrind)", value: r["/naive"].instr / n, sim: sr["/naive"] / n },
      );
    }

    // ---- JsVars per profile, code bytes per profile
    for (const b of boards) {
      const sb = sim[b.board];
      if (!b.flash.ok) {
        const why = "refused (" + b.flash.reason.replace(/^.*?flash: /, "").replace(/ \(.*$/, "") + ")";
        rows.push({ ...missing(b.board + ": default config", "JsVars after boot", why), sim: sb?.afterBoot ?? null });
        rows.push(missing(b.board + ": files flash writes", "bytes", why));
        continue;
      }
      const m = await productMemory({ board: b.board, jsVars: b.prof.jsVars, files: b.flash.files, port: b.port });
      if (m.ok) {
        const own = await standInJsVars({ board: b.board, jsVars: b.prof.jsVars, trackWrites: true });
        rows.push(
          { suite: S, case: b.board + ": after boot, default config (stand-in's " + own + " subtracted)", metric: "JsVars (real)", value: m.afterBoot - own, baselineName: "jsVars", baseline: b.prof.jsVars, sim: sb?.afterBoot ?? null },
          { suite: S, case: b.board + ": after a scrape (stand-in subtracted)", metric: "JsVars (real)", value: m.afterScrape - own, baselineName: "jsVars", baseline: b.prof.jsVars, sim: sb?.afterScrape ?? null },
          { suite: S, case: b.board + ": peak above the level before a scrape, right after a write (median of 5, the meter's " + m.meter + " subtracted)", metric: "JsVars (real)", value: m.peakExtra, sim: sb?.peakExtra ?? null },
          { suite: S, case: b.board + ": peak above the level before a scrape, high-water thread (median of 5)", metric: "JsVars (real)", value: m.hwmPeakExtra },
        );
        progress("real: " + b.board + " " + (m.afterBoot - own) + " JsVars after boot (stand-in " + own + " subtracted), +" + m.peakExtra + " peak during a scrape");
      } else {
        rows.push({ ...missing(b.board + ": default config", "JsVars after boot", m.reason), sim: sb?.afterBoot ?? null });
        progress("real: " + b.board + ": " + m.reason);
      }
      let total = 0;
      for (const [name, text] of Object.entries(b.flash.files).sort()) {
        total += text.length;
        rows.push({ suite: S, case: b.board + ": flash file " + name, metric: "bytes", value: text.length, sim: null });
      }
      rows.push({ suite: S, case: b.board + ": every file flash writes", metric: "bytes", value: total, sim: null });
    }
    // ---- the calibration's acceptance band (CI runs --quick): a firmware change that moves the simulator away from
    // the real interpreter fails here, so whoever changes the firmware recalibrates (npm run calibrate)
    const bad = outsideBand(rows);
    for (const b of bad) progress("real: OUTSIDE THE BAND: " + b);
    if (bad.length && quick && process.env.BENCH_REAL_NO_BAND !== "1") {
      process.exitCode = 1;
      progress("real: " + bad.length + " scenario(s) outside the simulator's band; recalibrate (npm run calibrate) or fix the model");
    }
    return rows;
  },
};
