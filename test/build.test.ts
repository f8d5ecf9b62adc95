// The build output: two self-contained ES5 IIFEs with the build version baked in.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import * as acorn from "acorn";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const bundles = ["dist/firmware.js", "dist/firmware.min.js"];

function gitSha(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short=10", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "nogit";
  }
}

describe("firmware bundles", () => {
  for (const file of bundles) {
    it(file + " is one self-contained ES5 IIFE", () => {
      const src = readFileSync(file, "utf8");
      const ast = acorn.parse(src, { ecmaVersion: 5, sourceType: "script" }) as unknown as {
        body: { type: string; expression?: { type: string; callee?: { type: string } } }[];
      };
      // exactly one top-level statement: the immediately invoked function
      expect(ast.body).toHaveLength(1);
      expect(ast.body[0].type).toBe("ExpressionStatement");
      expect(ast.body[0].expression?.type).toBe("CallExpression");
      expect(ast.body[0].expression?.callee?.type).toBe("FunctionExpression");
      // no module system, no strict mode, no tslib import left behind
      expect(src).not.toMatch(/\bimport\b|\bexports\b|\bmodule\.exports\b|"use strict"|require\("tslib"\)/);
      // requires only Espruino's built-in modules
      const required = [...src.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      for (const name of required) expect(["http", "Storage", "Wifi", "timer", "ESP32", "net"]).toContain(name);
    });

    it(file + " has the build version baked in", () => {
      const src = readFileSync(file, "utf8");
      const m = src.match(/"(\d+\.\d+\.\d+\+[0-9a-z]+(?:-dirty)?)"/);
      expect(m, "no version string in " + file).not.toBeNull();
      const version = (m as RegExpMatchArray)[1];
      expect(version.startsWith(pkg.version + "+")).toBe(true);
      expect(version.replace(/-dirty$/, "").split("+")[1]).toBe(gitSha());
      expect(src).not.toContain("__BUILD_VERSION__");
    });
  }

  it("writes a size report matching the files", () => {
    const info = JSON.parse(readFileSync("dist/build.json", "utf8"));
    for (const file of bundles) {
      const row = info.sizes.find((r: { file: string }) => r.file === file);
      expect(row.bytes).toBe(readFileSync(file).length);
    }
  });

  it("minification shrinks the bundle", () => {
    expect(readFileSync("dist/firmware.min.js").length).toBeLessThan(readFileSync("dist/firmware.js").length * 0.8);
  });
});
