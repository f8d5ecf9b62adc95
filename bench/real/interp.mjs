// The real-interpreter meter's plumbing: the default config per board profile, the Storage files `flash --out`
// writes, booting an instance (plain or under valgrind's callgrind) and reading callgrind's counts.
// Every instance is stopped in a finally; callgrind runs are bounded by a hard timeout and SIGKILLed after it.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Espruino, interpreterPath, writeStorage } from "../../tools/espruino-linux.mjs";
import { envWithoutSecrets } from "../../tools/flash/plan.mjs";
import { standInSource } from "../../test/real-interpreter/board-stand-in.mjs";
import getPort from "get-port";

/** Board profiles the bench measures, in table order. */
export const PROFILES = ["esp32-devkitc", "espruino-wifi", "esp32-c3"];

/** @param {string} board */
export function loadProfile(board) {
  return JSON.parse(readFileSync("boards/" + board + ".json", "utf8"));
}

/** A fresh, empty working directory for one instance. @param {string} tag */
export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), "bench-real-" + tag + "-"));
}

/** A port for one instance (127.0.0.1 only: ESPRUINO_LOOPBACK=1), free now (get-port, as the tests use). */
export function freePort() {
  return getPort({ host: "127.0.0.1" });
}

/**
 * The default config (docs/device.example.json: 2 channels at 50 Hz) adapted to `board`: the profile's first ADC pins,
 * no attenuationMv where the profile has no attenuation, and `port`.
 * @param {string} board @param {number} port
 */
export function defaultConfig(board, port) {
  const prof = loadProfile(board);
  const cfg = JSON.parse(readFileSync("docs/device.example.json", "utf8"));
  cfg.port = port;
  cfg.channels.forEach((/** @type {any} */ c, /** @type {number} */ i) => {
    c.pin = prof.adc.pinNames[i];
    if (!prof.adc.attenuation) delete c.attenuationMv;
  });
  return cfg;
}

/**
 * `node tools/flash.mjs --board B --config F --out DIR`: the exact Storage files a flash writes.
 * @param {string} board @param {object} cfg
 * @returns {{ok: true, files: Record<string, string>} | {ok: false, reason: string}}
 */
