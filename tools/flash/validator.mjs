// The firmware's own config validators (firmware/config/*.ts), loaded into plain Node without a TS loader:
// each module is transpiled in memory with the project's `typescript` (transpileModule, CommonJS, no type check)
// and linked with a tiny require(). The flash tool therefore checks a config with exactly the code the board
// runs, and there is no second build artifact to keep in sync.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/**
 * @typedef {object} Validators
 * @property {(input: unknown) => { profile: any, errors: string[] }} validateBoardProfile
 * @property {(input: unknown, profile: any) => { config: any, errors: string[], jsVars: number }} validateDeviceConfig
 * @property {(s: string) => number} versionNumber
 */

/** @type {Map<string, Validators>} */
const cache = new Map();

/**
 * @param {string} root project root (holds firmware/config)
 * @returns {Validators}
 */
export function loadValidators(root) {
  const hit = cache.get(root);
  if (hit) return hit;
  const dir = join(root, "firmware", "config");
  /** @type {Map<string, Record<string, unknown>>} */
  const modules = new Map();
  /** @param {string} name e.g. "./check.js" @returns {Record<string, unknown>} */
  const load = (name) => {
    const base = name.replace(/^\.\//, "").replace(/\.js$/, "");
    const done = modules.get(base);
    if (done) return done;
    const src = readFileSync(join(dir, base + ".ts"), "utf8");
    const out = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: false },
      fileName: base + ".ts",
    }).outputText;
    /** @type {Record<string, unknown>} */
    const exports = {};
    modules.set(base, exports);
    const fn = new Function("exports", "require", "module", out);
    fn(exports, (/** @type {string} */ n) => load(n), { exports });
    return exports;
  };
  const bp = load("./board-profile.js");
  const dc = load("./device-config.js");
  const ck = load("./check.js");
  const v = /** @type {Validators} */ ({
    validateBoardProfile: bp.validateBoardProfile,
    validateDeviceConfig: dc.validateDeviceConfig,
    versionNumber: ck.versionNumber,
  });
  cache.set(root, v);
  return v;
}
