// Layer 2 (bundles): `for(function(){...}(), ...;;)`: a for-init that starts with a function expression.
// A syntax error on Espruino (reached lazily, so the bundle still loads). terser `sequences` produces it.
/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "for-init starting with a function expression" }, schema: [] },
  create(context) {
    const sourceCode = context.sourceCode;
    return {
      /** @param {any} node */
      ForStatement(node) {
        if (!node.init) return;
        const open = sourceCode.getFirstToken(node, { skip: 1 }); // the "(" after "for"
        const first = open && sourceCode.getTokenAfter(open);
        if (!first || first.value !== "function") return;
        context.report({
          loc: first.loc,
          message:
            "for(function...): a for-init that starts with a function expression is a syntax error on Espruino " +
            "(found only when reached); turn off terser `sequences`",
        });
      },
    };
  },
};
export default rule;
