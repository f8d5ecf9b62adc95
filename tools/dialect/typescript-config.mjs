// Layer 1 of the Espruino dialect gate: ESLint flat config for the firmware's TypeScript sources.
// Built-in rules (no-restricted-syntax/-globals/-properties) carry the messages; the "espruino" plugin does the rest.
// Constructs TypeScript downlevels correctly to ES5 without helpers (arrow functions, template literals without ${}, for-of over
// arrays, destructuring of arrays, default parameters, ?., ??, computed keys, enums) are allowed.
import tseslint from "typescript-eslint";
import plugin from "./plugin.mjs";

const WHY_HELPER = "TypeScript emits a tslib helper for it that fails on Espruino (no hoisting)";
const BUILTINS =
  "Array|Object|String|Number|Boolean|Function|Date|RegExp|Error|Promise|Math|JSON|ArrayBuffer|DataView|" +
  "Int8Array|Uint8Array|Uint8ClampedArray|Int16Array|Uint16Array|Int32Array|Uint32Array|Float32Array|Float64Array";

/** no-restricted-syntax entries: [selector, message]. @type {Array<[string, string]>} */
export const RESTRICTED_SYNTAX = [
  ["ClassDeclaration[superClass], ClassExpression[superClass]", `class extends: ${WHY_HELPER} (__extends runs before the constructor function is declared); use composition or a plain object`],
  ["SpreadElement", `spread (...x in a call, array, new or object literal): ${WHY_HELPER} (__spreadArray/__assign); use concat/apply/Object.assign`],
  ["RestElement", `rest parameter / rest element / object rest (...x): ${WHY_HELPER} (__rest) or arguments slicing that Espruino gets wrong; pass an array`],
  [":function[generator=true]", `generator function: ${WHY_HELPER} (__generator) and Espruino has no Symbol/iterator protocol`],
  [":function[async=true]", `async function: ${WHY_HELPER} (__awaiter/__generator); use Promise .then chains or callbacks`],
  ["AwaitExpression", `await: ${WHY_HELPER} (__awaiter/__generator); use Promise .then chains`],
  ["ForOfStatement[await=true]", `for await: ${WHY_HELPER} (__asyncValues) and needs Symbol.asyncIterator`],
  ["YieldExpression", `yield: ${WHY_HELPER} (__generator)`],
  ["LabeledStatement", "labeled statement (label: / break label / continue label): Espruino rejects labels; use a flag or a function with return"],
  ["BinaryExpression[operator='**']", "exponent operator **: Espruino rejects it (and Math.pow is inexact there: Math.pow(10,15) is off); multiply or use a table of integers"],
  ["AssignmentExpression[operator='**=']", "exponent assignment **=: Espruino rejects it; multiply explicitly"],
  ["TaggedTemplateExpression", "tagged template: Espruino rejects tagged templates and has no String.raw; call a function with a plain string"],
  ["Decorator", "decorator: TypeScript emits __decorate/__metadata, which use Reflect (missing on Espruino)"],
  ["VariableDeclaration[kind=/using/]", "using declaration: needs Symbol.dispose and tslib helpers (missing on Espruino)"],
  ["TemplateLiteral[expressions.length>0]", "template literal with ${...}: TypeScript's ES5 output is \"\".concat(...), and String.prototype.concat is not on the dialect's verified list; join with +"],
  ["CallExpression[callee.property.name='concat'][callee.object.type='Literal']", "string .concat(): not on the dialect's verified list for strings; join with +"],
  ["ImportExpression", "dynamic import(): the firmware is one IIFE bundle, Espruino has no module loader for it"],
  [`MemberExpression[object.name=/^(${BUILTINS})$/][property.name='prototype']`, "X.prototype of a built-in (e.g. Array.prototype.slice): X.prototype.method is undefined on Espruino; use [].slice.call(x) / ({}).hasOwnProperty.call(o, k)"],
  ["CallExpression[callee.type='MemberExpression'][callee.property.name=/^(keys|values|entries)$/][callee.object.name!='Object'][arguments.length=0]", "array/iterator .keys()/.values()/.entries(): missing on Espruino (no iterators); use Object.keys or an index loop"],
  ["CallExpression[callee.object.name='JSON'][callee.property.name='stringify'][arguments.length>=2]:not([arguments.1.raw='null'])", "JSON.stringify with a replacer: Espruino ignores the replacer; build the plain object first"],
  ["CallExpression[callee.object.name='JSON'][callee.property.name='parse'][arguments.length>=2]", "JSON.parse with a reviver: Espruino ignores the reviver; post-process the parsed value"],
  ["AssignmentExpression > MemberExpression.left[property.name='length']", "assignment to .length (arr.length = n): throws on Espruino; use splice(n) or build a new array"],
  ["CallExpression[callee.property.name='reduce'][arguments.length=1]", "reduce without an initial value: [].reduce(f) returns undefined on Espruino (and skips nothing); always pass the initial value"],
  ["CallExpression[callee.property.name='split'][arguments.length>=2]", "split with a limit: Espruino ignores the limit; slice the result instead"],
  ["CallExpression[callee.object.name='Object'][callee.property.name='create'][arguments.length>=2]", "Object.create with property descriptors: throws on Espruino; create, then assign properties"],
  ["CallExpression[callee.object.name='Object'][callee.property.name='create'][arguments.0.raw='null']", "Object.create(null): on Espruino the object still has the prototype methods ('toString' in o is true); use a plain {} with hasOwnProperty checks"],
  ["CallExpression[callee.object.name='Object'][callee.property.name=/^definePropert(y|ies)$/] Property[key.name='enumerable']", "Object.defineProperty with enumerable: Espruino ignores enumerable:false (the property still shows in for-in/keys)"],
  ["CallExpression[callee.property.name='replace'] > Literal.arguments[value=/\\$&/]", "\"$&\" in a replace() replacement: Espruino does not expand it; pass a function or concatenate"],
];

