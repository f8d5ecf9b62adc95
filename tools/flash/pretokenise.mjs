// The code flash writes to .bootcde, pretokenised as the Espruino IDE does (EspruinoTools' own pretokenise plugin,
// node_modules/espruino/plugins/pretokenise.js): keywords and operators become one byte each, string and integer
// literals become length-prefixed raw tokens. Espruino keeps a raw string longer than one JsVar in flash instead of
// copying it into RAM, and lexes a token without reading its characters (docs/design.md "Pretokenised code").
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";
import * as acorn from "acorn";

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
  return Espruino.Plugins.Pretokenise.tokenise(code);
}
