// The flash tool pretokenises .bootcde with EspruinoTools' plugin; the simulator reads it back as Espruino's lexer
// does. Both directions on the real bundles: the token stream the simulator runs is the bundle's, token for token.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pretokenise, tokens } from "../../tools/flash/pretokenise.mjs";
import { untokenise } from "../../host-sim/console/pretokenised.mjs";

describe("pretokenised .bootcde", () => {
  it.each(["dist/firmware-core.min.js", "dist/firmware.min.js"])("%s: smaller, binary, and read back token for token", (file) => {
    const code = readFileSync(file, "latin1");
    const tok = pretokenise(code, "2v29");
    expect(tok.length).toBeLessThan(code.length * 0.85);
    // a keyword is one byte: "function" is left only inside string literals (error messages)
    expect(tok.split("function").length * 4).toBeLessThan(code.split("function").length);
    expect(tokens(untokenise(tok))).toEqual(tokens(code));
  });

  it("integers are raw tokens read back signed (as jslex.c does), strings raw bytes", () => {
    const src = 'x=-1;y=[-300];z=f(-5,-129,0,127,32767,-32768,40000);w=a-1;s="caf\\xe9 \\"q\\"";t=""';
    const tok = pretokenise(src, "2v29");
    expect(tok).not.toContain("32767");
    expect(tok).toContain("40000"); // beyond int16: stays text
    expect(tokens(untokenise(tok))).toEqual(tokens(src));
    expect(untokenise("var a=1;")).toBe("var a=1;"); // plain text passes unchanged
  });

  it("code the plugin would change (tokens it joins, a 64 KB string) is refused, naming --no-pretokenise", () => {
    expect(() => pretokenise("a=b- -c", "2v29")).toThrow(/pretokenising changes the code at token 3 .*--no-pretokenise/);
    expect(() => pretokenise("x=y/ /re/.source.length", "2v29")).toThrow(/--no-pretokenise/);
    expect(() => pretokenise('s="' + "x".repeat(65536) + '"', "2v29")).toThrow(/--no-pretokenise/);
  });

  it("JavaScript text with bytes of 128 and up in its literals and comments is not decoded", () => {
    const utf8 = Buffer.from('print("°C \u0444") // café\nvar s="\xd4\x05";', "utf8").toString("latin1");
    expect(untokenise(utf8)).toBe(utf8);
  });

  it("before 2v20.48 strings stay text; before 2v26 integers do", () => {
    expect(pretokenise('s="a long string literal"', "2v19")).toContain('"a long string literal"');
    expect(pretokenise("i=12345", "2v25")).toContain("12345");
    expect(pretokenise("i=12345", "2v29")).not.toContain("12345");
  });
});