/** no-restricted-globals entries. @type {Array<{ name: string, message: string }>} */
export const RESTRICTED_GLOBALS = [
  ...["Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry"].map((name) => ({
    name,
    message: `${name} is missing on Espruino; use a plain object keyed by string (or arrays)`,
  })),
  { name: "Symbol", message: "Symbol is missing on Espruino (so there is no iterator protocol)" },
  { name: "Proxy", message: "Proxy is missing on Espruino" },
  { name: "Reflect", message: "Reflect is missing on Espruino" },
  { name: "BigInt", message: "BigInt is missing on Espruino; use integer doubles or split high/low words" },
  ...["RangeError", "TypeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError"].map((name) => ({
    name,
    message: `${name} is not a distinct type on Espruino (runtime errors are plain Error, errors have no .name); throw/check Error and a message or code`,
  })),
  { name: "queueMicrotask", message: "queueMicrotask is missing on Espruino; use setTimeout(fn, 0)" },
  { name: "setImmediate", message: "setImmediate is missing on Espruino; use setTimeout(fn, 0)" },
  { name: "clearImmediate", message: "clearImmediate is missing on Espruino" },
  { name: "TextEncoder", message: "TextEncoder is missing on Espruino (strings are bytes)" },
  { name: "TextDecoder", message: "TextDecoder is missing on Espruino (strings are bytes)" },
  { name: "encodeURI", message: "encodeURI is missing on Espruino; use encodeURIComponent" },
  { name: "decodeURI", message: "decodeURI is missing on Espruino" },
  { name: "module", message: "CommonJS module is missing on Espruino; the firmware is one IIFE (use ES imports, rollup bundles them)" },
  { name: "exports", message: "CommonJS exports is missing on Espruino; use ES exports (rollup bundles them)" },
  { name: "performance", message: "performance is missing on Espruino; use getTime() via firmware/platform.ts" },
  { name: "structuredClone", message: "structuredClone is missing on Espruino" },
];

