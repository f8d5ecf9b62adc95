// Layer 1: `arguments` inside a function that declares parameters.
// On Espruino arguments.length is max(declared, passed) and arguments is not aliased to the parameters.
/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "`arguments` in a function with declared parameters" }, schema: [] },
  create(context) {
    return {
      /** @param {any} node */
      Identifier(node) {
        if (node.name !== "arguments") return;
        const p = node.parent;
        if (p && p.type === "MemberExpression" && p.property === node && !p.computed) return;
        if (p && p.type === "Property" && p.key === node && !p.computed && !p.shorthand) return;
        let fn = p;
        while (fn && fn.type !== "FunctionDeclaration" && fn.type !== "FunctionExpression") fn = fn.parent;
        if (!fn || fn.params.length === 0) return;
        context.report({
          node,
          message:
            "`arguments` inside a function that declares parameters: on Espruino arguments.length is max(declared, passed) " +
            "and arguments is not aliased to the parameters; use the parameters (or a parameterless function)",
        });
      },
    };
  },
};
export default rule;
