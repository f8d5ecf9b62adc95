// Layer 1: ==, ===, !=, !== (and switch cases) against a non-integer numeric literal.
// Espruino parses decimal literals inexactly (0.1+0.2===0.3 is true there), and tools may respell them.
const EQ = new Set(["==", "===", "!=", "!=="]);

/**
 * The non-integer numeric literal `node` is (possibly negated), or null.
 * @param {any} node
 * @returns {any}
 */
function decimalLiteral(node) {
  if (node && node.type === "UnaryExpression" && (node.operator === "-" || node.operator === "+")) node = node.argument;
  if (node && node.type === "Literal" && typeof node.value === "number" && !Number.isInteger(node.value) && Number.isFinite(node.value)) return node;
  return null;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "equality against a non-integer numeric literal" }, schema: [] },
  create(context) {
    /** @param {any} node @param {any} lit @param {string} op */
    function report(node, lit, op) {
      context.report({
        node,
        message:
          `'${op}' against the decimal literal ${lit.raw}: Espruino parses decimal literals inexactly (0.1+0.2===0.3 is true ` +
          "there) and minifiers may respell them; compare integers (scale first) or use a tolerance",
      });
    }
    return {
      /** @param {any} node */
      BinaryExpression(node) {
        if (!EQ.has(node.operator)) return;
        const lit = decimalLiteral(node.left) || decimalLiteral(node.right);
        if (lit) report(node, lit, node.operator);
      },
      /** @param {any} node */
      SwitchCase(node) {
        const lit = decimalLiteral(node.test);
        if (lit) report(node.test, lit, "case (===)");
      },
    };
  },
};
export default rule;
