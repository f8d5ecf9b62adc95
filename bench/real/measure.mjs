// Real-interpreter measurements (upstream Espruino 2v29 for Linux with the board's JsVar count; valgrind callgrind for
// instructions, the ESPRUINO_HWM high-water file for JsVars). docs/benchmarks.md says what each figure means.
import { writeStorage } from "../../tools/espruino-linux.mjs";
import { standInSource } from "../../test/real-interpreter/board-stand-in.mjs";
import { floorFiles } from "./floor.mjs";
import { Espruino, cleanup, freePort, inclusive, loadProfile, provision, sleep, startCallgrind, tempDir } from "./interp.mjs";
import { httpGet, progress } from "../harness.mjs";

export const TICK = "jstOnRunInterruptJSEvent"; // `timer` EXEC tasks (the sampler's ticks, the floor's ticks)
export const CALLBACK = "jsiExecuteEventCallbackArgsArray"; // setTimeout/setInterval/HTTP callbacks

/** @param {Record<string, number>} reads */
const sum = (reads) => Object.values(reads).reduce((a, b) => a + b, 0);

/**
 * The product booted from the flash files under callgrind: a sampling window of `seconds` (no scrape), then
 * `scrapes` GET /metrics in a second window. EXEC ticks run at statement boundaries, also inside a callback, and
 * --toggle-collect toggles (a toggled function nested in another toggled one switches collection off), so one run
 * collects one function: `what: "tick"` the EXEC ticks (all of them: the sampling cost), `what: "callbacks"` the
 * callbacks, reported without the ticks nested in them (their inclusive cost there is subtracted).
 * @param {{board: string, jsVars: number, files: Record<string, string>, port: number, seconds: number, scrapes: number, what: "tick" | "callbacks"}} o
 */
export async function productSampling(o) {
  const dir = provision(o.board, o.files);
  const run = startCallgrind({ jsVars: o.jsVars, dir, toggles: o.what === "tick" ? [TICK] : [CALLBACK], timeoutMs: 240000 });
  try {
    await run.e.waitFor(/listening on port \d+/, 120000);
    await sleep(1000);
    const r0 = sum(await run.e.eval("global.__standIn.reads", 30000));
    run.zero();
    await sleep(o.seconds * 1000);
    const nA = await run.dump();
    const r1 = sum(await run.e.eval("global.__standIn.reads", 30000));
    run.zero();
    let bytes = 0;
    for (let i = 0; i < (o.what === "tick" ? 0 : o.scrapes); i++) {
      const g = await httpGet(o.port, "/metrics", 120000);
      if (g.status !== 200) throw new Error("real /metrics: HTTP " + g.status);
      bytes = g.bytes;
    }
    const nB = await run.dump();
    await run.finish();
    const a = inclusive(run.outFile + "." + nA, [TICK, CALLBACK]);
    const b = inclusive(run.outFile + "." + nB, [TICK, CALLBACK]);
    if (o.what === "tick") return { what: o.what, samples: r1 - r0, tick: a[TICK], other: 0, seconds: o.seconds, scrape: 0, scrapeBytes: 0 };
    return { what: o.what, samples: r1 - r0, tick: 0, other: a[CALLBACK] - a[TICK], seconds: o.seconds, scrape: (b[CALLBACK] - b[TICK]) / o.scrapes, scrapeBytes: bytes };
  } finally {
    await run.finish().catch(() => {});
    cleanup(dir);
  }
}

/**
 * One floor variant (bench/real/floor.mjs) under callgrind: instructions in its EXEC ticks per sample over a window.
 * @param {{board: string, jsVars: number, pins: string[], rateHz: number, kind: import("./floor.mjs").FloorKind, seconds: number}} o
 */
export async function floorRun(o) {
  const prof = loadProfile(o.board);
  const dir = tempDir("floor-" + o.kind);
  writeStorage(dir, floorFiles({ board: prof.board, network: prof.network, pins: o.pins, rateHz: o.rateHz, kind: o.kind }));
  const run = startCallgrind({ jsVars: o.jsVars, dir, toggles: [TICK], timeoutMs: 120000 });
  const count = o.kind === "floor" ? "global.__standIn.reads" : "__n";
  try {
    await run.e.waitFor(/<<ready>>/, 60000);
    await sleep(500);
    const c0 = await run.e.eval(count, 30000);
    run.zero();
    await sleep(o.seconds * 1000);
    const n = await run.dump();
    const c1 = await run.e.eval(count, 30000);
    await run.finish();
    const samples = typeof c1 === "number" ? c1 - c0 : sum(c1) - sum(c0);
    const instr = inclusive(run.outFile + "." + n, [TICK])[TICK];
    return { kind: o.kind, samples, instr, perSample: instr / samples };
  } finally {
    await run.finish().catch(() => {});
    cleanup(dir);
  }
}

