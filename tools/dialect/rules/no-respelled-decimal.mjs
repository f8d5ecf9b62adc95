// Layer 2 (bundles): decimal literals whose spelling a tool changed (terser prints 0.0007 as 7e-4, 0.5 as .5;
// `evaluate` folds 3/10 into .3). Espruino parses the integer part exactly but accumulates fraction digits with
// `v += mul*digit; mul /= 10` and applies exponents by repeated *10 or /10, so a different spelling of the same
// double can parse to a different double on the board (19 of 111 measured respellings did).
// Details: docs/host-tools.md "tools/dialect/rules/no-respelled-decimal.mjs".

/** @typedef {{ file: string, line: number, text: string }} SourceLine */

const PLAIN = /^\d+\.\d+$/;
const NUMBER_TOKEN = /\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d[\d_]*)?|\.\d[\d_]*(?:[eE][+-]?\d[\d_]*)?/g;

/**
 * @param {number} value
 * @param {string} raw
 */
export function onInexactPath(value, raw) {
  if (!Number.isFinite(value)) return false;
  if (/^0[xXoObB]/.test(raw)) return false;
  if (!Number.isInteger(value)) return true;
  if (/[eE]-/.test(raw)) return true;
  return /[eE]/.test(raw) && value > 2 ** 53;
}

/** @param {string} text */
export function numericSpellings(text) {
  const code = text.replace(/\/\/.*$/, ""); // a line comment is not source spelling
  return (code.match(NUMBER_TOKEN) || []).map((s) => s.replace(/_/g, ""));
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "decimal literals respelled by a tool" }, schema: [] },
  create(context) {
    const settings = /** @type {any} */ (context.settings).espruino;
    /** @type {((line: number, column: number) => SourceLine | null) | undefined} */
    const sourceLine = settings && typeof settings.sourceLine === "function" ? settings.sourceLine : undefined;
    return {
      /** @param {any} node */
      Literal(node) {
        if (typeof node.value !== "number") return;
        const raw = String(node.raw);
        if (!onInexactPath(node.value, raw)) return;
        const src = sourceLine ? sourceLine(node.loc.start.line, node.loc.start.column) : null;
        const tsSpellings = src ? numericSpellings(src.text) : null;
        const where = src ? ` (${src.file}:${src.line} ${tsSpellings && tsSpellings.length ? "spells " + tsSpellings.slice(0, 4).join(", ") : "has no numeric literal"})` : "";
        if (!PLAIN.test(raw)) {
          const form = /[eE]/.test(raw) ? "exponent form" : raw.startsWith(".") ? "leading dot" : "non-plain spelling";
          context.report({
            node,
            message:
              `respelled decimal literal ${raw} (${form})${where}: Espruino parses decimals inexactly and this spelling may give ` +
              "a different double than the source's; avoid decimal literals in firmware (integer math), keep terser `evaluate` off",
          });
        } else if (tsSpellings && !tsSpellings.includes(raw)) {
          context.report({
            node,
            message:
              `respelled decimal literal ${raw}: no literal spelled so on the TypeScript line${where}; a tool rewrote or ` +
              "computed it and Espruino may parse it to a different double",
          });
        }
      },
    };
  },
};
export default rule;
