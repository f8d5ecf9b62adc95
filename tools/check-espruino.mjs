#!/usr/bin/env node
// npm run check:espruino - the Espruino dialect gate (docs/espruino-platform.md §1-§3, tools/dialect/).
//   layer 1: firmware/**/*.ts through ESLint (typescript-eslint parser) with the dialect rules
//   layer 2: dist/firmware.js, dist/firmware.min.js and dist/firmware-core.min.js: acorn ES5 parse,
//            no-use-before-define and custom rules,
//            each finding mapped to its TypeScript line through the hidden source map
// Options (either replaces the defaults for its layer; giving only one kind checks only that kind):
//   --ts GLOB|FILE      TypeScript sources to lint (repeatable)
//   --bundle FILE       emitted bundle to check, with FILE.map next to it (repeatable)
// Prints `path:line:col  rule-id  message` per finding and a summary; exit 1 on any finding, 0 when clean, 2 on usage errors.
import { parseArgs } from "node:util";
import { checkTypeScript, checkBundle, expandGlob, formatFinding } from "./dialect/gate.mjs";

const HELP = `usage: node tools/check-espruino.mjs [--ts GLOB|FILE]... [--bundle FILE]...
  --ts GLOB|FILE   TypeScript sources for layer 1 (default firmware/**/*.ts)
  --bundle FILE    an emitted bundle for layer 2 (default the three dist/ bundles)
  (giving only one kind checks only that kind)
Exit status: 0 no finding; 1 findings (one line each, path:line:col  rule-id  message); 2 bad arguments.`;
/** @type {{values: {ts?: string[], bundle?: string[], help?: boolean}}} */
let opts;
try {
  opts = parseArgs({
    args: process.argv.slice(2),
    options: { ts: { type: "string", multiple: true }, bundle: { type: "string", multiple: true }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
} catch (e) {
  console.error("check-espruino: " + /** @type {Error} */ (e).message.split(". ")[0]);
  process.exit(2);
}
if (opts.values.help) {
  console.log(HELP);
  process.exit(0);
}
const tsPatterns = opts.values.ts ?? [];
const bundles = opts.values.bundle ?? [];
const custom = tsPatterns.length > 0 || bundles.length > 0;
const tsFiles = [...new Set((custom ? tsPatterns : ["firmware/**/*.ts"]).flatMap((p) => expandGlob(p)))];
const bundleFiles = custom ? bundles : ["dist/firmware.js", "dist/firmware.min.js", "dist/firmware-core.min.js"];
if (tsPatterns.length > 0 && tsFiles.length === 0) {
  console.error("check-espruino: no TypeScript files match " + tsPatterns.join(", "));
  process.exit(2);
}

const findings = [...checkTypeScript(tsFiles), ...bundleFiles.flatMap((b) => checkBundle(b))];
for (const f of findings) console.log(formatFinding(f));
const n = findings.length;
console.log(
  `dialect gate: ${n} problem${n === 1 ? "" : "s"} in ${tsFiles.length} TypeScript file${tsFiles.length === 1 ? "" : "s"} and ` +
    `${bundleFiles.length} bundle${bundleFiles.length === 1 ? "" : "s"}`,
);
process.exit(n > 0 ? 1 : 0);
