// Layer 2 of the Espruino dialect gate: ESLint flat config for the emitted ES5 bundles (dist/firmware.js, .min.js).
import plugin from "./plugin.mjs";

/**
 * no-use-before-define options, chosen for Espruino's missing hoisting:
 * - functions: true  - any reference to a function before its declaration is reported, also from inside another
 *   function body. Without hoisting a call before `function f` has executed is a ReferenceError; this also catches
 *   the tslib helpers' own bodies (__extends(B, _super) before `function B`, __generator's verb/step) and import
 *   cycles. It forbids forward references that would only be called later too: the price of a rule that is certain
 *   (bundle order = rollup module order; terser hoist_funs keeps it), and firmware code reads bottom-up anyway.
 * - variables: false - a var read from inside a function body declared earlier than the var is normal and safe
 *   when the function runs later (terser hoist_funs moves every function above the vars, so `true` would flag the
 *   whole minified bundle). Same-scope use before the `var` is still reported (ESLint keeps checking references in the
 *   same execution context), and espruino/no-var-before-declaration adds calls that run such functions too early.
 * - classes: true (no classes in ES5), allowNamedExports: false (no exports in an IIFE).
 */
export const NO_USE_BEFORE_DEFINE = { functions: true, classes: true, variables: false, allowNamedExports: false };

/** @type {import("eslint").Linter.RulesRecord} */
export const BUNDLE_RULES = {
  "no-use-before-define": ["error", NO_USE_BEFORE_DEFINE],
  "espruino/no-tslib-helpers": "error",
  "espruino/no-string-after-block": "error",
  "espruino/no-for-function-init": "error",
  "espruino/no-respelled-decimal": "error",
  "espruino/no-var-before-declaration": "error",
  "espruino/no-bare-return-before-brace": "error",
  "espruino/no-throwing-value-in-object-literal": "error",
};

/** Appended to built-in rule messages that do not say why the construct fails on Espruino. @type {Record<string, string>} */
export const EXPLAIN = {
  "no-use-before-define": " Espruino hoists neither function nor var declarations: using it before its declaration ran fails or reads an outer variable",
};

/**
 * Flat config for layer 2.
 * @param {((line: number, column: number) => { file: string, line: number, text: string } | null)} [sourceLine]
 *   maps a bundle position (1-based line, 0-based column) to the TypeScript line, for espruino/no-respelled-decimal
 * @returns {import("eslint").Linter.Config[]}
 */
export function bundleConfig(sourceLine) {
  return [
    {
      name: "espruino-dialect/bundle",
      files: ["**/*.js"],
      languageOptions: { ecmaVersion: 5, sourceType: "script" },
      linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: "off" },
      plugins: { espruino: plugin },
      settings: { espruino: { sourceLine } },
      rules: BUNDLE_RULES,
    },
  ];
}
