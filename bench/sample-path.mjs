// Per-sample cost: our path (the firmware's sampler tick + SampleRing.push + Aggregator.drain every half ring)
// vs the bare `b[i & m] = read()` floor vs a naive implementation (Array push/shift history, linear float-bound
// histogram scan, float sums), all in bench/fixtures/sample-path.ts built by the real pipeline.
// Details: docs/host-tools.md "bench/sample-path.mjs".
import { SimDevice } from "../host-sim/index.mjs";
import { provisionStorage, boardProfileJson } from "../host-sim/provision.mjs";
import { buildFixture, median, progress } from "./harness.mjs";

const ENTRY = "bench/fixtures/sample-path.ts";
/** Variants: key -> [fixture kind, samplesPerTick override (0 = the config's)]. */
/** @type {Record<string, [string, number]>} */
const VARIANTS = { ours: ["ours", 0], ours32: ["ours", 32], bare: ["bare", 0], naive: ["naive", 0] };
const CONFIG = { schema: 1, channels: [{ name: "ch0", pin: "D32" }] };

/** @param {string} bundle @param {boolean} cost */
async function device(bundle, cost) {
  provisionStorage({ board: "esp32-devkitc", config: CONFIG }); // the host's check of the config
  const profile = boardProfileJson("esp32-devkitc");
  const d = new SimDevice({
    bundle,
    board: "esp32-devkitc",
    storage: { "board.json": profile, "telemetry.config.json": CONFIG },
    signals: { D32: 1.65 },
    costModel: cost ? { sampleEvery: 0, memoryAtCallbackEnd: false } : false,
    hostPort: 0,
  });
  await d.boot();
  if (d.evaluate("__b.ok()") !== true) throw new Error("sample-path fixture: config rejected: " + d.errors.join("; "));
  return d;
}

/** @type {import("./harness.mjs").BenchSuite} */
export default {
  name: "sample",
  async run({ quick }) {
    const b = await buildFixture(ENTRY);
    const repeats = quick ? 3 : 7;
    const nStmt = quick ? 1000 : 4000;
    const nTime = quick ? 20000 : 100000;

    // statements (cost model on) and JsVars of each implementation's state
    /** @type {Record<string, number>} */ const stmts = {};
    /** @type {Record<string, number>} */ const instr = {};
    let ips = 0;
    /** @type {Record<string, number>} */ const jsvars = {};
    for (const [v, [k, spt]] of Object.entries(VARIANTS)) {
      const d = await device(b.minified, true);
      try {
        const before = d.memory.measure();
        d.evaluate("__b.setup(" + JSON.stringify(k) + ", " + spt + ")");
        d.evaluate("__b.run(" + JSON.stringify(k) + ", 400)"); // warm: the history/ring is full from here on
        jsvars[v] = d.memory.measure() - before;
        /** @type {number[]} */ const per = [];
        /** @type {number[]} */ const perI = [];
        for (let r = 0; r < repeats; r++) {
          const c = d.cost.count(() => /** @type {number} */ (d.evaluate("__b.run(" + JSON.stringify(k) + ", " + nStmt + ")")));
          per.push(c.statements / c.value);
          perI.push(c.instructions / c.value);
        }
        stmts[v] = median(per);
        instr[v] = median(perI);
        ips = d.board.cost?.instructionsPerSecond ?? 0;
        if (!(/** @type {number} */ (d.evaluate("__b.aggregated(" + JSON.stringify(k) + ")")) > 0)) throw new Error(k + ": nothing aggregated");
        if (k === "ours" && d.evaluate("__b.errors()") !== 0) throw new Error("ours: the tick threw");
      } finally {
        await d.stop();
      }
      progress("sample: " + v + " " + stmts[v].toFixed(2) + " statements/sample, " + Math.round(instr[v]) + " instructions/sample");
    }

    // Node time (cost model off)
    /** @type {Record<string, number>} */ const ns = {};
    for (const [v, [k, spt]] of Object.entries(VARIANTS)) {
      const d = await device(b.minified, false);
      try {
        d.evaluate("__b.setup(" + JSON.stringify(k) + ", " + spt + ")");
        d.evaluate("__b.run(" + JSON.stringify(k) + ", " + nTime + ")"); // warm-up (JIT)
        /** @type {number[]} */ const per = [];
        for (let r = 0; r < repeats; r++) {
          const t0 = process.hrtime.bigint();
          const n = /** @type {number} */ (d.evaluate("__b.run(" + JSON.stringify(k) + ", " + nTime + ")"));
          per.push(Number(process.hrtime.bigint() - t0) / n);
        }
        ns[v] = median(per);
      } finally {
        await d.stop();
      }
      progress("sample: " + v + " " + ns[v].toFixed(1) + " ns/sample in Node");
    }

    const S = "sample";
    const vus = "virtual µs/sample (instructions / " + Math.round(ips / 1e6) + " M/s)";
    return [
      { suite: S, case: "ours: tick + ring push + drain", metric: "statements/sample", value: stmts.ours, baselineName: "bare loop", baseline: stmts.bare, repeats },
      { suite: S, case: "ours, samplesPerTick 32", metric: "statements/sample", value: stmts.ours32, baselineName: "bare loop", baseline: stmts.bare, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "statements/sample", value: stmts.naive, baselineName: "ours", baseline: stmts.ours, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "statements/sample", value: stmts.naive, baselineName: "ours spt 32", baseline: stmts.ours32, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "statements/sample", value: stmts.naive, baselineName: "bare loop", baseline: stmts.bare, repeats },
      { suite: S, case: "ours: tick + ring push + drain", metric: "instructions/sample", value: instr.ours, baselineName: "bare loop", baseline: instr.bare, repeats },
      { suite: S, case: "ours, samplesPerTick 32", metric: "instructions/sample", value: instr.ours32, baselineName: "bare loop", baseline: instr.bare, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "instructions/sample", value: instr.naive, baselineName: "ours", baseline: instr.ours, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "instructions/sample", value: instr.naive, baselineName: "ours spt 32", baseline: instr.ours32, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "instructions/sample", value: instr.naive, baselineName: "bare loop", baseline: instr.bare, repeats },
      { suite: S, case: "ours: tick + ring push + drain", metric: vus, value: (instr.ours / ips) * 1e6, baselineName: "naive", baseline: (instr.naive / ips) * 1e6, repeats },
      { suite: S, case: "ours, samplesPerTick 32", metric: vus, value: (instr.ours32 / ips) * 1e6, baselineName: "naive", baseline: (instr.naive / ips) * 1e6, repeats },
      { suite: S, case: "ours: tick + ring push + drain", metric: "Node ns/sample (cost model off)", value: ns.ours, baselineName: "bare loop", baseline: ns.bare, repeats },
      { suite: S, case: "ours, samplesPerTick 32", metric: "Node ns/sample (cost model off)", value: ns.ours32, baselineName: "bare loop", baseline: ns.bare, repeats },
      { suite: S, case: "naive: push/shift + float scan", metric: "Node ns/sample (cost model off)", value: ns.naive, baselineName: "ours", baseline: ns.ours, repeats },
      { suite: S, case: "ours: ring + aggregator state, default config", metric: "JsVars", value: jsvars.ours, baselineName: "naive state", baseline: jsvars.naive },
    ];
  },
};