export function flashFiles(board, cfg) {
  const dir = tempDir("flash-" + board);
  try {
    const cfgFile = join(dir, "config.json");
    writeFileSync(cfgFile, JSON.stringify(cfg));
    const out = join(dir, "out");
    try {
      // no TELEMETRY_* secrets of the caller's environment in the measured files
      execFileSync(process.execPath, ["tools/flash.mjs", "--board", board, "--config", cfgFile, "--out", out], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60000, env: envWithoutSecrets(process.env) });
    } catch (e) {
      const err = /** @type {{stderr?: string, stdout?: string, status?: number}} */ (e);
      const msg = ((err.stderr ?? "") + (err.stdout ?? "")).trim().split("\n").filter(Boolean);
      return { ok: false, reason: "flash --out exit " + err.status + ": " + (msg.find((l) => /too big|does not fit|refus|error/i.test(l)) ?? msg[0] ?? "?").slice(0, 160) };
    }
    /** @type {Record<string, string>} */
    const files = {};
    for (const f of readdirSync(out)) files[f] = readFileSync(join(out, f), "latin1");
    return { ok: true, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the flash files plus the board stand-in (.boot0) into a fresh instance directory.
 * @param {string} board @param {Record<string, string>} files @param {{trackWrites?: boolean}} [opts]
 */
export function provision(board, files, opts = {}) {
  const prof = loadProfile(board);
  const dir = tempDir(board);
  writeStorage(dir, { ...files, ".boot0": standInSource({ board: prof.board, network: prof.network, trackWrites: opts.trackWrites }) });
  return dir;
}

/**
 * @typedef {object} CallgrindRun
 * @property {Espruino} e  console helpers (waitFor, eval, console, memory) over the valgrind process
 * @property {string} outFile
 * @property {() => void} zero  callgrind_control -z: zero the counters (start of a measured window)
 * @property {() => Promise<number>} dump  callgrind_control -d: write the window's counts; resolves with the dump's
 *   file number (cg.out.N), whose counts are those since the last zero/dump
 * @property {(expr?: string) => Promise<any>} finish  quit() and wait for callgrind's output (SIGKILL after the grace
 *   period); with `expr`, prints JSON.stringify(expr) in the same console line as quit() and returns it parsed
 */

/**
 * Starts the interpreter built with `jsVars` under `valgrind --tool=callgrind`, collecting only inside `toggles`
 * (C functions). No args: boots from `dir`'s Storage as a board does.
 * @param {{jsVars: number, dir: string, args?: string[], toggles: string[], dumpAfter?: string, idleUs?: number, timeoutMs?: number}} o
 * @returns {CallgrindRun}
 */
export function startCallgrind(o) {
  const outFile = join(o.dir, "cg.out");
  const vg = [
    "--tool=callgrind",
    "--callgrind-out-file=" + outFile,
    ...o.toggles.map((t) => "--toggle-collect=" + t),
    ...(o.dumpAfter ? ["--dump-after=" + o.dumpAfter] : []),
    interpreterPath(o.jsVars),
    ...(o.args ?? []),
  ];
  const proc = spawn("valgrind", vg, {
    cwd: o.dir,
    stdio: ["pipe", "pipe", "pipe"],
    // no ESPRUINO_HWM: its scanning thread races quit() under valgrind (SIGSEGV in jsvGetMemoryUsage)
    env: { ...withoutHwm(process.env), ESPRUINO_LOOPBACK: "1", ESPRUINO_IDLE_US: String(o.idleUs ?? 500) },
  });
  // Reuse the console helpers of tools/espruino-linux.mjs over this process.
  const e = /** @type {Espruino & Record<string, any>} */ (Object.create(Espruino.prototype));
  Object.assign(e, { dir: o.dir, hwmFile: join(o.dir, "hwm.txt"), out: "", listeners: [], exited: false, proc });
  /** @param {Buffer} b */
  const onData = (b) => {
    e.out += b.toString("latin1");
    for (const l of e.listeners.slice()) l(e.out);
  };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  proc.stdin.on("error", () => {});
  e.exitPromise = new Promise((r) =>
    proc.on("exit", () => {
      e.exited = true;
      for (const l of e.listeners.slice()) l(e.out);
      r(undefined);
    }),
  );
  const hard = setTimeout(() => proc.kill("SIGKILL"), o.timeoutMs ?? 120000);
  let dumped = 0;
  const control = (/** @type {string} */ flag) =>
    execFileSync("callgrind_control", [flag, String(proc.pid)], { encoding: "utf8", timeout: 30000, stdio: ["ignore", "pipe", "pipe"] });
  return {
    e,
    outFile,
    zero() {
      control("-z");
    },
    async dump() {
      control("-d");
      dumped++;
      const f = outFile + "." + dumped;
      for (let i = 0; i < 200 && !existsSync(f); i++) await sleep(50);
      if (!existsSync(f)) throw new Error("callgrind dump " + f + " did not appear");
      await sleep(100); // written completely
      return dumped;
    },
    async finish(expr) {
      let value;
      if (!e.exited) {
        const from = e.out.length;
        try {
          proc.stdin.write("\x10" + (expr ? "print('<<fin'+JSON.stringify(" + expr + ")+'fin>>');" : "") + "quit()\n");
        } catch {
          // stdin closed
        }
        const t = setTimeout(() => proc.kill("SIGKILL"), 30000);
        await e.exitPromise;
        clearTimeout(t);
        const m = e.out.slice(from).match(/<<fin([\s\S]*?)fin>>/);
        if (m) value = JSON.parse(m[1]);
      }
      clearTimeout(hard);
      if (expr && value === undefined) throw new Error("no value of " + expr + " at quit; console:\n" + e.console().slice(-1500));
      return value;
    },
  };
}

/** @param {NodeJS.ProcessEnv} env */
function withoutHwm(env) {
  const e = { ...env };
  delete e.ESPRUINO_HWM;
  return e;
}

/** Total collected instructions of a callgrind output file (its `totals:`/`summary:` line). @param {string} file */
export function collected(file) {
  const t = readFileSync(file, "utf8");
  const m = t.match(/^totals:\s+(\d+)/m) ?? t.match(/^summary:\s+(\d+)/m);
  if (!m) throw new Error("no totals in " + file);
  return Number(m[1]);
}

/**
 * Inclusive instructions of each C function in `fns` (callgrind_annotate --inclusive=yes).
 * @param {string} file @param {string[]} fns @returns {Record<string, number>}
 */
export function inclusive(file, fns) {
  const t = execFileSync("callgrind_annotate", ["--inclusive=yes", "--threshold=100", file], { encoding: "utf8", maxBuffer: 64 << 20 });
  /** @type {Record<string, number>} */
  const r = {};
  for (const f of fns) {
    const line = t.split("\n").find((l) => new RegExp("[\\s:]" + f + "(\\s|$|\\[|')").test(l));
    r[f] = line ? Number(line.trim().split(/\s+/)[0].replace(/,/g, "")) : 0;
  }
  return r;
}

/**
 * Calls of C function `fn` recorded in a callgrind output file (its `calls=` lines under `cfn=` entries naming it):
 * with --toggle-collect=jstOnRunInterruptJSEvent, the EXEC ticks that ran in the window, counted by the same tool
 * and over the same window as their instructions.
 * @param {string} file @param {string} fn
 */
export function callCount(file, fn) {
  /** @type {Map<string, string>} */
  const names = new Map();
  let n = 0;
  let target = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (m) {
      if (m[2] !== undefined) names.set(m[1], m[2]);
      target = line.startsWith("cfn=") && names.get(m[1]) === fn;
      continue;
    }
    if (target && line.startsWith("calls=")) {
      n += Number(line.slice(6).split(" ")[0]);
      target = false;
    }
  }
  return n;
}

/** Files of the dumps callgrind wrote so far (--dump-after): cg.out.1, cg.out.2, ... in order. @param {string} dir */
export function dumps(dir) {
  return readdirSync(dir)
    .filter((f) => /^cg\.out\.\d+$/.test(f))
    .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]))
    .map((f) => join(dir, f));
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Removes an instance directory (best effort). @param {string} dir */
export function cleanup(dir) {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

export { Espruino, mkdirSync };
