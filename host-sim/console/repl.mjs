// Espruino's console line editor (the REPL of src/jsinteractive.c), as a host-side byte-stream state machine.
// Details: docs/simulator.md "host-sim/console/repl.mjs".

/**
 * @typedef {object} EvalContext
 * @property {number} lineNumber line number set by the last `ESC [ n d` marker before this statement (0: none)
 * @property {boolean} echo whether the statement was typed with echo on (false for `\x10` lines and after echo(0))
 */

/**
 * What evaluate returns. Either `value` or `error` (set `hasError: true` to report `error: undefined`).
 * `output` is text the statement printed, written before the result (an evaluator may instead call
 * `repl.print()` while it runs, which keeps the interleaving exact).
 * @typedef {object} EvalResult
 * @property {unknown} [value]
 * @property {unknown} [error]
 * @property {boolean} [hasError]
 * @property {string} [output]
 */

/**
 * Runs one complete statement. Synchronous, like Espruino's interpreter.
 * @callback Evaluate
 * @param {string} code the statement, right-trimmed (may contain `\n`)
 * @param {EvalContext} ctx
 * @returns {EvalResult | void}
 */

/**
 * @typedef {object} ReplOptions
 * @property {Evaluate} evaluate
 * @property {(value: unknown) => string} [formatValue] text after `=` (default: {@link formatEspruinoValue})
 * @property {(error: unknown) => string} [formatError] text after `Uncaught ` (default: {@link formatEspruinoError})
 */

/** @typedef {(bytes: Buffer) => void} OutputListener */

/**
 * Espruino-like rendering of a result value for `=value` (jsfPrintJSON with JSON_DROP_QUOTES-ish output).
 * @param {unknown} value
 * @returns {string}
 */
export function formatEspruinoValue(value) {
  /** @type {Set<object>} */
  const seen = new Set();
  /**
   * @param {unknown} v
   * @param {string} indent
   * @returns {string}
   */
  function fmt(v, indent) {
    if (v === undefined) return "undefined";
    if (v === null) return "null";
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
    if (typeof v === "boolean" || typeof v === "bigint") return String(v);
    if (typeof v === "symbol") return String(v);
    if (typeof v === "function") return "function " + (v.name || "") + "() { [code] }";
    if (typeof v !== "object") return String(v);
    if (seen.has(v)) return "~";
    seen.add(v);
    try {
      const inner = indent + "  ";
      if (Array.isArray(v)) {
        if (v.length === 0) return "[ ]";
        const items = v.map((x) => fmt(x, inner));
        const oneLine = "[ " + items.join(", ") + " ]";
        return oneLine.length <= 60 && !oneLine.includes("\n")
          ? oneLine
          : "[\n" + items.map((s) => inner + s).join(",\n") + "\n" + indent + " ]";
      }
      const keys = Object.keys(v);
      if (keys.length === 0) return "{ }";
      const rec = /** @type {Record<string, unknown>} */ (v);
      const items = keys.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)) + ": " + fmt(rec[k], inner));
      const oneLine = "{ " + items.join(", ") + " }";
      return oneLine.length <= 60 && !oneLine.includes("\n")
        ? oneLine
        : "{\n" + items.map((s) => inner + s).join(",\n") + "\n" + indent + " }";
    } finally {
      seen.delete(v);
    }
  }
  return fmt(value, "");
}

/**
 * Espruino-like text after `Uncaught ` for a thrown value: `Error: message` for errors (duck-typed, so errors
 * from another vm realm work), JSON for strings, the value's rendering otherwise.
 * @param {unknown} error
 * @returns {string}
 */
export function formatEspruinoError(error) {
  if (error !== null && typeof error === "object" && "message" in error) {
    const e = /** @type {{ name?: unknown, message?: unknown }} */ (error);
    const name = typeof e.name === "string" && e.name ? e.name : "Error";
    return name + ": " + String(e.message);
  }
  return formatEspruinoValue(error);
}

/**
 * Bracket balance of `code` the way jsiCountBracketsInInput() counts it: `(` `[` `{` minus their closers, outside
 * strings, template literals, comments and regular expressions. Returns 0 for an unterminated '…' / "…" string
 * (executes immediately so that it errors) and 1000 for an unterminated comment or template literal.
 * @param {string} code
 * @returns {number}
 */
