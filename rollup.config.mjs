// Firmware bundle: TypeScript -> one self-contained ES5 IIFE, readable and minified.
// Each option is there for a measured Espruino hazard (docs/espruino-platform.md §1-§2; the comment on TERSER_OPTIONS says which).
import typescriptModule from "@rollup/plugin-typescript";
import terserModule from "@rollup/plugin-terser";
import { buildVersion } from "./tools/build-version.mjs";
import { semicolonBareReturns } from "./tools/build-plugins.mjs";
import { fileURLToPath } from "node:url";

// Both plugins ship CommonJS-style typings that NodeNext sees as namespaces; their default export is the factory.
const typescript = /** @type {(o: object) => import("rollup").Plugin} */ (/** @type {unknown} */ (typescriptModule));
const terser = /** @type {(o: object) => import("rollup").Plugin} */ (/** @type {unknown} */ (terserModule));

const VERSION = buildVersion();

/** Bakes the build version into firmware/build-info.ts. @returns {import("rollup").Plugin} */
function buildInfo() {
  return {
    name: "build-info",
    /** @param {string} code @param {string} id */
    transform(code, id) {
      if (!id.endsWith("firmware/build-info.ts")) return null;
      if (!code.includes("__BUILD_VERSION__")) this.error("firmware/build-info.ts lost its __BUILD_VERSION__ placeholder");
      return { code: code.replace("__BUILD_VERSION__", VERSION), map: null };
    },
  };
}

/**
 * terser settings proven byte-identical to Node on the real interpreter. Every compress transform is off
 * (defaults: false); hoist_funs works around Espruino's missing function hoisting. Transforms known to break
 * Espruino and why: conditionals/lhs_constants (string literal after a skipped block), inline>=2, unused,
 * sequences (for(function(){}…)), evaluate (respelled decimal literals), hoist_vars, booleans_as_integers, arguments.
 */
export const TERSER_OPTIONS = {
  ecma: 5,
  compress: { defaults: false, hoist_funs: true, keep_fargs: true },
  mangle: { properties: { regex: internalProperties(), keep_quoted: true } },
  format: { comments: false, ascii_only: true },
};

/**
 * Property names the minifier shortens: fields and methods that only the firmware's own code reads (sampler,
 * clocks, aggregator, clock watch, HTTP connections, registry internals). A property name longer than about 4
 * characters costs the board a JsVar per object that has it, and its bytes in flash (docs/design.md "Where the
 * device's JsVars go"). Never listed: anything Espruino, a user (the registry and metric API, collectors), a
 * Storage file (config and device-file keys) or a host tool (the runtime object's fields) reads by name. A test
 * that pokes at one of these goes through a hook of its fixture, built with the same names.
 */
function internalProperties() {
  const names = [
    // samplers.ts, tick-clock.ts
    "clocks", "clkLoss", "bufLen", "bufFns", "tickFn", "pending", "credit",
    // clock-watch.ts, sampling.ts
    "candRuns", "quietRuns", "stepRun", "rearmRun", "prevWall", "settled", "wsteps", "watchId", "watchSeen",
    "watchIdle", "watchRun", "watchFn", "startWatch", "hkId", "hkFn", "lastRearm", "isStalled", "stalledG",
    "nRestarts", "setLimits", "schedule", "lastVolts", "histBase",
    // aggregator.ts
    "closedFrom", "closedTo", "closedMin", "closedMax", "closedN", "openWin", "openMin", "openMax", "openN", "base0",
    "sumHi", "sumLo", "lastDrain", "winStart", "winEnd", "winMin", "winMax", "winCount", "closeWindow", "windowDue",
    // ring-buffer.ts, http-conn.ts, registry.ts, self-metrics.ts, storage-contract.ts
    "skipLapped", "uncount", "counted", "intern", "exempt", "scrapeSeconds", "wifiReconnects", "configValid",
    "authBroken", "badToken",
    // shorter or more common words, each checked against Espruino's API, the board profiles and the device file
    "missed", "period", "steps", "invalid", "waves", "armed", "bounds", "drain", "snapshot", "fold",
    "restarts", "watch", "check", "publish", "limit", "codes", "policy", "scrapes", "uptime", "flags", "settle",
    "commit", "forgive", "resync", "readings", "shared", "since",
  ];
  return new RegExp("^(?:" + names.join("|") + ")$");
}

/**
 * terser, then the `;` it drops after a bare `return` before `}` (Espruino cannot skip `return}`).
 * @param {Record<string, unknown>} [compress]  merged over TERSER_OPTIONS.compress
 */
export function minifyPlugins(compress = {}) {
  return [terser({ ...TERSER_OPTIONS, compress: { ...TERSER_OPTIONS.compress, ...compress } }), semicolonBareReturns()];
}

/**
 * Builds without the features a config leaves off: push mode (boot.ts gets firmware/runtime/push-off.ts in place of
 * push.ts) and the waveform sampler (firmware/sampling/waveform-off.ts in place of waveform.ts), so none of their
 * code is in the bundle. @returns {import("rollup").Plugin}
 */
function featuresOff() {
  return {
    name: "features-off",
    /** @param {string} source @param {string | undefined} importer */
    resolveId(source, importer) {
      if (source === "./push.js" && importer && importer.endsWith("firmware/runtime/boot.ts")) {
        return fileURLToPath(new URL("./firmware/runtime/push-off.ts", import.meta.url));
      }
      if (source === "./waveform.js" && importer && /firmware\/sampling\/[a-z-]+\.ts$/.test(importer)) {
        return fileURLToPath(new URL("./firmware/sampling/waveform-off.ts", import.meta.url));
      }
      return null;
    },
  };
}

/** A minified IIFE output. @param {string} file @returns {import("rollup").OutputOptions} */
function minified(file) {
  return { file, format: "iife", strict: false, freeze: false, generatedCode: "es5", sourcemap: "hidden", plugins: minifyPlugins() };
}

/** @type {import("rollup").RollupOptions} */
const full = {
  input: "firmware/main.ts",
  plugins: [buildInfo(), typescript({ tsconfig: "./tsconfig.json", noEmitOnError: true, outDir: "dist", sourceMap: true })],
  /** @param {import("rollup").RollupLog} warning @param {(w: import("rollup").RollupLog) => void} warn */
  onwarn(warning, warn) {
    // In an import cycle, one module's top-level code runs before the other's functions exist: fatal on Espruino.
    if (warning.code === "CIRCULAR_DEPENDENCY") throw new Error("firmware import cycle: " + warning.message);
    if (warning.code === "EVAL" || warning.code === "MISSING_EXPORT" || warning.code === "UNRESOLVED_IMPORT") {
      throw new Error(warning.message);
    }
    warn(warning);
  },
  output: [
    {
      file: "dist/firmware.js",
      format: "iife",
      strict: false,
      freeze: false,
      generatedCode: "es5",
      sourcemap: "hidden",
      banner: "/* espruino-telemetry " + VERSION + " */",
    },
    minified("dist/firmware.min.js"),
  ],
};

/**
 * The bundle `npm run flash` writes for a config without `push` whose sampler is not "waveform" (the features a
 * config leaves off stay off the device): the same firmware minus push mode and the waveform sampler.
 * @type {import("rollup").RollupOptions}
 */
const core = {
  ...full,
  plugins: [featuresOff(), buildInfo(), typescript({ tsconfig: "./tsconfig.json", noEmitOnError: true, outDir: "dist", sourceMap: true })],
  output: [minified("dist/firmware-core.min.js")],
};

export default [full, core];
