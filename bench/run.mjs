#!/usr/bin/env node
// npm run bench [-- --quick] [-- --only SUITE]: runs every suite, prints one table, writes bench/results.json.
import { writeFileSync } from "node:fs";
import { formatTable } from "./harness.mjs";
import bundleSize from "./bundle-size.mjs";

/** @type {import("./harness.mjs").BenchSuite[]} */
const SUITES = [bundleSize];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
if (only && !SUITES.some((s) => s.name === only)) {
  console.error("bench: unknown suite " + JSON.stringify(only) + "; suites: " + SUITES.map((s) => s.name).join(", "));
  process.exit(2);
}

/** @type {import("./harness.mjs").BenchRow[]} */
const rows = [];
for (const suite of SUITES) {
  if (only && suite.name !== only) continue;
  const t0 = Date.now();
  rows.push(...(await suite.run({ quick })));
  process.stderr.write("bench: " + suite.name + " done in " + (Date.now() - t0) + " ms\n");
}
console.log(formatTable(rows));
const out = {
  date: new Date().toISOString(),
  node: process.version,
  quick,
  rows,
};
writeFileSync(quick ? "bench/results.quick.json" : "bench/results.json", JSON.stringify(out, null, 2) + "\n");
console.log("\nwrote " + (quick ? "bench/results.quick.json" : "bench/results.json"));
