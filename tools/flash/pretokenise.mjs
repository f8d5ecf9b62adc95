// The code flash writes to .bootcde, pretokenised as the Espruino IDE does (EspruinoTools' own pretokenise plugin,
// node_modules/espruino/plugins/pretokenise.js): keywords and operators become one byte each, string and integer
// literals become length-prefixed raw tokens. Espruino keeps a raw string longer than one JsVar in flash instead of
// copying it into RAM, and lexes a token without reading its characters (docs/design.md "Pretokenised code").
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";
import * as acorn from "acorn";
import { untokenise } from "../../host-sim/console/pretokenised.mjs";

const require = createRequire(import.meta.url);

/**
 * `code` (ES5 source) pretokenised for Espruino `version` (a board profile's minimum, "2v29"): raw strings from
 * 2v20.48, raw integers from 2v26, as the plugin decides.
 * @param {string} code @param {string} version @returns {string} one character per byte (write it as latin1)
 */
export function pretokenise(code, version) {
  const plugin = readFileSync(require.resolve("espruino/plugins/pretokenise.js"), "utf8");
  /** @type {any} */
  const Espruino = {
    Plugins: {},
    Config: { PRETOKENISE: 1 },
    Core: { Env: { getBoardData: () => ({ VERSION: version }) }, Utils: { atob: (/** @type {string} */ s) => Buffer.from(s, "base64").toString("latin1") } },
  };
  vm.runInNewContext(plugin, { acorn, Espruino, console });
  /** @type {string} */
  const tok = Espruino.Plugins.Pretokenise.tokenise(code);
  // the plugin joins some tokens the lexer then reads differently (`b- -c` as `b--c`, `y/ /re/` as a comment) and
  // drops a string of 64 KB or more: what Espruino would read back must be the same token stream
  const want = tokens(code);
  const got = tokens(untokenise(tok));
  const at = want.findIndex((t, i) => t !== got[i]);
  if (at >= 0 || got.length !== want.length) {
    throw new Error("pretokenising changes the code at token " + (at >= 0 ? at : want.length) + " (" + (want[at] ?? "end") + " read back as " + (got[at] ?? "end") + "): flash with --no-pretokenise");
  }
  return tok;
}

/** acorn's token stream of `code`: type and value of every token. @param {string} code @returns {string[]} */
export function tokens(code) {
  /** @type {string[]} */
  const out = [];
  for (const t of acorn.tokenizer(code, { ecmaVersion: "latest" })) {
    const v = /** @type {{value?: unknown}} */ (/** @type {unknown} */ (t)).value;
    out.push(t.type.label + ":" + (v === undefined ? "" : String(v)));
  }
  return out;
}
