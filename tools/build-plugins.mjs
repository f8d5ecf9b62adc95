// Rollup output plugins the firmware build runs after terser (rollup.config.mjs, tools/build-entry.mjs).
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import MagicString from "magic-string";

/**
 * Writes `return;` for every bare `return` that terser left without its `;` (it drops the one before `}`).
 * Espruino fails with "Unexpected end of Input" when it skips `return}` (measured on 2v29: `function
 * g(a){if(a)return}` called with a falsy `a`); the bundle gate's espruino/no-bare-return-before-brace refuses it.
 * @returns {import("rollup").Plugin}
 */
export function semicolonBareReturns() {
  return {
    name: "semicolon-bare-returns",
    renderChunk(code) {
      const ast = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" });
      const s = new MagicString(code);
      walk.simple(ast, {
        ReturnStatement(node) {
          if (!node.argument && code[node.end - 1] !== ";") s.appendLeft(node.end, ";");
        },
      });
      return s.hasChanged() ? { code: s.toString(), map: s.generateMap({ hires: true }) } : null;
    },
  };
}