export function countBrackets(code) {
  let brackets = 0;
  let i = 0;
  const n = code.length;
  /** kind of the last significant token, to tell a regex `/` from a division */
  let last = "start"; // "start" | "value" | "punct" | "keyword"
  const regexKeywords = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);
  /** @type {number[]} bracket depth at which each open template `${` started */
  const templateStack = [];
  while (i < n) {
    const ch = code[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\v" || ch === "\f") {
      i++;
      continue;
    }
    if (ch === "/" && code[i + 1] === "/") {
      const nl = code.indexOf("\n", i);
      if (nl < 0) break;
      i = nl + 1;
      continue;
    }
    if (ch === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      if (end < 0) return 1000;
      i = end + 2;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const c = code[j];
        if (c === "\\") {
          j += 2;
          continue;
        }
        if (c === ch) {
          closed = true;
          break;
        }
        j++;
      }
      if (!closed) return 0;
      i = j + 1;
      last = "value";
      continue;
    }
    if (ch === "`" || (ch === "}" && templateStack.length > 0 && templateStack[templateStack.length - 1] === brackets)) {
      // start of a template literal, or the `}` closing a `${` inside one: scan the literal part
      if (ch === "}") templateStack.pop();
      let j = i + 1;
      let state = "open";
      while (j < n) {
        const c = code[j];
        if (c === "\\") {
          j += 2;
          continue;
        }
        if (c === "`") {
          state = "closed";
          break;
        }
        if (c === "$" && code[j + 1] === "{") {
          state = "subst";
          break;
        }
        j++;
      }
      if (state === "open") return 1000;
      if (state === "subst") {
        templateStack.push(brackets);
        i = j + 2;
        last = "punct";
      } else {
        i = j + 1;
        last = "value";
      }
      continue;
    }
    if (ch === "/") {
      if (last === "value") {
        i++;
        last = "punct";
        continue;
      }
      // regular expression literal
      let j = i + 1;
      let inClass = false;
      while (j < n && code[j] !== "\n") {
        const c = code[j];
        if (c === "\\") {
          j += 2;
          continue;
        }
        if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
        j++;
      }
      i = j + 1;
      while (i < n && /[a-z]/i.test(code[i])) i++;
      last = "value";
      continue;
    }
    if (/[A-Za-z_$0-9\u0080-\uffff]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[A-Za-z_$0-9.\u0080-\uffff]/.test(code[j])) j++;
      const word = code.slice(i, j);
      last = regexKeywords.has(word) ? "keyword" : "value";
      i = j;
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") {
      brackets++;
      last = "punct";
    } else if (ch === ")" || ch === "]" || ch === "}") {
      brackets--;
      last = "value";
      if (brackets < 0) break;
    } else {
      last = "punct";
    }
    i++;
  }
  return brackets;
}

const ESC = 0x1b;

/**
 * Espruino's console line editor. Feed it input bytes with {@link EspruinoRepl.input}; it emits output bytes to
 * listeners registered with {@link EspruinoRepl.onOutput}.
 */
export class EspruinoRepl {
  /** @param {ReplOptions} options */
  constructor(options) {
    if (!options || typeof options.evaluate !== "function") throw new TypeError("EspruinoRepl: options.evaluate is required");
    /** @private */ this.evaluate = options.evaluate;
    /** @private */ this.formatValue = options.formatValue ?? formatEspruinoValue;
    /** @private */ this.formatError = options.formatError ?? formatEspruinoError;
    /** @private @type {Set<OutputListener>} */ this.listeners = new Set();
    /** current input line (binary string) */
    this.line = "";
    /** global echo (echo(0) turns it off) */
    this.echo = true;
    /** echo off for the current line (`\x10`) */
    this.echoOffForLine = false;
    /** Espruino's `inputLineRemoved`: the prompt + input line are not on screen */
    this.inputLineRemoved = true;
    /** @private */ this.escState = 0; // 0 none, 1 had ESC, 2 had ESC [, 3 had ESC [ digits, 4 had ESC O
    /** @private */ this.escNumber = 0;
    /** @private */ this.hadCR = false;
    /** @private */ this.lineNumber = 0;
    /** @private */ this.executing = false;
    /** number of statements executed */
    this.executed = 0;
  }

