// The gate's CLI on the real firmware sources and dist bundles (must be clean), and on fixtures (must fail).
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "../..");
const cli = join(root, "tools/check-espruino.mjs");

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe("npm run check:espruino", () => {
  it("the firmware sources and the real dist bundles pass with 0 problems", () => {
    if (!existsSync(join(root, "dist/firmware.min.js.map"))) execFileSync("npm", ["run", "build", "--silent"], { cwd: root });
    const r = run([]);
    expect(r.out).toMatch(/^dialect gate: 0 problems in \d+ TypeScript files? and 3 bundles$/m);
    expect(r.status, r.out + r.err).toBe(0);
  });

  it("reports findings as path:line:col  rule-id  message (from file.ts:LINE) and exits 1", () => {
    const r = run(["--ts", "test/fixtures/dialect/ts/syntax.ts", "--bundle", "test/fixtures/dialect/js/for-function-init.js"]);
    expect(r.status).toBe(1);
    expect(r.out).toContain("test/fixtures/dialect/ts/syntax.ts:3:3  no-restricted-syntax  labeled statement");
    expect(r.out).toContain("test/fixtures/dialect/js/for-function-init.js:4:8  espruino/no-for-function-init  for(function...)");
    expect(r.out).toMatch(/dialect gate: \d+ problems in 1 TypeScript file and 1 bundle$/m);
  });

  it("accepts globs for --ts and reports a missing bundle", () => {
    const r = run(["--ts", "test/fixtures/dialect/ts/allowed*.ts", "--bundle", "test/fixtures/dialect/js/nope.js"]);
    expect(r.status).toBe(1);
    expect(r.out).toContain("nope.js:1:1  missing-bundle");
    expect(r.out).toContain("in 1 TypeScript file and 1 bundle");
  });
});
