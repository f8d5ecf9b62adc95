// Layer 2 of the dialect gate (emitted ES5 bundles): hand-written JS fixtures with `// expect:` comments, and TS
// fixtures built through the real rollup + TypeScript + terser pipeline, whose findings must map back to the TS lines.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkBundle } from "../../tools/dialect/gate.mjs";
import { BUNDLE_RULES } from "../../tools/dialect/bundle-config.mjs";
import { compare, readExpectations, type Expectation } from "./expectations.js";
import { buildFixture } from "./pipeline.js";

const jsDir = join(import.meta.dirname, "../fixtures/dialect/js");
const tsDir = join(import.meta.dirname, "../fixtures/dialect/ts");
const jsFixtures = readdirSync(jsDir).filter((f) => f.endsWith(".js")).sort();

describe("dialect gate, layer 2 (bundles)", () => {
  it.each(jsFixtures)("%s: findings match the expect comments", (name) => {
    const file = join(jsDir, name);
    const found = checkBundle(file);
    expect(compare(readExpectations(file), found)).toEqual([]);
    for (const f of found) expect(f.source).toBeUndefined(); // no source map next to hand-written fixtures
  });

  it("every bundle rule (and the ES5 parse) has a fixture that fires it", () => {
    const ids = new Set(jsFixtures.flatMap((f) => readExpectations(join(jsDir, f))).map((e) => e.ruleId));
    for (const id of [...Object.keys(BUNDLE_RULES), "es5-syntax"]) expect(ids, id).toContain(id);
  });

  it("bundle-hazards.ts through the real pipeline: findings map to the TypeScript lines", async () => {
    const entry = join(tsDir, "bundle-hazards.ts");
    // terser `evaluate` on, as a bad minifier config would have it (folds 7/10000 into 7e-4)
    const built = await buildFixture(entry, { evaluate: true });
    try {
      for (const [bundle, tag] of [
        [built.readable, "expect-js"],
        [built.minified, "expect-min"],
      ] as const) {
        const expected: Expectation[] = readExpectations(entry, tag);
        expect(expected.length).toBeGreaterThan(0);
        const found = checkBundle(bundle);
        for (const f of found) expect(f.source?.file, f.message).toBe("test/fixtures/dialect/ts/bundle-hazards.ts");
        const mapped = found.map((f) => ({ line: f.source!.line, ruleId: f.ruleId, message: f.message }));
        expect(compare(expected, mapped), tag).toEqual([]);
      }
    } finally {
      rmSync(built.dir, { recursive: true, force: true });
    }
  });

  it("allowed.ts through the real pipeline (TERSER_OPTIONS) passes layer 2", async () => {
    const built = await buildFixture(join(tsDir, "allowed.ts"));
    try {
      expect([...checkBundle(built.readable), ...checkBundle(built.minified)]).toEqual([]);
      // terser drops the `;` of lookup()'s final bare `return;`; the build's semicolonBareReturns puts it back.
      const min = readFileSync(built.minified, "utf8");
      expect(min).toMatch(/return;\}/);
      expect(min).not.toMatch(/return\}/);
    } finally {
      rmSync(built.dir, { recursive: true, force: true });
    }
  });
});
