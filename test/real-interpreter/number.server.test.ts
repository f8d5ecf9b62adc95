// The exposition number formatters on the real interpreter: the minified firmware code prints every probe value
// exactly as the same code does in Node (the simulator), so the board's /metrics text is the tested text. The
// values reach the interpreter as their 64-bit patterns (integers), never as decimal literals, which Espruino
// parses inexactly.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interpreterPath } from "../../tools/espruino-linux.mjs";
import { fmtLe, fmtValue } from "../../firmware/exposition/number.js";
import { buildFixture, type BuiltFixture } from "../dialect/pipeline.js";
import { prng, randInt } from "../support/prng.js";
import { requireInterpreter } from "./interpreter.js";

const HAVE = requireInterpreter([16383]);

/** Probe values: what a board exposes (ADC volts, sums, uptimes, durations), every magnitude, edges. */
function probes(): number[] {
  const r = prng(20261207);
  const xs: number[] = [0, 1, -1, 0.1, 0.1 + 0.2, 1.37, -0.13, 2.5, 1e-4, 9.99999999999999e-5, 123456.5, 999999.5, 1e6,
    2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 1e15, 1e15 - 1, 41900236.1, 1 / 3, 2 / 3,
    Math.PI, Math.E, 1e-300, 1e300, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity];
  for (let i = 0; i < 600; i++) {
    // ADC-derived values: code * full scale / 4095, their sums over a window, and per-channel min/max
    const code = randInt(r, 4096);
    xs.push((code * 3.6) / 4095, (code * 3300) / 4095 / 1000, code * 0.000879120879120879 * randInt(r, 3000));
  }
  for (let i = 0; i < 600; i++) xs.push((r() - 0.5) * 10 ** (randInt(r, 40) - 20)); // every magnitude
  for (let i = 0; i < 300; i++) xs.push(randInt(r, 2 ** 21) * 2 ** 32 + randInt(r, 2 ** 32)); // integers up to 2^53
  for (let i = 0; i < 300; i++) xs.push(randInt(r, 1e7) / 10 ** randInt(r, 7)); // short decimals
  for (let i = 0; i < 200; i++) xs.push(getTimeLike(r)); // uptimes and durations: seconds with microseconds
  return xs;
}

function getTimeLike(r: () => number): number {
  return randInt(r, 1e6) + randInt(r, 1e6) / 1e6;
}

describe.skipIf(!HAVE)("number formatting on the real interpreter", () => {
  let built: BuiltFixture;
  let dir: string;
  beforeAll(async () => {
    built = await buildFixture("test/fixtures/firmware/number-probe.ts");
    dir = mkdtempSync(join(tmpdir(), "num-probe-"));
  });
  afterAll(() => {
    if (built) rmSync(built.dir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fmtValue and fmtLe print every probe value as in Node", () => {
    const xs = probes();
    // in batches: the script text and its array literal live in RAM while it runs
    const got: string[] = [];
    const bundle = readFileSync(built.minified, "utf8");
    for (let at = 0; at < xs.length; at += 400) {
      const words = new Uint32Array(new Float64Array(xs.slice(at, at + 400)).buffer);
      const script =
        bundle +
        ";\n(function(){var w=new Uint32Array([" + Array.from(words).join(",") + "]);var x=new Float64Array(w.buffer);" +
        'for(var i=0;i<x.length;i++)print("<<"+__fmt.value(x[i])+" "+__fmt.le(x[i])+">>");})();\nquit();\n';
      writeFileSync(join(dir, "probe.js"), script);
      const out = execFileSync(interpreterPath(16383), ["probe.js"], { cwd: dir, encoding: "latin1", input: "", timeout: 60000 });
      for (const m of out.matchAll(/<<([^>]*)>>/g)) got.push(m[1]);
    }
    expect(got.length).toBe(xs.length);
    const bad: string[] = [];
    xs.forEach((x, i) => {
      const want = fmtValue(x) + " " + fmtLe(x);
      if (got[i] !== want) bad.push(x + ": real " + got[i] + ", Node " + want);
    });
    expect(bad.slice(0, 10)).toEqual([]);
  });
});
