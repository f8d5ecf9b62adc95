// Builds any firmware-dialect TypeScript entry (a test or benchmark fixture) through the real firmware pipeline:
// rollup + @rollup/plugin-typescript with the firmware tsconfig + terser with TERSER_OPTIONS (optionally with
// compress overrides, to reproduce hazardous minifier settings), into a temp dir, with hidden source maps.
import { rollup } from "rollup";
import typescriptModule from "@rollup/plugin-typescript";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { minifyPlugins } from "../rollup.config.mjs";

// The plugin ships CommonJS-style typings that NodeNext sees as a namespace; its default export is the factory.
const typescript = /** @type {(o: object) => import("rollup").Plugin} */ (/** @type {unknown} */ (typescriptModule));

/**
 * @typedef {object} BuiltEntry
 * @property {string} dir       the temp dir holding both bundles and their maps
 * @property {string} readable  path of the readable bundle
 * @property {string} minified  path of the minified bundle
 */

/**
 * @param {string} entry  path of the TypeScript entry (relative to the repo root or absolute)
 * @param {Record<string, unknown>} [compress]  merged over TERSER_OPTIONS.compress
 * @returns {Promise<BuiltEntry>}
 */
export async function buildEntry(entry, compress = {}) {
  const dir = mkdtempSync(join(tmpdir(), "fw-entry-"));
  // The firmware tsconfig, but compiling only the entry (plus the Espruino declarations).
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: resolve("tsconfig.json"),
      // sourceRoot: absolute, so the TypeScript maps' sources do not depend on where the temp dir sits relative to
      // the checkout (relative sources were resolved against the .ts file's directory and broke in deep checkouts).
      compilerOptions: {
        outDir: dir,
        rootDir: resolve("."),
        sourceRoot: resolve("."),
        typeRoots: [resolve("node_modules/@types")],
      },
      include: [resolve(entry), resolve("firmware/espruino-env.d.ts")],
    }),
  );
  const bundle = await rollup({
    input: resolve(entry),
    plugins: [typescript({ tsconfig, noEmitOnError: true, outDir: dir, sourceMap: true })],
    onwarn(w) {
      throw new Error(w.message);
    },
  });
  const readable = join(dir, "fixture.js");
  const minified = join(dir, "fixture.min.js");
  /** @type {import("rollup").OutputOptions} */
  const common = { format: "iife", strict: false, freeze: false, generatedCode: "es5", sourcemap: "hidden" };
  try {
    await bundle.write({ ...common, file: readable });
    await bundle.write({
      ...common,
      file: minified,
      plugins: minifyPlugins(compress),
    });
  } finally {
    await bundle.close();
  }
  return { dir, readable, minified };
}
