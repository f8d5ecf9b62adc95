// Bundle bytes (flash, and interpretation time: Espruino runs the text) and
// simulated JsVars after boot per board profile: dist/firmware.min.js booted in SimDevice (cost model on: only
// the instrumented bundle exposes its module scope to host-sim/memory.mjs, and out-of-memory is detected as
// on the board) with each boards/*.json and provisionStorage({board}) (the demo
// config: ch0 + ch1 on the first ADC pins, 20 Hz), one simulated second after boot. Compared against the board's
// JsVar budget; a board the firmware does not fit is reported, marked "OVER BUDGET", never skipped.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { SimDevice } from "../host-sim/index.mjs";
import { provisionStorage } from "../host-sim/provision.mjs";
import { progress } from "./harness.mjs";

/** @type {import("./harness.mjs").BenchSuite} */
export default {
  name: "bundle",
  async run() {
    const readable = readFileSync("dist/firmware.js");
    const min = readFileSync("dist/firmware.min.js");
    const core = readFileSync("dist/firmware-core.min.js");
    /** @type {import("./harness.mjs").BenchRow[]} */
    const rows = [
      { suite: "bundle", case: "dist/firmware.js (readable)", metric: "bytes", value: readable.length },
      { suite: "bundle", case: "dist/firmware.min.js", metric: "bytes", value: min.length, baselineName: "readable", baseline: readable.length },
      {
        suite: "bundle",
        case: "dist/firmware.min.js",
        metric: "gzip bytes",
        value: gzipSync(min).length,
        baselineName: "readable gzip",
        baseline: gzipSync(readable).length,
      },
      // the bundle flash writes for a config without push (the default and the example config), before flash
      // pretokenises it (the "real" suite's rows give the bytes written)
      { suite: "bundle", case: "dist/firmware-core.min.js (no push mode)", metric: "bytes", value: core.length, baselineName: "with push", baseline: min.length },
    ];
    const boards = readdirSync("boards")
      .filter((f) => f.endsWith(".json") && f !== "schema.json")
      .map((f) => f.slice(0, -5))
      .sort();
    for (const board of boards) {
      const d = new SimDevice({ bundle: "dist/firmware.min.js", board, storage: provisionStorage({ board }), hostPort: 0 });
      try {
        await d.boot();
        d.advance(1000);
        const used = d.memory.measure();
        const budget = d.memory.total;
        const fits = used <= budget && d.cost.stats.outOfMemory === 0;
        const sampling = d.evaluate("!!(global.__telemetry && global.__telemetry.sampling)");
        rows.push({
          suite: "bundle",
          case: board + " after boot (demo config" + (sampling ? "" : ", NOT sampling") + ")" + (fits ? "" : " OVER BUDGET"),
          metric: "simulated JsVars",
          value: used,
          baselineName: "board budget",
          baseline: budget,
        });
        progress("bundle: " + board + " " + used + " / " + budget + " JsVars" + (fits ? "" : " (OVER BUDGET)"));
      } finally {
        await d.stop();
      }
    }
    return rows;
  },
};
