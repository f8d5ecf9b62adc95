// The config validators and the device-file writer (config/*.ts) for plain Node without a TS loader: each
// module is transpiled in memory with the project's `typescript` (transpileModule, CommonJS, no type check) and
// linked with a tiny require(). Used by the flash tool, the simulator's provisioning and the tests, so there is
// one validator and no second build artifact to keep in sync.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 as zlibCrc32 } from "node:zlib";
import ts from "typescript";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * CRC-32 (IEEE) as Espruino's E.CRC32 computes it: of a string's byte characters (char codes & 255), or of bytes.
 * @param {string | Uint8Array} data
 * @returns {number} unsigned 32-bit
 */
export function crc32(data) {
  return zlibCrc32(typeof data === "string" ? Buffer.from(data, "latin1") : data);
}

/**
 * @typedef {object} Validators
 * @property {(input: unknown) => { profile: any, errors: string[] }} validateBoardProfile
 * @property {(input: unknown, profile: any) => { config: any, errors: string[], jsVars: number }} validateDeviceConfig
 * @property {(s: string) => number} versionNumber
 * @property {(profileIn: unknown, configIn: unknown) => {text: string | null, errors: string[], profile: any,
 *   config: any, jsVars: number}} compileDevice  validates both and writes the device file (config/device-file.ts)
 * @property {string} DEVICE_FILE
 */

/** @type {Map<string, Validators>} */
const cache = new Map();

/**
 * @param {string} [root] project root (holds config/); this checkout's by default
 * @returns {Validators}
 */
export function loadValidators(root = ROOT) {
  const hit = cache.get(root);
  if (hit) return hit;
  const dir = join(root, "config");
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
  const df = load("./device-file.js");
  const compile = /** @type {(p: unknown, c: unknown, crc: (s: string) => number) => any} */ (df.compileDevice);
  const v = /** @type {Validators} */ ({
    validateBoardProfile: bp.validateBoardProfile,
    validateDeviceConfig: dc.validateDeviceConfig,
    versionNumber: ck.versionNumber,
    compileDevice: (/** @type {unknown} */ p, /** @type {unknown} */ c) => compile(p, c, crc32),
    DEVICE_FILE: df.DEVICE_FILE,
  });
  cache.set(root, v);
  return v;
}
