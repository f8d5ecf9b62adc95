// Layer 2 (bundles): a `var` read before its `var` statement has certainly run. Espruino does not hoist `var`: such a
// read resolves to an OUTER variable of the same name (minifiers reuse short names, so the value is silently wrong)
// or throws. Two cases, per function/program scope S (nested function bodies are not "straight-line code of S"):
//   1. a read of a var of S in S's own code (not inside a nested function) placed before S's first `var` of that name;
//   2. a call `f()` / `new f()` in S's own code, placed before S's first `var v`, where f is a function declared in S
//      (declaration or `var f = function`) whose body reads v, directly, in nested functions, or through further
//      functions of S that it calls or references (transitive).
// Positions are textual: code before the `var` statement in the same scope always runs before it at least once.

/** @typedef {import("eslint").Scope.Scope} Scope */
/** @typedef {import("eslint").Scope.Variable} Variable */
/** @typedef {import("eslint").Scope.Reference} Reference */

/** @param {Scope} scope @param {Reference[]} out */
function ownReferences(scope, out) {
  for (const r of scope.references) out.push(r);
  for (const c of scope.childScopes) if (c.type !== "function") ownReferences(c, out);
  return out;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "var read before its declaration has run" }, schema: [] },
  create(context) {
    const sourceCode = context.sourceCode;
    return {
      "Program:exit"() {
        const sm = sourceCode.scopeManager;
        if (!sm) return;
        for (const scope of sm.scopes) {
          if (scope.variableScope !== scope || (scope.type !== "function" && scope.type !== "global")) continue;
          /** @type {Map<Variable, number>} */
          const varPos = new Map();
          /** @type {Map<Variable, any>} */
          const fnOf = new Map();
          for (const v of scope.variables) {
            for (const d of v.defs) {
              const decl = /** @type {any} */ (d.parent);
              if (d.type === "Variable" && decl && decl.kind === "var") {
                const pos = /** @type {[number, number]} */ (d.name.range)[0];
                if (!varPos.has(v) || pos < /** @type {number} */ (varPos.get(v))) varPos.set(v, pos);
                const init = /** @type {any} */ (d.node).init;
                if (init && init.type === "FunctionExpression" && !fnOf.has(v)) fnOf.set(v, init);
              } else if (d.type === "FunctionName") fnOf.set(v, d.node);
            }
          }
          if (varPos.size === 0) continue;

          /** @type {Map<any, Map<Variable, string>>} */
          const memo = new Map();
          /**
           * Vars of `scope` read by the function `fn` (transitively), each with the call chain that reads it.
           * @param {any} fn @param {string} name @returns {Map<Variable, string>}
           */
          const readsOf = (fn, name) => {
            const known = memo.get(fn);
            if (known) return known;
            /** @type {Map<Variable, string>} */
            const out = new Map();
            memo.set(fn, out); // cycle guard
            const fnScope = sm.acquire(fn);
            if (!fnScope) return out;
            for (const r of fnScope.through) {
              const v = r.resolved;
              if (!v || v.scope !== scope) continue;
              if (varPos.has(v) && r.isRead() && !out.has(v)) out.set(v, name);
              const g = fnOf.get(v);
              if (g && g !== fn) {
                for (const [w, chain] of readsOf(g, v.name)) if (!out.has(w)) out.set(w, name + " -> " + chain);
              }
            }
            return out;
          };

          for (const r of ownReferences(scope, [])) {
            const v = r.resolved;
            if (!v || v.scope !== scope) continue;
            const at = /** @type {[number, number]} */ (r.identifier.range)[0];
            const declAt = varPos.get(v);
            if (declAt !== undefined && r.isRead() && at < declAt) {
              context.report({
                node: r.identifier,
                message:
                  `var '${v.name}' read before its \`var\` statement ran: Espruino does not hoist var, so this read ` +
                  "resolves to an outer variable of the same name (or fails); declare it first",
              });
            }
            const parent = /** @type {any} */ (r.identifier).parent;
            const fn = fnOf.get(v);
            if (!fn || !parent || (parent.type !== "CallExpression" && parent.type !== "NewExpression") || parent.callee !== r.identifier) continue;
            const late = [...readsOf(fn, v.name)].filter(([w]) => /** @type {number} */ (varPos.get(w)) > at);
            if (late.length === 0) continue;
            const [w, chain] = late[0];
            context.report({
              node: parent,
              message:
                `call to ${v.name}() before \`var ${w.name}\` has run (${chain} reads ${w.name}${late.length > 1 ? " and " + (late.length - 1) + " more" : ""}): ` +
                "Espruino does not hoist var, so the read resolves to an outer variable (or fails); move the call after the declarations",
            });
          }
        }
      },
    };
  },
};
export default rule;
