// Builds a TypeScript fixture through the real firmware pipeline (rollup + @rollup/plugin-typescript with the
// firmware tsconfig + terser with TERSER_OPTIONS, optionally overridden) into a temp dir, with hidden source maps.
import { rollup, type Plugin } from "rollup";
import typescriptPlugin from "@rollup/plugin-typescript";
import terserPlugin from "@rollup/plugin-terser";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TERSER_OPTIONS } from "../../rollup.config.mjs";

// Both plugins are CommonJS-style default exports; under NodeNext typing their default import is the module object.
const typescript = typescriptPlugin as unknown as (options: object) => Plugin;
const terser = terserPlugin as unknown as (options: object) => Plugin;

export interface BuiltFixture {
  dir: string;
  readable: string;
  minified: string;
}

/** `compress` entries are merged over TERSER_OPTIONS.compress (to reproduce hazardous minifier settings). */
export async function buildFixture(entry: string, compress: Record<string, unknown> = {}): Promise<BuiltFixture> {
  const dir = mkdtempSync(join(tmpdir(), "dialect-"));
  // The firmware tsconfig, but compiling only the fixture (plus the Espruino declarations).
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({ extends: resolve("tsconfig.json"), compilerOptions: { outDir: dir, rootDir: resolve("."), typeRoots: [resolve("node_modules/@types")] }, include: [resolve(entry), resolve("firmware/espruino-env.d.ts")] }),
  );
  const bundle = await rollup({
    input: resolve(entry),
    plugins: [
      typescript({
        tsconfig,
        noEmitOnError: true,
        outDir: dir,
        sourceMap: true,
      }),
    ],
    onwarn(w) {
      throw new Error(w.message);
    },
  });
  const readable = join(dir, "fixture.js");
  const minified = join(dir, "fixture.min.js");
  const common = { format: "iife", strict: false, freeze: false, generatedCode: "es5", sourcemap: "hidden" } as const;
  try {
    await bundle.write({ ...common, file: readable });
    await bundle.write({
      ...common,
      file: minified,
      plugins: [terser({ ...TERSER_OPTIONS, compress: { ...TERSER_OPTIONS.compress, ...compress } })],
    });
  } finally {
    await bundle.close();
  }
  return { dir, readable, minified };
}
