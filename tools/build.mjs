#!/usr/bin/env node
// npm run build: firmware/*.ts -> dist/firmware.js + dist/firmware.min.js (every feature) and
// dist/firmware-core.min.js (without push mode and the waveform sampler, for configs that use neither), then a size
// report.
//   --if-needed   skip when dist/ is newer than every input and was built for the same version
//   --quiet       no size table
import { parseArgs } from "node:util";
import { rollup } from "rollup";
import { loadConfigFile } from "rollup/loadConfigFile";
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildVersion } from "./build-version.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
/** @type {{values: {"if-needed"?: boolean, quiet?: boolean, help?: boolean}}} */
let opts;
try {
  opts = parseArgs({ options: { "if-needed": { type: "boolean" }, quiet: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true });
} catch (e) {
  console.error("build: " + /** @type {Error} */ (e).message.split(". ")[0]);
  process.exit(2);
}
if (opts.values.help) {
  console.log("usage: npm run build [-- --if-needed] [-- --quiet]\n  --if-needed   skip when dist/ is newer than every input and was built for the same version\n  --quiet       no size table\nExit status: 0 built (or up to date); 1 the build failed; 2 bad arguments.");
  process.exit(0);
}
const ifNeeded = opts.values["if-needed"] === true;
const quiet = opts.values.quiet === true;
const OUTPUTS = ["firmware.js", "firmware.min.js", "firmware-core.min.js"];

/** @param {string} dir @returns {string[]} */
function filesUnder(dir) {
  /** @type {string[]} */
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function upToDate() {
  const infoFile = join(dist, "build.json");
  if (!existsSync(infoFile) || !OUTPUTS.every((f) => existsSync(join(dist, f)))) return false;
  const info = JSON.parse(readFileSync(infoFile, "utf8"));
  if (info.version !== buildVersion(root)) return false;
  const inputs = [
    ...filesUnder(join(root, "firmware")),
    ...["rollup.config.mjs", "tsconfig.json", "package.json", "tools/build.mjs", "tools/build-version.mjs"].map((f) => join(root, f)),
  ];
  const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
  const oldestOutput = Math.min(...OUTPUTS.map((f) => statSync(join(dist, f)).mtimeMs));
  return newestInput < oldestOutput;
}

/** Size report: bytes, gzip bytes, lines. */
export function sizeReport() {
  return OUTPUTS.map((f) => {
    const text = readFileSync(join(dist, f));
    return { file: "dist/" + f, bytes: text.length, gzipBytes: gzipSync(text).length, lines: text.toString().split("\n").length };
  });
}

async function build() {
  const { options, warnings } = await loadConfigFile(join(root, "rollup.config.mjs"), {});
  warnings.flush();
  for (const opts of options) {
    const bundle = await rollup(opts);
    try {
      for (const out of opts.output) await bundle.write(out);
    } finally {
      await bundle.close();
    }
  }
  const report = sizeReport();
  writeFileSync(join(dist, "build.json"), JSON.stringify({ version: buildVersion(root), sizes: report }, null, 2) + "\n");
  return report;
}

if (ifNeeded && upToDate()) {
  if (!quiet) console.log("build: dist/ is up to date (" + buildVersion(root) + ")");
} else {
  const report = await build().catch((err) => {
    console.error("build failed: " + (err && err.message ? err.message : err));
    process.exit(1);
  });
  if (!quiet) {
    console.log("build " + buildVersion(root));
    console.log("file                        bytes   gzip  lines");
    for (const r of report) {
      console.log(r.file.padEnd(26) + String(r.bytes).padStart(7) + String(r.gzipBytes).padStart(7) + String(r.lines).padStart(7));
    }
  }
}
