// Layer 2 (bundles): a `return` without a value and without `;`, directly followed by `}`, e.g. `if(a)return}`.
// Espruino's parser fails with "Unexpected end of Input" when it skips such a return (the branch not taken);
// terser drops the `;` before `}`. The build adds it back (tools/build-plugins.mjs semicolonBareReturns).

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "bare return directly followed by }" }, schema: [] },
  create(context) {
    const sourceCode = context.sourceCode;
    return {
      /** @param {any} node */
      ReturnStatement(node) {
        if (node.argument) return;
        const last = sourceCode.getLastToken(node);
        if (last && last.value === ";") return;
        const next = sourceCode.getTokenAfter(node);
        if (!next || next.value !== "}") return;
        context.report({
          node,
          message: "bare `return` directly followed by `}`: Espruino fails with \"Unexpected end of Input\" when it skips it (write `return;`)",
        });
      },
    };
  },
};
export default rule;
