// Unit tests of the Espruino console line editor (host-sim/console/repl.mjs).
import { describe, it, expect } from "vitest";
import { EspruinoRepl, countBrackets, formatEspruinoValue, formatEspruinoError } from "../../host-sim/console/repl.mjs";
import { createFakeDevice } from "./fake-device.js";

function device() {
  const d = createFakeDevice();
  d.repl.showPrompt(); // boot: the prompt is on screen
  return d;
}

describe("countBrackets", () => {
  it("counts (, [, { outside strings, comments, templates and regexes", () => {
    expect(countBrackets("function f() {")).toBe(1);
    expect(countBrackets("function f() {}")).toBe(0);
    expect(countBrackets("a = [1, (2")).toBe(2);
    expect(countBrackets('s = "{{{" + \'(((\'')).toBe(0);
    expect(countBrackets("x = 1 // {")).toBe(0);
    expect(countBrackets("x = /* { */ 1")).toBe(0);
    expect(countBrackets("r = /[{(]/g; y = (1")).toBe(1);
    expect(countBrackets("z = a / b / (c")).toBe(1);
    expect(countBrackets("t = `${ {a:1}.a } {`")).toBe(0);
    expect(countBrackets("t = `${ f(")).toBe(1);
    expect(countBrackets('s = "esc \\" {"')).toBe(0);
  });
  it("executes unfinished strings at once, waits for unfinished comments and templates", () => {
    expect(countBrackets('f("abc')).toBe(0);
    expect(countBrackets("x = 1 /* more")).toBe(1000);
    expect(countBrackets("t = `line one")).toBe(1000);
  });
  it("stops at a closer before any opener", () => {
    expect(countBrackets("} {")).toBe(-1);
  });
});

describe("formatting", () => {
  it("renders values and errors like Espruino", () => {
    expect(formatEspruinoValue(undefined)).toBe("undefined");
    expect(formatEspruinoValue("hi")).toBe('"hi"');
    expect(formatEspruinoValue(3)).toBe("3");
    expect(formatEspruinoValue({ a: 1, "b-c": [1, 2] })).toBe('{ a: 1, "b-c": [ 1, 2 ] }');
    expect(formatEspruinoError(new TypeError("boom"))).toBe("TypeError: boom");
    expect(formatEspruinoError("str")).toBe('"str"');
  });
});

