// Layer 1: non-ASCII characters, or \u / \x escapes of non-ASCII characters, in string and template literals.
// Espruino strings are bytes on ESP32 ("é".length === 2) and \u escapes are unsafe.
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_GLOBAL = /[^\x00-\x7f]/g;

/** @param {string} s */
function describe(s) {
  const m = s.match(NON_ASCII_GLOBAL) || [];
  return m
    .slice(0, 3)
    .map((c) => "U+" + (c.codePointAt(0) || 0).toString(16).toUpperCase().padStart(4, "0"))
    .join(", ");
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: { type: "problem", docs: { description: "non-ASCII text in string/template literals" }, schema: [] },
  create(context) {
    /** @param {any} node @param {string} value @param {string} raw @param {string} kind */
    function check(node, value, raw, kind) {
      if (!NON_ASCII.test(value)) return;
      const how = NON_ASCII.test(raw) ? "non-ASCII character" : "\\u/\\x escape of a non-ASCII character";
      context.report({
        node,
        message:
          `${how} (${describe(value)}) in a ${kind}: Espruino strings are bytes on ESP32 ("\\u00e9".length is 2) and ` +
          "\\u escapes are unsafe; keep literals ASCII",
      });
    }
    return {
      /** @param {any} node */
      Literal(node) {
        if (typeof node.value === "string") check(node, node.value, node.raw || "", "string literal");
      },
      /** @param {any} node */
      TemplateElement(node) {
        check(node, node.value.cooked == null ? node.value.raw : node.value.cooked, node.value.raw, "template literal");
      },
    };
  },
};
export default rule;
