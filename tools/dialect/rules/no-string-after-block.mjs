// Layer 2 (bundles): a string literal token right after the closing `}` of a block, e.g. `if(a){...}"x"!==b()`.
// Espruino's lexer bug: when the if/else/catch block was skipped, the string read right after it becomes "".
// Minifiers (terser `conditionals`, `lhs_constants`) produce such code. Checked for every block-like `}`:
// if/else/catch/try/finally/loop bodies, plain blocks, switch bodies and function declaration bodies.

/** @param {any} block */
function kindOf(block) {
  const p = block.parent;
  if (!p) return "block";
  switch (p.type) {
    case "IfStatement":
      return p.alternate === block ? "else block" : "if block";
    case "CatchClause":
      return "catch block";
    case "TryStatement":
      return p.finalizer === block ? "finally block" : "try block";
    case "FunctionDeclaration":
      return "function declaration body";
    case "ForStatement":
    case "ForInStatement":
    case "WhileStatement":
    case "DoWhileStatement":
      return "loop body";
    default:
      return "block";
  }
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "string literal right after a block's closing brace" }, schema: [] },
  create(context) {
    const sourceCode = context.sourceCode;
    /** @param {any} node @param {string} kind */
    function check(node, kind) {
      const close = sourceCode.getLastToken(node);
      if (!close || close.value !== "}") return;
      const next = sourceCode.getTokenAfter(close);
      if (!next || next.type !== "String") return;
      context.report({
        loc: next.loc,
        message:
          `string literal ${next.value.length > 20 ? next.value.slice(0, 17) + "..." : next.value} right after the closing } of ` +
          `a ${kind}: Espruino's lexer reads it as "" when the block was skipped (turn off terser conditionals/lhs_constants)`,
      });
    }
    return {
      /** @param {any} node */
      BlockStatement(node) {
        const p = node.parent;
        if (p && (p.type === "FunctionExpression" || p.type === "ArrowFunctionExpression")) return;
        check(node, kindOf(node));
      },
      /** @param {any} node */
      SwitchStatement(node) {
        check(node, "switch body");
      },
    };
  },
};
export default rule;
