// Real-interpreter measurements (upstream Espruino 2v29 for Linux with the board's JsVar count; valgrind callgrind for
// instructions, the ESPRUINO_HWM high-water file for JsVars). docs/benchmarks.md says what each figure means.
import { writeStorage } from "../../tools/espruino-linux.mjs";
import { standInSource } from "../../test/real-interpreter/board-stand-in.mjs";
import { floorFiles } from "./floor.mjs";
import { Espruino, callCount, cleanup, freePort, inclusive, loadProfile, provision, sleep, startCallgrind, tempDir } from "./interp.mjs";
import { httpGet, progress } from "../harness.mjs";
import { pretokenise } from "../../tools/flash/pretokenise.mjs";

export const TICK = "jstOnRunInterruptJSEvent"; // `timer` EXEC tasks (the sampler's ticks, the floor's ticks)
export const CALLBACK = "jsiExecuteEventCallbackArgsArray"; // setTimeout/setInterval/HTTP callbacks

/**
 * The product booted from the flash files under callgrind: a sampling window of `seconds` (no scrape), then
 * `scrapes` GET /metrics in a second window. EXEC ticks run at statement boundaries, also inside a callback, and
 * --toggle-collect toggles (a toggled function nested in another toggled one switches collection off), so one run
 * collects one function: `what: "tick"` the EXEC ticks (all of them: the sampling cost), `what: "callbacks"` the
 * callbacks, reported without the ticks nested in them (their inclusive cost there is subtracted).
 * @param {{board: string, jsVars: number, files: Record<string, string>, port: number, seconds: number, scrapes: number, what: "tick" | "callbacks", channels: number, rateHz: number}} o
 */
