#!/usr/bin/env node
// npm run bench [-- --quick] [-- --only SUITE]: runs every suite, prints one table, writes bench/results.json
// (bench/results.quick.json with --quick). Progress goes to stderr, the table to stdout.
import { parseArgs } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { formatTable } from "./harness.mjs";
import { renderFigures, withFigures } from "./figures.mjs";
import { cpus } from "node:os";
import bundleSize from "./bundle-size.mjs";
import samplePath from "./sample-path.mjs";
import scrape from "./scrape.mjs";
import fleet from "./fleet.mjs";
import real from "./real/suite.mjs";

/** @type {import("./harness.mjs").BenchSuite[]} */
const SUITES = [samplePath, scrape, bundleSize, fleet, real];

/** @type {{values: {quick?: boolean, only?: string, help?: boolean}}} */
let opts;
try {
  opts = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
} catch (e) {
  console.error("bench: " + /** @type {Error} */ (e).message.split(". ")[0]);
  process.exit(2);
}
if (opts.values.help) {
  console.log(
    "usage: npm run bench [-- --quick] [-- --only SUITE]\n  --quick       short runs (bench/results.quick.json; the README block is not touched)\n" +
      "  --only SUITE  one of " + SUITES.map((s) => s.name).join(", ") + "\nExit status: 0 done; 1 a suite failed; 2 bad arguments.",
  );
  process.exit(0);
}
const quick = opts.values.quick === true;
const only = opts.values.only;
if (only && !SUITES.some((s) => s.name === only)) {
  console.error("bench: unknown suite " + JSON.stringify(only) + "; suites: " + SUITES.map((s) => s.name).join(", "));
  process.exit(2);
}

/** @type {import("./harness.mjs").BenchRow[]} */
const rows = [];
const started = Date.now();
for (const suite of SUITES) {
  if (only && suite.name !== only) continue;
  const t0 = Date.now();
  rows.push(...(await suite.run({ quick })));
  process.stderr.write("bench: " + suite.name + " done in " + (Date.now() - t0) + " ms\n");
}
console.log(formatTable(rows));
const machine = cpus().length + " cores (" + (cpus()[0]?.model ?? "?").trim() + "), Node " + process.version + ", " + process.platform + "/" + process.arch;
const seconds = (Date.now() - started) / 1000;
console.log("\n" + machine + "; " + seconds.toFixed(1) + " s" + (quick ? " (--quick)" : ""));
const out = {
  date: new Date().toISOString(),
  node: process.version,
  machine,
  seconds,
  quick,
  only: only ?? null,
  rows,
};
// a partial run (--only) never replaces the complete report, nor does one without real-interpreter figures
const realMeasured = rows.some((r) => r.suite === "real" && /callgrind/.test(r.metric) && Number.isFinite(r.value) && !r.status);
if (!only && !realMeasured) console.log("no real-interpreter figures (see the real rows): no results file written");
const file = only || !realMeasured ? undefined : quick ? "bench/results.quick.json" : "bench/results.json";
if (file) {
  writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log("wrote " + file);
  if (!quick) {
    writeFileSync("README.md", withFigures(readFileSync("README.md", "utf8"), renderFigures(out)));
    console.log("updated README.md's benchmark block (npm run figures)");
  }
} else if (only) console.log("--only: no results file written");
