// Layer 1 of the dialect gate: every TypeScript fixture yields exactly the findings its `// expect:` comments list.
import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { checkTypeScript } from "../../tools/dialect/gate.mjs";
import { TYPESCRIPT_RULES, RESTRICTED_SYNTAX, RESTRICTED_GLOBALS, RESTRICTED_PROPERTIES } from "../../tools/dialect/typescript-config.mjs";
import { compare, readExpectations } from "./expectations.js";

const dir = join(import.meta.dirname, "../fixtures/dialect/ts");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();

describe("dialect gate, layer 1 (TypeScript sources)", () => {
  it.each(fixtures)("%s: findings match the expect comments", (name) => {
    const file = join(dir, name);
    expect(compare(readExpectations(file), checkTypeScript([file]))).toEqual([]);
  });

  it("allowed.ts and bundle-hazards.ts expect nothing from layer 1", () => {
    expect(fixtures).toContain("allowed.ts");
    for (const f of ["allowed.ts", "bundle-hazards.ts"]) expect(readExpectations(join(dir, f))).toEqual([]);
  });

  it("every layer-1 rule and every restricted entry has a fixture that fires it", () => {
    const all = fixtures.flatMap((f) => readExpectations(join(dir, f)));
    const ruleIds = new Set(all.map((e) => e.ruleId));
    for (const id of Object.keys(TYPESCRIPT_RULES)) expect(ruleIds, id).toContain(id);
    const findings = fixtures.flatMap((f) => checkTypeScript([join(dir, f)]));
    const messages = findings.map((f) => f.message);
    for (const [selector, message] of RESTRICTED_SYNTAX) expect(messages, selector).toContain(message);
    const globals = findings.filter((f) => f.ruleId === "no-restricted-globals").map((f) => f.message);
    const briefGlobals = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt", "RangeError", "TypeError", "queueMicrotask", "setImmediate", "TextEncoder", "TextDecoder", "encodeURI", "decodeURI", "module", "exports"];
    for (const name of briefGlobals) {
      const entry = RESTRICTED_GLOBALS.find((g) => g.name === name);
      expect(entry, name).toBeDefined();
      expect(globals.some((m) => m.includes("'" + name + "'") && m.includes(entry!.message)), name).toBe(true);
    }
    // Entries beyond the brief's list are extras without their own fixture line; everything else must fire.
    const EXTRA = /^(isFrozen|isSealed|preventExtensions|fromEntries|getOwnPropertySymbols|isSafeInteger|MIN_SAFE_INTEGER|log1p|expm1|asinh|acosh|atanh|fromCodePoint|findLastIndex|trimLeft|trimRight|normalize|replaceAll|toSorted|toReversed|toSpliced|with)$/;
    const props = findings.filter((f) => f.ruleId === "no-restricted-properties").map((f) => f.message);
    for (const p of RESTRICTED_PROPERTIES.filter((q) => !EXTRA.test(q.property))) {
      const name = (p.object ? p.object + "." : "") + p.property;
      expect(props.some((m) => m.includes("'" + name + "'") && m.includes(p.message)), name).toBe(true);
    }
  });
});