  /**
   * Register an output listener (e.g. a TCP socket). Returns a function that removes it.
   * @param {OutputListener} listener
   * @returns {() => void}
   */
  onOutput(listener) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** True when echo is on for the line being edited (Espruino's jsiEcho()). */
  get echoing() {
    return this.echo && !this.echoOffForLine;
  }

  /**
   * Turn the global echo on/off (what the device's `echo(bool)` does).
   * @param {boolean} on
   */
  setEcho(on) {
    this.echo = !!on;
  }

  /**
   * Show the prompt (with any pending input) if it is not on screen — what Espruino does each time around its
   * idle loop. Call it once after boot to print the initial `>`.
   */
  showPrompt() {
    if (this.inputLineRemoved) {
      this.inputLineRemoved = false;
      if (this.echoing) this.emit(">" + this.line.replace(/\n/g, "\r\n:"));
    }
  }

  /**
   * Print text from the device (print(), console.log, errors from timers, …): removes the input line, writes the
   * text (`\n` becomes `\r\n`), and — unless a statement is executing — re-draws the prompt.
   * @param {string} text binary string
   */
  print(text) {
    if (!text) return;
    this.removeInputLine();
    this.emit(text.replace(/\r?\n/g, "\r\n"));
    if (!this.executing) this.showPrompt();
  }

  /**
   * Feed input bytes (from a terminal, socket or pty).
   * @param {Uint8Array | string} data a string is taken as a binary string (char codes 0..255)
   */
  input(data) {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    for (let k = 0; k < bytes.length; k++) this.handleByte(bytes[k]);
  }

  /** @private @param {string} s */
  emit(s) {
    if (!s || this.listeners.size === 0) return;
    const buf = Buffer.from(s, "latin1");
    for (const l of [...this.listeners]) l(buf);
  }

  /** @private */
  removeInputLine() {
    if (!this.inputLineRemoved) {
      this.inputLineRemoved = true;
      if (this.echoing) this.emit("\r\x1b[J");
    }
  }

  /** @private @param {number} b */
  handleByte(b) {
    // escape sequences (jsiHandleChar's inputState)
    if (this.escState === 1) {
      this.escState = 0;
      if (b === 0x5b) this.escState = 2; // ESC [
      else if (b === 0x4f) this.escState = 4; // ESC O (numpad)
      else if (b === 0x0a) this.newLine(false); // ESC LF: Alt-Enter
      return;
    }
    if (this.escState === 4) {
      this.escState = 0;
      return;
    }
    if (this.escState === 2) {
      if (b >= 0x30 && b <= 0x39) {
        this.escNumber = b - 0x30;
        this.escState = 3;
      } else {
        this.escState = 0; // arrows / Home / End: ignored, cursor stays at the end
      }
      return;
    }
    if (this.escState === 3) {
      if (b >= 0x30 && b <= 0x39) {
        this.escNumber = Math.min(this.escNumber * 10 + (b - 0x30), 0xffff);
        return;
      }
      if (b === 0x64) this.lineNumber = this.escNumber; // 'd': line number marker
      this.escState = 0;
      return;
    }
    const wasCR = this.hadCR;
    this.hadCR = false;
    if (b === ESC) {
      this.escState = 1;
    } else if (b === 0x03) {
      this.ctrlC();
    } else if (b === 0x10 && this.line.length === 0) {
      this.echoOffForLine = true;
    } else if (b === 0x15 || b === 0x17) {
      this.clearLine();
    } else if (b === 0x08 || b === 0x7f) {
      if (this.line.length > 0) {
        const removedNewline = this.line.endsWith("\n");
        this.line = this.line.slice(0, -1);
        if (this.echoing && !this.inputLineRemoved) this.emit(removedNewline ? "\x1b[A\x1b[999C" : "\x08 \x08");
      }
    } else if (b === 0x0a && wasCR) {
      // \r\n: already handled on \r
    } else if (b === 0x0d || b === 0x0a) {
      if (b === 0x0d) this.hadCR = true;
      this.newLine(true);
    } else if (b >= 0x20 || b === 0x09) {
      const s = b === 0x09 ? "    " : String.fromCharCode(b);
      this.line += s;
      if (this.echoing && !this.inputLineRemoved) this.emit(s);
    }
  }

  /** @private */
  ctrlC() {
    this.escState = 0;
    this.clearLine();
    this.echoOffForLine = false;
  }

  /** @private */
  clearLine() {
    if (this.line.length === 0) return;
    this.removeInputLine();
    this.line = "";
    this.showPrompt();
  }

  /**
   * @private
   * @param {boolean} execute
   */
  newLine(execute) {
    if (!execute || countBrackets(this.line) > 0) {
      if (this.echoing && !this.inputLineRemoved) this.emit("\r\n:");
      this.line += "\n";
      return;
    }
    if (this.echoing && !this.inputLineRemoved) this.emit("\r\n");
    if (!this.echoOffForLine) this.inputLineRemoved = true;
    const code = this.line.replace(/\s+$/, "");
    this.line = "";
    const lineNumber = this.lineNumber;
    this.lineNumber = 0;
    const echoed = this.echoing;
    this.executing = true;
    /** @type {EvalResult | void} */
    let result;
    try {
      result = this.evaluate(code, { lineNumber, echo: echoed });
    } catch (e) {
      // an evaluator that throws instead of returning {error}
      result = { error: e, hasError: true };
    }
    this.executed++;
    const r = result || {};
    if (r.output) this.print(r.output);
    const failed = r.hasError === true || r.error !== undefined;
    if (this.echoing && !failed && code.length > 0) {
      this.emit(("=" + this.formatValue(r.value) + "\n").replace(/\r?\n/g, "\r\n"));
    }
    if (failed) this.print("Uncaught " + this.formatError(r.error) + "\n");
    this.executing = false;
    this.echoOffForLine = false;
    this.showPrompt();
  }
}
