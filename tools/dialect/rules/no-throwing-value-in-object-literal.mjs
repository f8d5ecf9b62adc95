// Layer 2 (bundles): inside a `try` block, a call or a property read as the value of an object literal property
// that is not the last one, e.g. `try { return {v: JSON.parse(t), ok: true} } catch (e) {}` or `{v: u.z, w: 2}`
// with `u` undefined. Espruino 2v29 does not catch an exception thrown there: after it, the parser trips on the
// properties that follow and the error escapes as "Uncaught" (measured on the real interpreter; the same value as
// the last property, in an array element or a function argument, or computed into a `var` first, is caught).
// Reads of `this.x` are not flagged (`this` is always an object).

/** @param {any} node */
function hasCall(node) {
  let found = false;
  /** @param {any} n */
  const visit = (n) => {
    if (found || !n || typeof n.type !== "string") return;
    if (n.type === "CallExpression" || n.type === "NewExpression" || (n.type === "MemberExpression" && n.object.type !== "ThisExpression")) {
      found = true;
      return;
    }
    if (n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression") return;
    for (const k of Object.keys(n)) {
      if (k === "parent") continue;
      const v = n[k];
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v.type === "string") visit(v);
    }
  };
  visit(node);
  return found;
}

/** @param {any} node */
function insideTryBlock(node) {
  for (let p = node.parent, c = node; p; c = p, p = p.parent) {
    if (p.type === "FunctionDeclaration" || p.type === "FunctionExpression" || p.type === "ArrowFunctionExpression") return false;
    if (p.type === "TryStatement" && p.block === c) return true;
  }
  return false;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "call or property read as a non-last object literal property value inside try" }, schema: [] },
  create(context) {
    return {
      /** @param {any} node */
      ObjectExpression(node) {
        const props = node.properties;
        for (let i = 0; i < props.length - 1; i++) {
          if (!hasCall(props[i].value) || !insideTryBlock(node)) continue;
          context.report({
            node: props[i].value,
            message:
              "a call or property read as an object literal property value followed by more properties, inside try: Espruino does not catch " +
              "what it throws (\"Uncaught\"); compute it into a var first or make it the last property",
          });
        }
      },
    };
  },
};
export default rule;
