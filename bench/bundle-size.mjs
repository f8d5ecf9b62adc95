// Bundle bytes: the firmware is stored and interpreted as text on the board, so bytes are RAM and time.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

/** @type {import("./harness.mjs").BenchSuite} */
export default {
  name: "bundle",
  run() {
    const readable = readFileSync("dist/firmware.js");
    const min = readFileSync("dist/firmware.min.js");
    return [
      { suite: "bundle", case: "dist/firmware.js (readable)", metric: "bytes", value: readable.length },
      {
        suite: "bundle",
        case: "dist/firmware.min.js",
        metric: "bytes",
        value: min.length,
        baselineName: "readable",
        baseline: readable.length,
      },
      {
        suite: "bundle",
        case: "dist/firmware.min.js",
        metric: "gzip bytes",
        value: gzipSync(min).length,
        baselineName: "readable gzip",
        baseline: gzipSync(readable).length,
      },
    ];
  },
};