describe("EspruinoRepl", () => {
  it("echoes typed characters and prints =value and the prompt", () => {
    const d = device();
    d.repl.input("1+2\r");
    expect(d.output()).toBe(">1+2\r\n=3\r\n>");
    expect(d.statements).toEqual([{ code: "1+2", lineNumber: 0, echo: true }]);
  });

  it("answers an empty line with a newline and the prompt (what the CLI expects)", () => {
    const d = device();
    d.repl.input("\n");
    expect(d.output()).toBe(">\r\n>");
  });

  it("treats \\r\\n as one newline", () => {
    const d = device();
    d.repl.input("var a = 5\r\n");
    expect(d.statements.map((s) => s.code)).toEqual(["var a = 5"]);
    expect(d.output()).toBe(">var a = 5\r\n=undefined\r\n>");
  });

  it("accumulates multi-line input until brackets balance, with the : continuation prompt", () => {
    const d = device();
    d.repl.input("function f(x) {\n  return x * 2;\n}\n");
    expect(d.statements.map((s) => s.code)).toEqual(["function f(x) {\n  return x * 2;\n}"]);
    expect(d.output()).toBe(">function f(x) {\r\n:  return x * 2;\r\n:}\r\n=undefined\r\n>");
    d.repl.input("f(21)\n");
    expect(d.output().endsWith("f(21)\r\n=42\r\n>")).toBe(true);
  });

  it("\\x10 turns echo off for one line: no echo, no =result, no new prompt", () => {
    const d = device();
    d.repl.input("\x10var b = 7\n");
    expect(d.output()).toBe(">");
    expect(d.statements).toEqual([{ code: "var b = 7", lineNumber: 0, echo: false }]);
    d.repl.input("b\n"); // echo is back on for the next line
    expect(d.output()).toBe(">b\r\n=7\r\n>");
  });

  it("\\x10 only counts at the start of a line", () => {
    const d = device();
    d.repl.input("1\x10+1\n");
    expect(d.statements.map((s) => s.code)).toEqual(["1+1"]);
    expect(d.output()).toBe(">1+1\r\n=2\r\n>");
  });

  it("output printed by an echo-off line is followed by a prompt", () => {
    const d = device();
    d.repl.input('\x10print("<","<<",JSON.stringify(process.env),">>",">")\n');
    const out = d.output();
    expect(out.startsWith(">< << {")).toBe(true);
    expect(out.endsWith(" >> >\r\n>")).toBe(true);
    const json = out.slice(out.indexOf("< <<") + 4, out.indexOf(">> >"));
    expect(JSON.parse(json).BOARD).toBe("ESP32");
  });

  it("ESC LF adds a newline without executing, even when brackets balance", () => {
    const d = device();
    d.repl.input("\x10var c = 1 +\x1b\n 2;\n");
    expect(d.statements.map((s) => s.code)).toEqual(["var c = 1 +\n 2;"]);
    expect(d.repl.line).toBe("");
  });

  it("ESC [ n d line markers are consumed and passed as lineNumber", () => {
    const d = device();
    d.repl.input("\x10\x1b[42dvar e = 1;\n\x10var f = 2;\n");
    expect(d.statements).toEqual([
      { code: "var e = 1;", lineNumber: 42, echo: false },
      { code: "var f = 2;", lineNumber: 0, echo: false },
    ]);
  });

  it("other escape sequences (arrows, numpad) are ignored", () => {
    const d = device();
    d.repl.input("\x10\x1b[A\x1b[D\x1bOF1+\x1b[3~1\n");
    expect(d.statements.map((s) => s.code)).toEqual(["1+1"]);
  });

  it("Ctrl-C clears a pending line and redraws the prompt; on an empty line it prints nothing", () => {
    const d = device();
    d.repl.input("function g() {\n  var x");
    d.repl.input("\x03");
    expect(d.repl.line).toBe("");
    expect(d.output()).toBe(">function g() {\r\n:  var x\r\x1b[J>");
    const before = d.output();
    d.repl.input("\x03");
    expect(d.output()).toBe(before);
    d.repl.input("2*3\n");
    expect(d.statements.map((s) => s.code)).toEqual(["2*3"]);
  });

  it("backspace and Ctrl-U edit the line", () => {
    const d = device();
    d.repl.input("12\x7f3\n");
    expect(d.statements.map((s) => s.code)).toEqual(["13"]);
    d.repl.input("garbage\x15" + "4\n");
    expect(d.statements.map((s) => s.code)).toEqual(["13", "4"]);
  });

  it("tabs become four spaces", () => {
    const d = device();
    d.repl.input("\x10s = 'a\tb'\n");
    expect((d.context as { s: string }).s).toBe("a    b");
  });

  it("prints Uncaught for exceptions, without =result", () => {
    const d = device();
    d.repl.input("nope()\n");
    expect(d.output()).toBe(">nope()\r\nUncaught ReferenceError: nope is not defined\r\n>");
    d.repl.input("\x10throw new Error('bad')\n");
    expect(d.output()).toBe(">nope()\r\nUncaught ReferenceError: nope is not defined\r\n>Uncaught Error: bad\r\n>");
  });

  it("an unterminated string executes at once (and errors)", () => {
    const d = device();
    d.repl.input('x = "abc\n');
    expect(d.statements.length).toBe(1);
    expect(d.output()).toContain("Uncaught SyntaxError");
  });

  it("asynchronous output removes and restores the prompt and pending input", () => {
    const d = device();
    d.repl.input("var q");
    d.repl.print("tick\n");
    expect(d.output()).toBe(">var q\r\x1b[Jtick\r\n>var q");
  });

  it("echo(0) turns echo off globally", () => {
    const d = device();
    d.repl.input("echo(0)\n");
    d.repl.input("1+1\n");
    expect(d.output()).toBe(">echo(0)\r\n");
    d.repl.input("echo(1)\n");
    d.repl.input("5\n");
    expect(d.output().endsWith(">5\r\n=5\r\n>")).toBe(true);
  });

  it("takes byte arrays and keeps bytes 128..255 as single chars", () => {
    const d = device();
    d.repl.input(Buffer.from([0x10, 0x73, 0x3d, 0x22, 0xe2, 0x82, 0xac, 0x22, 0x0a])); // s="€" as UTF-8 bytes
    expect((d.context as { s: string }).s).toBe("\xe2\x82\xac");
  });

  it("supports an evaluator that returns output text or throws", () => {
    const out: string[] = [];
    const repl = new EspruinoRepl({
      evaluate: (code) => {
        if (code === "boom") throw new Error("thrown");
        return { value: 1, output: "said " + code + "\n" };
      },
    });
    repl.onOutput((b) => out.push(b.toString("latin1")));
    repl.showPrompt();
    repl.input("hi\n");
    repl.input("boom\n");
    expect(out.join("")).toBe(">hi\r\nsaid hi\r\n=1\r\n>boom\r\nUncaught Error: thrown\r\n>");
  });
});