/**
 * bench/fixtures/scrape.ts (its minified bundle as `.bootcde`) under callgrind: for each size, `__b.setup(n)` on the
 * console (not counted), then `repeats` GETs of /metrics (the firmware Cursor, streamed) and of /naive (`+=`),
 * each path in its own window: HTTP callback instructions per scrape.
 * @param {{bundle: string, sizes: number[], repeats: (n: number) => number}} o
 */
export async function renderRuns(o) {
  const { readFileSync } = await import("node:fs");
  const port = freePort();
  const dir = tempDir("render");
  writeStorage(dir, {
    ".boot0": standInSource({ board: "ESP32", network: "wifi" }) + "global.__benchPort=" + port + ";\n",
    ".bootcde": readFileSync(o.bundle, "latin1"),
  });
  const run = startCallgrind({ jsVars: 16383, dir, toggles: [CALLBACK], timeoutMs: 900000 });
  /** @type {Record<number, Record<string, {instr: number, bytes: number}>>} */
  const out = {};
  try {
    await run.e.waitFor(/>/, 60000);
    await sleep(500);
    for (const n of o.sizes) {
      const made = await run.e.eval("__b.setup(" + n + ")", 120000);
      if (made !== n) throw new Error("scrape fixture made " + made + " series, not " + n);
      out[n] = {};
      for (const path of ["/metrics", "/naive"]) {
        await httpGet(port, path, 300000); // warm: pooled cursor, buffers grown
        const k = o.repeats(n);
        run.zero();
        let bytes = 0;
        for (let i = 0; i < k; i++) {
          const g = await httpGet(port, path, 300000);
          if (g.status !== 200) throw new Error("fixture " + path + ": HTTP " + g.status);
          bytes = g.bytes;
        }
        const d = await run.dump();
        out[n][path] = { instr: inclusive(run.outFile + "." + d, [CALLBACK])[CALLBACK] / k, bytes };
      }
      progress("real: render " + n + " series: cursor " + (out[n]["/metrics"].instr / 1e6).toFixed(2) + " M, naive " + (out[n]["/naive"].instr / 1e6).toFixed(2) + " M instructions/scrape");
    }
    await run.finish();
    return out;
  } finally {
    await run.finish().catch(() => {});
    cleanup(dir);
  }
}

/**
 * The product booted (no valgrind) from the flash files with the board's JsVar count: JsVars after boot (HWM
 * current, 1.5 s after "listening"), the peak above that idle level during one GET /metrics, and the level after it.
 * @param {{board: string, jsVars: number, files: Record<string, string>, port: number}} o
 * @returns {Promise<{ok: true, afterBoot: number, peakExtra: number, afterScrape: number} | {ok: false, reason: string}>}
 */
export async function productMemory(o) {
  const dir = provision(o.board, o.files);
  const e = new Espruino({ jsVars: o.jsVars, dir, idleUs: 300 });
  try {
    try {
      await e.waitFor(/listening on port \d+/, 20000);
    } catch {
      const errs = [...new Set([...e.console().matchAll(/(New interpreter error: [A-Z_,]+|Out of memory|OUT OF MEMORY)/gi)].map((m) => m[1]))];
      return { ok: false, reason: "does not boot" + (errs.length ? " (" + errs.join("; ") + ")" : "") };
    }
    await sleep(1500);
    const idle = e.memory().current;
    await e.resetPeak();
    const g = await httpGet(o.port, "/metrics", 20000);
    if (g.status !== 200) return { ok: false, reason: "/metrics HTTP " + g.status };
    await sleep(200);
    const m = e.memory();
    return { ok: true, afterBoot: idle, peakExtra: m.peak - idle, afterScrape: m.current };
  } finally {
    await e.stop();
    cleanup(dir);
  }
}
