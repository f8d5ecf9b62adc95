// The local ESLint plugin "espruino": custom rules for Espruino dialect hazards that built-in rules cannot express.
// Layer 1 (TypeScript sources) and layer 2 (emitted ES5 bundles) each use a subset; see typescript-config.mjs and
// bundle-config.mjs.
import noLoopClosureCapture from "./rules/no-loop-closure-capture.mjs";
import noArgumentsWithParams from "./rules/no-arguments-with-params.mjs";
import noDecimalEquality from "./rules/no-decimal-equality.mjs";
import noNonAsciiString from "./rules/no-non-ascii-string.mjs";
import noUnsupportedRegexp from "./rules/no-unsupported-regexp.mjs";
import noStringAfterBlock from "./rules/no-string-after-block.mjs";
import noForFunctionInit from "./rules/no-for-function-init.mjs";
import noRespelledDecimal from "./rules/no-respelled-decimal.mjs";
import noVarBeforeDeclaration from "./rules/no-var-before-declaration.mjs";
import noTslibHelpers from "./rules/no-tslib-helpers.mjs";
import noBareReturnBeforeBrace from "./rules/no-bare-return-before-brace.mjs";
import noThrowingValueInObjectLiteral from "./rules/no-throwing-value-in-object-literal.mjs";

/** @type {import("eslint").ESLint.Plugin} */
const plugin = {
  meta: { name: "espruino-dialect", version: "1.0.0" },
  rules: {
    "no-loop-closure-capture": noLoopClosureCapture,
    "no-arguments-with-params": noArgumentsWithParams,
    "no-decimal-equality": noDecimalEquality,
    "no-non-ascii-string": noNonAsciiString,
    "no-unsupported-regexp": noUnsupportedRegexp,
    "no-string-after-block": noStringAfterBlock,
    "no-for-function-init": noForFunctionInit,
    "no-respelled-decimal": noRespelledDecimal,
    "no-var-before-declaration": noVarBeforeDeclaration,
    "no-tslib-helpers": noTslibHelpers,
    "no-bare-return-before-brace": noBareReturnBeforeBrace,
    "no-throwing-value-in-object-literal": noThrowingValueInObjectLiteral,
  },
};
export default plugin;
