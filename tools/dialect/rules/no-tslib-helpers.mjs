// Layer 2 (bundles): tslib/TypeScript helpers that fail on Espruino. By name in the readable bundle, and by
// fingerprints that survive minification (error strings, `Symbol`, `Object.getOwnPropertySymbols`) in the minified one.

/** @type {Record<string, string>} */
export const HELPERS = {
  __extends: "class extends; calls __extends(B, _super) before `function B` is declared (no hoisting on Espruino)",
  __spreadArray: "spread; uses Array.prototype.slice (undefined on Espruino) and a var read before it runs",
  __spread: "spread with downlevelIteration; needs Symbol.iterator",
  __spreadArrays: "spread; relies on arguments and hoisting",
  __generator: "generators/async; calls inner functions before their declarations (no hoisting)",
  __awaiter: "async/await; needs __generator and Promise machinery",
  __rest: "object rest; uses Object.prototype.propertyIsEnumerable/getOwnPropertySymbols (undefined on Espruino)",
  __values: "for-of with downlevelIteration; needs Symbol.iterator (no Symbol on Espruino)",
  __read: "destructuring with downlevelIteration; needs Symbol.iterator (no Symbol on Espruino)",
  __assign:
    "object spread; its fallback uses Object.prototype.hasOwnProperty.call (undefined on Espruino) and `arguments` with a declared parameter - use Object.assign directly",
  __asyncValues: "for await; needs Symbol.asyncIterator",
  __await: "async generators",
  __asyncGenerator: "async generators; needs Symbol.asyncIterator",
  __asyncDelegator: "async generators",
  __decorate: "decorators; uses Reflect (missing on Espruino)",
  __metadata: "decorator metadata; uses Reflect (missing on Espruino)",
  __param: "parameter decorators",
  __esDecorate: "ES decorators",
  __runInitializers: "ES decorators",
  __addDisposableResource: "`using` declarations; needs Symbol.dispose",
  __disposeResources: "`using` declarations; needs SuppressedError/Symbol",
};

/** Strings and members that stay visible after minification. @type {Array<[RegExp, string]>} */
const FINGERPRINTS = [
  [/^Class extends value /, "__extends"],
  [/^Generator is already executing/, "__generator"],
  [/^Symbol\.iterator is not defined/, "__values"],
  [/^Symbol\.asyncIterator is not defined/, "__asyncValues"],
  [/^Object expected\.$/, "__addDisposableResource"],
];

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "tslib helpers that fail on Espruino" }, schema: [] },
  create(context) {
    /** @type {Array<[number, number]>} */
    const helperRanges = [];
    /** @param {any} node */
    const insideHelper = (node) => helperRanges.some(([a, b]) => node.range[0] >= a && node.range[1] <= b);
    /** @param {any} node @param {string} name @param {string} how */
    function report(node, name, how) {
      context.report({ node, message: `tslib helper ${name}${how} (${HELPERS[name]}): it fails on Espruino; remove the TypeScript construct that needs it` });
    }
    /** @param {any} node @param {any} id */
    function declared(node, id) {
      if (!id || id.type !== "Identifier" || !Object.prototype.hasOwnProperty.call(HELPERS, id.name)) return;
      helperRanges.push(node.range);
      report(id, id.name, "");
    }
    return {
      /** @param {any} node */
      VariableDeclarator(node) {
        declared(node, node.id);
      },
      /** @param {any} node */
      FunctionDeclaration(node) {
        declared(node, node.id);
      },
      /** @param {any} node */
      Literal(node) {
        if (typeof node.value !== "string" || insideHelper(node)) return;
        for (const [re, name] of FINGERPRINTS) if (re.test(node.value)) report(node, name, " (recognised by its code)");
      },
      /** @param {any} node */
      Identifier(node) {
        if (node.name !== "Symbol" || insideHelper(node)) return;
        const p = node.parent;
        if (p && p.type === "MemberExpression" && p.property === node && !p.computed) return;
        if (p && p.type === "Property" && p.key === node) return;
        context.report({
          node,
          message: "Symbol used in the bundle (tslib __values/__read/__spread iterator protocol): Espruino has no Symbol",
        });
      },
      /** @param {any} node */
      MemberExpression(node) {
        if (insideHelper(node) || node.computed) return;
        if (node.object.type === "Identifier" && node.object.name === "Object" && node.property.name === "getOwnPropertySymbols") {
          report(node, "__rest", " (recognised by Object.getOwnPropertySymbols)");
        }
        const o = node.object;
        if (o.type === "MemberExpression" && !o.computed && o.object.type === "Identifier" && o.object.name === "Array" &&
            o.property.name === "prototype" && node.property.name === "slice") {
          report(node, "__spreadArray", " (recognised by Array.prototype.slice)");
        }
      },
    };
  },
};
export default rule;
