// Pretokenised code in Storage (what `npm run flash` writes as .bootcde, and the Espruino IDE with "Pretokenise"):
// turned back into JavaScript text for the simulator's realm, as Espruino's lexer reads it (src/jslex.c). Keyword
// and raw-string tokens are decoded by EspruinoTools' own pretokenise plugin; raw integers here, signed as jslex.c
// reads them (the plugin's untokenise reads them unsigned).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";
import * as acorn from "acorn";

const LEX_RAW_STRING8 = 0xd1;
const LEX_RAW_STRING16 = 0xd2;
const LEX_RAW_INT0 = 0xd3;
const LEX_RAW_INT8 = 0xd4;
const LEX_RAW_INT16 = 0xd5;

/** @type {{ untokenise(code: string): string } | undefined} */
let plugin;

function loadPlugin() {
  const require = createRequire(import.meta.url);
  /** @type {any} */
  const Espruino = {
    Plugins: {},
    Core: { Utils: { toJSONishString: (/** @type {string} */ s) => JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029") } },
  };
  vm.runInNewContext(readFileSync(require.resolve("espruino/plugins/pretokenise.js"), "utf8"), { acorn: {}, Espruino, console });
  return Espruino.Plugins.Pretokenise;
}

/**
 * Whether Espruino's lexer meets a byte of 128 or more between tokens (where it is a token), not only inside string,
 * template and regex literals or comments (UTF-8 text, say). JavaScript that acorn cannot read, or whose identifiers
 * hold such a byte, is pretokenised.
 * @param {string} code
 */
function hasTokenBytes(code) {
  try {
    for (const t of acorn.tokenizer(code, { ecmaVersion: "latest", allowHashBang: true })) {
      if (t.type.label === "name" && /[\x80-\xff]/.test(code.slice(t.start, t.end))) return true;
    }
    return false;
  } catch {
    return true;
  }
}

/**
 * JavaScript text of pretokenised `code` (one character per byte); JavaScript text comes back unchanged.
 * @param {string} code @returns {string}
 */
export function untokenise(code) {
  if (!/[\x80-\xff]/.test(code)) return code;
  if (!hasTokenBytes(code)) return code;
  // raw integers first, signed (int8, int16 little-endian); raw strings are skipped whole: their bytes are data
  let out = "";
  let i = 0;
  while (i < code.length) {
    const ch = code.charCodeAt(i);
    if (ch === LEX_RAW_STRING8 || ch === LEX_RAW_STRING16) {
      const head = ch === LEX_RAW_STRING8 ? 2 : 3;
      const len = code.charCodeAt(i + 1) | (ch === LEX_RAW_STRING16 ? code.charCodeAt(i + 2) << 8 : 0);
      out += code.substring(i, i + head + len);
      i += head + len;
    } else if (ch === LEX_RAW_INT0) {
      out += " 0 ";
      i += 1;
    } else if (ch === LEX_RAW_INT8) {
      out += " " + ((code.charCodeAt(i + 1) << 24) >> 24) + " ";
      i += 2;
    } else if (ch === LEX_RAW_INT16) {
      out += " " + (((code.charCodeAt(i + 1) | (code.charCodeAt(i + 2) << 8)) << 16) >> 16) + " ";
      i += 3;
    } else {
      out += code[i];
      i += 1;
    }
  }
  const p = plugin ?? (plugin = loadPlugin());
  return p.untokenise(out);
}
