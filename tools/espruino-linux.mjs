// Runs upstream Espruino built for Linux with a board's JsVar count (the real interpreter): find it, write Storage
// files, boot from Storage as a board does, talk to its console, read its JsVar high-water mark. Used by
// test/real-interpreter/ and bench/; docs/real-interpreter.md says how to build or get the interpreters.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Environment variable naming the folder that holds espruino-16383, espruino-8190 and espruino-4095. */
export const INTERPRETER_DIR_ENV = "ESPRUINO_LINUX_DIR";
/** The JsVar counts the interpreters are built with (ESP32, Espruino WiFi, the smallest profile). */
export const JSVAR_BUILDS = [16383, 8190, 4095];
const SHARED_GET = resolve(ROOT, "..", "shared", "espruino", "get");
/** The interpreter's start-up banner. */
const BANNER = /Espruino is Open Source|\(c\) \d{4} G\.Williams/;

export class InterpreterMissing extends Error {}

/**
 * Path of the interpreter built with `jsVars` JsVars: $ESPRUINO_LINUX_DIR/espruino-N, else what
 * ../shared/espruino/get unpacks. Throws InterpreterMissing with a one-line hint when neither has it.
 * @param {number} jsVars
 */
export function interpreterPath(jsVars) {
  if (!JSVAR_BUILDS.includes(jsVars)) throw new InterpreterMissing("no Espruino Linux build with " + jsVars + " JsVars (builds: " + JSVAR_BUILDS.join(", ") + ")");
  const dir = process.env[INTERPRETER_DIR_ENV];
  if (dir) {
    const p = resolve(dir, "espruino-" + jsVars);
    if (existsSync(p)) return p;
    throw new InterpreterMissing(INTERPRETER_DIR_ENV + "=" + dir + " has no espruino-" + jsVars + " (see docs/real-interpreter.md)");
  }
  if (existsSync(SHARED_GET)) {
    try {
      const p = execFileSync("sh", [SHARED_GET, String(jsVars)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
      if (p && existsSync(p)) return p;
    } catch (e) {
      throw new InterpreterMissing("../shared/espruino/get " + jsVars + " failed: " + (e instanceof Error ? e.message.split("\n")[0] : String(e)));
    }
  }
  throw new InterpreterMissing(
    "no real Espruino interpreter: set " + INTERPRETER_DIR_ENV + " to a folder with espruino-16383/8190/4095 (docs/real-interpreter.md says how to build them)"
  );
}

/** @param {string} s */
const jsString = (s) => {
  // one character per byte: a character above 0xff has no byte (and `\u` escapes become UTF-8 on the board)
  const wide = /[^\x00-\xff]/.exec(s);
  if (wide) throw new Error("writeStorage: character U+" + wide[0].charCodeAt(0).toString(16) + " is not a byte (content is latin1)");
  // bytes 0x7f-0xff as \xNN: copied verbatim by the lexer, where a raw byte of a UTF-8 build may be decoded
  return JSON.stringify(s).replace(/[\x7f-\xff]/g, (c) => "\\x" + c.charCodeAt(0).toString(16));
};

/**
 * Writes Storage files into `dir`/espruino.flash the way the flash tool's CLI does (chunked Storage.write), using the
 * largest build (the file format does not depend on the JsVar count), then quits.
 * @param {string} dir  the instance's working directory
 * @param {Record<string, string>} files  Storage name -> content (latin1 text)
 */
export function writeStorage(dir, files) {
  mkdirSync(dir, { recursive: true });
  const CHUNK = 2048;
  let js = 'var S=require("Storage");\n';
  for (const [name, content] of Object.entries(files)) {
    js += "S.erase(" + jsString(name) + ");\n";
    if (content.length <= CHUNK) js += "S.write(" + jsString(name) + "," + jsString(content) + ");\n";
    else
      for (let off = 0; off < content.length; off += CHUNK) {
        js += "S.write(" + jsString(name) + "," + jsString(content.slice(off, off + CHUNK)) + "," + off + "," + content.length + ");\n";
      }
  }
  js += 'print("<<storage-written>>");quit();\n';
  const script = join(dir, ".write-storage.js");
  writeFileSync(script, js, "latin1");
  const out = execFileSync(interpreterPath(16383), [script], { cwd: dir, encoding: "latin1", input: "", timeout: 30000, stdio: ["pipe", "pipe", "pipe"] });
  if (!out.includes("<<storage-written>>")) throw new Error("writing Storage in " + dir + " failed:\n" + out.slice(-2000));
}

/**
 * @typedef {object} BootOptions
 * @property {number} jsVars  which build (16383, 8190, 4095)
 * @property {string} dir  working directory (its espruino.flash is the board's Storage)
 * @property {string[]} [args]  interpreter arguments (none = boot from Storage, as a board does)
 * @property {number} [idleUs]  ESPRUINO_IDLE_US (default 300: instances side by side share the cores)
 * @property {Record<string, string>} [env]
 */

/**
 * One running interpreter. Stop it with stop(); stdin stays an open pipe for the whole run. The high-water thread
 * (ESPRUINO_HWM) runs only with `hwm: true`: it races the interpreter's start-up and quit() (a segmentation fault in
 * about one start of five, measured), so a start that dies by a signal before the banner is retried (3 tries).
 */
export class Espruino {
  /** @param {BootOptions & {hwm?: boolean}} opts */
  constructor(opts) {
    this.dir = opts.dir;
    this.hwmFile = join(opts.dir, "hwm.txt");
    this.out = "";
    /** @type {((s: string) => void)[]} */
    this.listeners = [];
    this.exited = false;
    this.starts = 0;
    /** @type {{code: number | null, signal: string | null} | undefined} */
    this.exitStatus = undefined;
    /** @type {(v: unknown) => void} */
    let resolveExit = () => {};
    this.exitPromise = new Promise((r) => (resolveExit = r));
    const start = () => {
      this.starts++;
      this.out = "";
      const proc = spawn(interpreterPath(opts.jsVars), opts.args ?? [], {
        cwd: opts.dir,
        stdio: ["pipe", "pipe", "pipe"],
        env: {
          ...process.env,
          ESPRUINO_LOOPBACK: "1",
          ...(opts.hwm ? { ESPRUINO_HWM: this.hwmFile } : {}),
          ESPRUINO_IDLE_US: String(opts.idleUs ?? 300),
          ...opts.env,
        },
      });
      this.proc = proc;
      /** @param {Buffer} b */
      const onData = (b) => {
        if (this.proc !== proc) return;
        this.out += b.toString("latin1");
        for (const l of this.listeners.slice()) l(this.out);
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.stdin.on("error", () => {});
      proc.on("exit", (code, signal) => {
        if (signal && signal !== "SIGKILL" && !this.stopping && !BANNER.test(this.out) && this.starts < 3) {
          start(); // died starting up (the high-water thread's race): once more
          return;
        }
        this.exitStatus = { code, signal };
        this.exited = true;
        for (const l of this.listeners.slice()) l(this.out);
        resolveExit(undefined);
      });
    };
    this.stopping = false;
    /** @type {import("node:child_process").ChildProcessWithoutNullStreams} */
    this.proc = /** @type {any} */ (undefined);
    /** the console is being read (eval waits for it once) */
    this.reading = false;
    start();
  }

  /** Console output without the interpreter's own start-up lines ("espruino: ..."). */
  console() {
    return this.out.split("\n").filter((l) => !l.startsWith("espruino:")).join("\n");
  }

  /**
   * Resolves with the match once the output (from `from` on) matches `re`; rejects after `timeoutMs` or on exit.
   * @param {RegExp} re @param {number} [timeoutMs] @param {number} [from]
   * @returns {Promise<RegExpMatchArray>}
   */
  waitFor(re, timeoutMs = 10000, from = 0) {
    return new Promise((resolvePromise, reject) => {
      const check = (/** @type {string} */ out) => {
        const m = out.slice(from).match(re);
        if (m) done(() => resolvePromise(m));
        else if (this.exited) done(() => reject(new Error("interpreter exited (" + JSON.stringify(this.exitStatus) + ") before " + re + "; console:\n" + this.console().slice(-3000))));
      };
      const timer = setTimeout(() => done(() => reject(new Error("no " + re + " within " + timeoutMs + " ms; console:\n" + this.console().slice(-3000)))), timeoutMs);
      const done = (/** @type {() => void} */ f) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        f();
      };
      this.listeners.push(check);
      check(this.out);
    });
  }

  /**
   * Evaluates `expr` on the console (echo off) and returns JSON.parse of its JSON.stringify.
   * @param {string} expr @param {number} [timeoutMs]
   */
  async eval(expr, timeoutMs = 10000) {
    // a line written before the interpreter reads its console is lost (measured: an eval right after a boot line
    // went unanswered on a loaded host); it says "espruino: Interactive mode." when it starts reading
    if (!this.reading) {
      await this.waitFor(/espruino: Interactive mode/, 5000).catch(() => {});
      this.reading = true;
    }
    const id = Math.random().toString(36).slice(2, 10);
    const from = this.out.length;
    this.proc.stdin.write("\x10print('<<" + id + "'+JSON.stringify(" + expr + ")+'" + id + ">>')\n");
    const m = await this.waitFor(new RegExp("<<" + id + "([\\s\\S]*?)" + id + ">>"), timeoutMs, from);
    return m[1] === "undefined" || m[1] === "" ? undefined : JSON.parse(m[1]);
  }

  /** Types a line on the console (as a user would). @param {string} line */
  type(line) {
    this.proc.stdin.write(line + "\n");
  }

  /** The JsVar high-water file: peak and current used JsVars (ESPRUINO_HWM). */
  memory() {
    const t = existsSync(this.hwmFile) ? readFileSync(this.hwmFile, "utf8").trim().split(/\s+/).map(Number) : [];
    return { peak: t[0] ?? NaN, current: t[1] ?? NaN, scans: t[2] ?? NaN };
  }

  /** Resets the high-water mark (SIGUSR1) and waits until the file was written after it (scans moved on twice). */
  async resetPeak() {
    let last = this.memory().scans;
    let changes = 0;
    this.proc.kill("SIGUSR1");
    for (let i = 0; i < 100 && changes < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const now = this.memory().scans;
      if (now !== last) changes++;
      last = now;
    }
  }

  /** quit() on the console, SIGKILL if it has not exited within 2 s. */
  async stop() {
    this.stopping = true;
    if (this.exited) return;
    try {
      this.proc.stdin.write("\x10quit()\n");
    } catch {
      // stdin already closed
    }
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 2000);
    await this.exitPromise;
    clearTimeout(t);
  }
}
