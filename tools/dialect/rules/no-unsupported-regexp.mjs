// Layer 1: RegExp features outside Espruino's tiny matcher, in regex literals and RegExp("literal").
// Unsupported patterns do not throw on the board: they simply never match.

/**
 * Lists the features of `pattern`/`flags` that Espruino's matcher lacks.
 * @param {string} pattern
 * @param {string} flags
 * @returns {string[]}
 */
export function unsupportedRegExpFeatures(pattern, flags) {
  /** @type {Set<string>} */
  const out = new Set();
  for (const f of flags) if ("suyvd".includes(f)) out.add(`flag '${f}'`);
  let inClass = false;
  /** @type {"atom" | "group" | "quant" | null} */
  let prev = null;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (inClass) {
      if (c === "\\") i += 2;
      else {
        if (c === "]") inClass = false;
        i++;
      }
      continue;
    }
    if (c === "\\") {
      const n = pattern[i + 1] || "";
      if (n === "b" || n === "B") out.add(`word boundary \\${n}`);
      else if (/[1-9]/.test(n)) out.add(`backreference \\${n}`);
      else if (n === "k") out.add("named backreference \\k<>");
      i += 2;
      prev = "atom";
      continue;
    }
    if (c === "[") {
      inClass = true;
      prev = "atom";
      i++;
      continue;
    }
    if (c === "(") {
      if (pattern[i + 1] === "?") {
        const n2 = pattern[i + 2];
        if (n2 === ":") out.add("non-capturing group (?:");
        else if (n2 === "=" || n2 === "!") out.add(`lookahead (?${n2}`);
        else if (n2 === "<" && (pattern[i + 3] === "=" || pattern[i + 3] === "!")) out.add(`lookbehind (?<${pattern[i + 3]}`);
        else if (n2 === "<") out.add("named group (?<name>");
        else out.add("group modifier (?");
        i += 2;
      } else i++;
      prev = null;
      continue;
    }
    if (c === ")") {
      prev = "group";
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?" || c === "{") {
      let q = c;
      if (c === "{") {
        const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
        if (!m) {
          prev = "atom"; // a literal brace
          i++;
          continue;
        }
        q = m[0];
        out.add(`counted quantifier ${q}`);
      }
      if (c === "?" && prev === "quant") out.add("lazy quantifier (*? +? ?? {}?)");
      else if (c === "?") out.add("? quantifier");
      if (prev === "group") out.add(`quantifier ${q} after a group`);
      prev = "quant";
      i += q.length;
      continue;
    }
    prev = c === "|" || c === "^" || c === "$" ? null : "atom";
    i++;
  }
  return [...out];
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "RegExp features Espruino's matcher lacks" }, schema: [] },
  create(context) {
    /** @param {any} node @param {string} pattern @param {string} flags */
    function check(node, pattern, flags) {
      const bad = unsupportedRegExpFeatures(pattern, flags);
      if (bad.length === 0) return;
      context.report({
        node,
        message:
          `RegExp /${pattern.length > 40 ? pattern.slice(0, 37) + "..." : pattern}/${flags} uses ${bad.join(", ")}: ` +
          "Espruino's tiny regex matcher lacks these and the pattern silently never matches; use character loops",
      });
    }
    /** @param {any} node */
    function ctor(node) {
      if (node.callee.type !== "Identifier" || node.callee.name !== "RegExp") return;
      const [p, f] = node.arguments;
      if (!p || p.type !== "Literal" || typeof p.value !== "string") return;
      const flags = f && f.type === "Literal" && typeof f.value === "string" ? f.value : "";
      check(node, p.value, flags);
    }
    return {
      /** @param {any} node */
      Literal(node) {
        if (node.regex) check(node, node.regex.pattern, node.regex.flags);
      },
      NewExpression: ctor,
      CallExpression: ctor,
    };
  },
};
export default rule;
