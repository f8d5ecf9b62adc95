// Layer 1: a function or arrow created inside a loop that captures a `let`/`const` declared in that loop's head or body.
// Espruino's let/const in loops are not per-iteration: every closure sees the last value.
/** @typedef {import("eslint").Rule.RuleModule} RuleModule */

const LOOPS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);
const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/**
 * The loop whose per-iteration binding a let/const declaration would need, or null.
 * @param {any} decl VariableDeclaration
 * @returns {any}
 */
function loopOf(decl) {
  const p = decl.parent;
  if (p && p.type === "ForStatement" && p.init === decl) return p;
  if (p && (p.type === "ForInStatement" || p.type === "ForOfStatement") && p.left === decl) return p;
  for (let n = p; n; n = n.parent) {
    if (FUNCTIONS.has(n.type) || n.type === "Program") return null;
    if (LOOPS.has(n.type)) return n;
  }
  return null;
}

/** @type {RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "closures capturing a loop let/const (not per-iteration on Espruino)" },
    schema: [],
  },
  create(context) {
    const sourceCode = context.sourceCode;
    /** @param {any} node */
    function check(node) {
      const scope = sourceCode.getScope(node);
      /** @type {Set<unknown>} */
      const seen = new Set();
      for (const ref of scope.through) {
        const v = ref.resolved;
        if (!v || seen.has(v)) continue;
        const def = v.defs[0];
        if (!def || def.type !== "Variable") continue;
        const decl = /** @type {any} */ (def.parent);
        if (!decl || (decl.kind !== "let" && decl.kind !== "const")) continue;
        const loop = loopOf(decl);
        if (!loop) continue;
        seen.add(v);
        const what = node.type === "ArrowFunctionExpression" ? "arrow function" : "function";
        const loopKind = loop.type === "ForStatement" ? "for" : loop.type === "ForInStatement" ? "for-in" : loop.type === "ForOfStatement" ? "for-of" : loop.type === "WhileStatement" ? "while" : "do-while";
        context.report({
          node: ref.identifier,
          message:
            `closure (${what}) captures loop ${decl.kind} '${v.name}' of a ${loopKind} loop: Espruino's let/const are not ` +
            "per-iteration, so every closure sees the last value; pass the value as a parameter or build the closure in a helper function",
        });
      }
    }
    return { FunctionDeclaration: check, FunctionExpression: check, ArrowFunctionExpression: check };
  },
};
export default rule;
