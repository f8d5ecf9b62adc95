// The README's benchmark figures are generated from bench/results.json (bench/figures.mjs), never typed: the block
// between the markers must be exactly what the generator makes of the last full run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEGIN, END, loadResults, renderFigures } from "../../bench/figures.mjs";
import { ROOT } from "../sim/helpers.js";

describe("README benchmark figures", () => {
  it("are bench/results.json's, as `npm run figures` writes them", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const a = readme.indexOf(BEGIN);
    const b = readme.indexOf(END);
    expect(a, "README.md lost its bench-figures markers").toBeGreaterThanOrEqual(0);
    const block = readme.slice(a, b + END.length);
    const want = renderFigures(loadResults());
    if (block !== want) {
      const got = block.split("\n");
      const exp = want.split("\n");
      const i = exp.findIndex((l, k) => l !== got[k]);
      expect.fail("README.md's benchmark block differs from bench/results.json (run `npm run figures`); first difference at line " + (i + 1) + ":\n  README:    " + got[i] + "\n  generated: " + exp[i]);
    }
  });

  it("results.json is a full run that includes the real interpreter", () => {
    const r = loadResults();
    expect(r.quick).toBe(false);
    expect(r.only).toBe(null);
    // measured on the real interpreter: callgrind rows with values (a run without it writes only status rows)
    const measured = r.rows.filter((x: { suite: string; metric: string; value: number; status?: string }) => x.suite === "real" && /callgrind/.test(x.metric) && Number.isFinite(x.value) && !x.status);
    expect(measured.length).toBeGreaterThan(5);
  });
});