export async function productSampling(o) {
  const dir = provision(o.board, o.files);
  const run = startCallgrind({ jsVars: o.jsVars, dir, toggles: o.what === "tick" ? [TICK] : [CALLBACK], timeoutMs: 240000 });
  try {
    await run.e.waitFor(/listening on port \d+/, 120000);
    await sleep(1000);
    run.zero();
    const t0 = Date.now();
    await sleep(o.seconds * 1000);
    const nA = await run.dump();
    const windowS = (Date.now() - t0) / 1000;
    let bytes = 0;
    let scrape = 0;
    for (let i = 0; i < (o.what === "tick" ? 0 : o.scrapes); i++) {
      // one scrape per window; a body cut short (no last chunk) is retried, at most 3 times
      for (let attempt = 1; ; attempt++) {
        run.zero();
        const g = await httpGet(o.port, "/metrics", 120000);
        const n = await run.dump();
        if (g.status !== 200) throw new Error("real /metrics: HTTP " + g.status);
        const b = g.complete ? inclusive(run.outFile + "." + n, [TICK, CALLBACK]) : {};
        // a dump without the callbacks in it (seen once in a full run: the row came out NaN) is retried as well
        if (g.complete && b[CALLBACK] > 0) {
          scrape += b[CALLBACK] - (b[TICK] ?? 0);
          bytes = g.bytes;
          break;
        }
        if (attempt === 3) throw new Error("real /metrics under callgrind: " + (g.complete ? "no callback counted in the dump" : "body cut short") + " 3 times (" + g.bytes + " B)");
      }
    }
    await run.finish();
    const a = inclusive(run.outFile + "." + nA, [TICK, CALLBACK]);
    // samples: the tick run counts its EXEC ticks itself (callgrind's calls of jstOnRunInterruptJSEvent in the same
    // window as their instructions); the callbacks run, which cannot see them, uses the window's length at the rate
    if (o.what === "tick") return { what: o.what, samples: callCount(run.outFile + "." + nA, TICK) * o.channels, tick: a[TICK], other: 0, seconds: windowS, scrape: 0, scrapeBytes: 0 };
    return { what: o.what, samples: windowS * o.rateHz * o.channels, tick: 0, other: a[CALLBACK] - a[TICK], seconds: windowS, scrape: scrape / o.scrapes, scrapeBytes: bytes };
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
  try {
    await run.e.waitFor(/<<ready>>/, 60000);
    await sleep(500);
    run.zero();
    await sleep(o.seconds * 1000);
    const n = await run.dump();
    await run.finish();
    // every tick reads each pin once: samples = the window's EXEC ticks (counted by callgrind) x pins
    const samples = callCount(run.outFile + "." + n, TICK) * o.pins.length;
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
  const port = await freePort();
  const dir = tempDir("render");
  writeStorage(dir, {
    ".boot0": standInSource({ board: "ESP32", network: "wifi" }) + "global.__benchPort=" + port + ";\n",
    // pretokenised, as npm run flash writes the product's .bootcde
    ".bootcde": pretokenise(readFileSync(o.bundle, "latin1"), "2v29"),
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
 * current, 1.5 s after "listening"), the peak above the level before a GET /metrics (median of 5 scrapes), and the
 * level after the first.
 * @param {{board: string, jsVars: number, files: Record<string, string>, port: number}} o
 * @returns {Promise<{ok: true, afterBoot: number, peakExtra: number, meter: number, hwmPeakExtra: number, afterScrape: number} | {ok: false, reason: string}>}
 */
export async function productMemory(o) {
  // the high-water thread can crash the interpreter (a race in the Linux build's patch): up to 3 runs
  for (let attempt = 1; ; attempt++) {
    // the Linux build with the high-water thread sometimes stops answering its console under load: retried too
    const r = await productMemoryOnce(o).catch((e) => ({ ok: /** @type {const} */ (false), reason: "the interpreter crashed or stopped answering (" + String(e?.message ?? e).split("\n")[0] + ")" }));
    if (r.ok) {
      // the meter's own share of the write-point peak (the device above has stopped: the probe reuses its port)
      r.meter = await writeMeterJsVars({ board: o.board, jsVars: o.jsVars, port: o.port });
      r.peakExtra -= r.meter;
    }
    if (r.ok || !/crashed/.test(r.reason) || attempt === 3) return r;
    // r is the failure here
    progress("real: " + o.board + ": " + r.reason + ", once more");
  }
}

/**
 * @param {{board: string, jsVars: number, files: Record<string, string>, port: number}} o
 * @returns {Promise<{ok: true, afterBoot: number, peakExtra: number, meter: number, hwmPeakExtra: number, afterScrape: number} | {ok: false, reason: string}>}
 */
async function productMemoryOnce(o) {
  const dir = provision(o.board, o.files, { trackWrites: true });
  const e = new Espruino({ jsVars: o.jsVars, dir, idleUs: 300, hwm: true });
  try {
    try {
      await e.waitFor(/listening on port \d+/, 20000);
    } catch {
      if (e.exitStatus?.signal) return { ok: false, reason: "the interpreter crashed (" + e.exitStatus.signal + ")" };
      const errs = [...new Set([...e.console().matchAll(/(New interpreter error: [A-Z_,]+|Out of memory|OUT OF MEMORY)/gi)].map((m) => m[1]))];
      return { ok: false, reason: "does not boot" + (errs.length ? " (" + errs.join("; ") + ")" : "") };
    }
    await sleep(1500);
    const idle = e.memory().current;
    // Two meters, median of 5 scrapes each: process.memory() right after every res.write() (the stand-in's
    // trackWrites: the piece alive as the argument and in the send buffer), and the high-water thread (every
    // 0.5 ms: it also sees other short-lived values, but misses some pieces).
    /** @type {number[]} */
    const peaks = [];
    /** @type {number[]} */
    const hwm = [];
    let after = 0;
    for (let i = 0; i < 5; i++) {
      await e.resetPeak();
      const level = await e.eval("(__standIn.writePeak=0,process.memory(false).usage)");
      const hwmLevel = e.memory().current;
      const g = await httpGet(o.port, "/metrics", 20000);
      if (g.status !== 200) return { ok: false, reason: "/metrics HTTP " + g.status };
      await sleep(200);
      const m = e.memory();
      peaks.push((await e.eval("__standIn.writePeak")) - level);
      hwm.push(m.peak - hwmLevel);
      if (i === 0) after = m.current;
    }
    const median = (/** @type {number[]} */ xs) => xs.slice().sort((a, b) => a - b)[2];
    return { ok: true, afterBoot: idle, peakExtra: median(peaks), meter: 0, hwmPeakExtra: median(hwm), afterScrape: after };
  } finally {
    await e.stop();
    cleanup(dir);
  }
}

/**
 * The write-point meter's own JsVars at the moment it reads process.memory() (its wrapper closure on the response and
 * the wrapper's running frame), subtracted from the peak it reports: the same tiny net server as the firmware's, one
 * response that writes
 * a 400-character piece, run with the meter and without it (without it the level is read right after the write),
 * each above its own idle level. Measured on the esp32-devkitc build: 21 with a net server (30 with the http one).
 * @param {{board: string, jsVars: number, port: number}} o
 */
export async function writeMeterJsVars(o) {
  const probe =
    "var S=global.__probe={};var piece=E.toString(new Uint8Array(400).fill(120));" +
    "require('net').createServer(function(s){s.on('data',function(){s.write('HTTP/1.1 200 OK\\r\\nConnection: close\\r\\n\\r\\n');" +
    "s.write(piece);S.after=process.memory(false).usage;s.end();});}).listen(" + o.port + ");console.log('<<ready>>');";
  /** @param {boolean} track */
  const level = async (track) => {
    const dir = provision(o.board, { ".bootcde": probe }, { trackWrites: track });
    const e = new Espruino({ jsVars: o.jsVars, dir, idleUs: 300 });
    try {
      await e.waitFor(/<<ready>>/, 20000);
      await sleep(300);
      const idle = /** @type {number} */ (await e.eval("process.memory(false).usage"));
      const g = await httpGet(o.port, "/", 20000);
      if (g.status !== 200) throw new Error("write-meter probe: HTTP " + g.status);
      await sleep(100);
      return /** @type {number} */ (await e.eval(track ? "__standIn.writePeak" : "__probe.after")) - idle;
    } finally {
      await e.stop();
      cleanup(dir);
    }
  };
  return (await level(true)) - (await level(false));
}

/**
 * The board stand-in's own JsVars on `board`'s build: used JsVars booted with only the stand-in as `.boot0`
 * (no firmware) minus booted with nothing. Subtracted from the product's figures.
 * @param {{board: string, jsVars: number, trackWrites?: boolean}} o
 */
export async function standInJsVars(o) {
  /** @param {boolean} withStandIn */
  const level = async (withStandIn) => {
    const dir = withStandIn ? provision(o.board, {}, { trackWrites: o.trackWrites }) : tempDir("empty");
    if (!withStandIn) writeStorage(dir, { "empty.txt": "-" });
    const e = new Espruino({ jsVars: o.jsVars, dir, idleUs: 300 });
    try {
      await e.waitFor(/>/, 20000);
      await sleep(300);
      return /** @type {number} */ (await e.eval("process.memory(false).usage"));
    } finally {
      await e.stop();
      cleanup(dir);
    }
  };
  return (await level(true)) - (await level(false));
}