/** @param {string} object @param {string[]} props @param {string} why */
const statics = (object, props, why) => props.map((property) => ({ object, property, message: `${object}.${property} ${why}` }));
const MISSING = "is missing on Espruino";

/** no-restricted-properties entries. @type {Array<{ object?: string, property: string, message: string }>} */
export const RESTRICTED_PROPERTIES = [
  ...statics("Array", ["from", "of"], `${MISSING}; use a loop or [].slice.call(x)`),
  ...statics("Object", ["freeze", "seal", "is", "hasOwn", "isFrozen", "isSealed", "preventExtensions", "fromEntries", "getOwnPropertySymbols"], `${MISSING}; use plain objects and ({}).hasOwnProperty.call(o, k)`),
  ...statics("Number", ["isNaN", "isFinite", "isInteger", "isSafeInteger", "parseFloat", "parseInt", "EPSILON", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER"], `${MISSING}; use the global isNaN/isFinite/parseInt/parseFloat, (x|0)===x or literal constants`),
  ...statics("Math", ["trunc", "log10", "log2", "log1p", "expm1", "fround", "hypot", "cbrt", "clz32", "imul", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"], `${MISSING} or inexact; use Math.floor/ceil, Math.log(x)/Math.LN10, integer math`),
  ...statics("Date", ["UTC"], `${MISSING}; compute epoch seconds with integer math`),
  ...statics("Promise", ["race", "allSettled", "any"], `${MISSING}; only new/resolve/reject/then/catch/all work`),
  ...statics("String", ["raw", "fromCodePoint"], `${MISSING}`),
  { object: "process", property: "exit", message: `process.exit ${MISSING}; there is nothing to exit to on a board` },
  ...[
    "lastIndexOf", "reduceRight", "flat", "flatMap", "at", "findLast", "findLastIndex", "copyWithin", "toPrecision",
    "toExponential", "toLocaleString", "trimStart", "trimEnd", "trimLeft", "trimRight", "codePointAt", "search",
    "matchAll", "localeCompare", "finally", "normalize", "replaceAll", "toSorted", "toReversed", "toSpliced", "with",
  ].map((property) => ({ property, message: `.${property}() ${MISSING} (as a method of any built-in); write a loop or use an ES5 method` })),
  { property: "toFixed", message: ".toFixed() exists on Espruino but never carries ((0.696).toFixed(2) is \"0.69\"); format with integer math (scale, Math.round, zero-pad)" },
];

/** The layer-1 rules, shared by the gate and the editor config (eslint.config.mjs). @type {import("eslint").Linter.RulesRecord} */
export const TYPESCRIPT_RULES = {
  "no-restricted-syntax": ["error", ...RESTRICTED_SYNTAX.map(([selector, message]) => ({ selector, message }))],
  "no-restricted-globals": ["error", ...RESTRICTED_GLOBALS],
  "no-restricted-properties": ["error", ...RESTRICTED_PROPERTIES],
  "espruino/no-loop-closure-capture": "error",
  "espruino/no-arguments-with-params": "error",
  "espruino/no-decimal-equality": "error",
  "espruino/no-unsupported-regexp": "error",
  "espruino/no-non-ascii-string": "error",
};

/**
 * Flat config for layer 1.
 * @param {string[]} [files] globs the config applies to
 * @returns {import("eslint").Linter.Config[]}
 */
export function typescriptConfig(files = ["**/*.ts"]) {
  return [
    {
      name: "espruino-dialect/typescript",
      files,
      languageOptions: {
        parser: /** @type {any} */ (tseslint.parser),
        ecmaVersion: "latest",
        sourceType: "module",
      },
      linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: "off" },
      plugins: { espruino: plugin },
      rules: TYPESCRIPT_RULES,
    },
  ];
}
