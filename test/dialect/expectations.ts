// Reads `// expect: rule-id message-fragment` annotations from a fixture file and compares them with findings.
import { readFileSync } from "node:fs";

export interface Expectation {
  line: number;
  ruleId: string;
  fragment: string;
}

export interface FindingLike {
  line: number;
  ruleId: string;
  message: string;
}

/** Every `expect: RULE FRAGMENT` (or `expect-js:` / `expect-min:` when `tag` says so) in the file, with its 1-based line. */
export function readExpectations(file: string, tag = "expect"): Expectation[] {
  const out: Expectation[] = [];
  const re = new RegExp("\\b" + tag + ": (\\S+) (.*?)(?=\\s*//\\s*expect(?:-\\w+)?:|$)", "g");
  readFileSync(file, "utf8")
    .split(/\r?\n/)
    .forEach((text, i) => {
      for (const m of text.matchAll(re)) out.push({ line: i + 1, ruleId: m[1], fragment: m[2].trim() });
    });
  return out;
}

/**
 * Human-readable differences: expectations with no matching finding (same line and rule, message containing the
 * fragment) and findings no expectation accounts for. Empty when they agree.
 */
export function compare(expected: Expectation[], found: FindingLike[]): string[] {
  const left = [...found];
  const problems: string[] = [];
  for (const e of expected) {
    const i = left.findIndex((f) => f.line === e.line && f.ruleId === e.ruleId && f.message.includes(e.fragment));
    if (i < 0) {
      const near = found.filter((f) => f.line === e.line).map((f) => `${f.ruleId}: ${f.message}`);
      problems.push(`missing line ${e.line} ${e.ruleId} "${e.fragment}"` + (near.length ? ` (on that line: ${near.join(" | ")})` : ""));
    } else left.splice(i, 1);
  }
  for (const f of left) problems.push(`unexpected line ${f.line} ${f.ruleId} ${f.message}`);
  return problems;
}
