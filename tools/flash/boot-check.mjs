// "Is the firmware running?" for the flash tool: a flash is done only when the device's console shows the
// firmware's boot line (firmware/runtime/boot.ts) and no `Uncaught …` / `OUT OF MEMORY` line from the load on.
// Details: docs/host-tools.md "tools/flash/boot-check.mjs".

/** The firmware's boot line: "espruino-telemetry VERSION boot N, config valid|K config error(s), sampling S|not sampling, listening on port P|not listening yet". */
export const BOOT_LINE = /^espruino-telemetry (\S+) boot (\d+), (config valid|\d+ config error\(s\)), (sampling \S+|not sampling), (listening on port \d+|not listening yet)/;

/** Lines that mean the firmware did not start (or died after starting). */
export const ERROR_LINE = /^(Uncaught\b|OUT OF MEMORY\b)/;

/** The interpreter's banner (printed by reset() and load() on the real interpreter; the simulator prints none). */
const BANNER = /\(c\) \d{4} G\.Williams/;

/**
 * Console text -> lines as a terminal shows them: "\r\n" and "\n" split lines, a bare "\r" returns to the start of
 * the line (the last segment wins), ANSI escapes and leading prompts (">") are dropped.
 * @param {string} text
 * @returns {string[]}
 */
export function screenLines(text) {
  return text.split("\n").map((raw) => {
    const segs = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split("\r").filter((s) => s.length > 0);
    return (segs.length ? segs[segs.length - 1] : "").replace(/^>+/, "").trimEnd();
  });
}

/**
 * The device's lines in the CLI's output (its "--] " echo of the console), from the CLI's reset() on: from the first
 * banner if the device prints one, else all of them. Anything the old firmware printed before the reset is left out.
 * @param {string} cliOutput  masked CLI output (runEspruinoCli's `output`)
 * @returns {string[]}
 */
export function cliConsoleLines(cliOutput) {
  const echoed = cliOutput.split("\n").filter((l) => l.startsWith("--] ")).map((l) => l.slice(4)).join("\n");
  const lines = screenLines(echoed);
  const b = lines.findIndex((l) => BANNER.test(l));
  return b >= 0 ? lines.slice(b + 1) : lines;
}

/**
 * @typedef {object} BootScan
 * @property {string | undefined} bootLine  the first boot line
 * @property {string | undefined} version  the build version it names
 * @property {string | undefined} error  the first Uncaught / OUT OF MEMORY line, as the device printed it (trimmed)
 * @property {string[]} warnings  config errors / "not sampling" / "not listening yet" the boot line reports
 */

/**
 * @param {string[]} lines
 * @returns {BootScan}
 */
export function scanBoot(lines) {
  /** @type {BootScan} */
  const r = { bootLine: undefined, version: undefined, error: undefined, warnings: [] };
  for (const raw of lines) {
    const l = raw.trim();
    if (!r.error && ERROR_LINE.test(l)) r.error = l;
    const m = r.bootLine ? null : BOOT_LINE.exec(l);
    if (m) {
      r.bootLine = l;
      r.version = m[1];
      if (m[3] !== "config valid") r.warnings.push("the firmware reports " + m[3]);
      if (m[4] === "not sampling") r.warnings.push("the firmware is not sampling");
      if (m[5] === "not listening yet") r.warnings.push("the firmware is not listening yet (retrying)");
    }
    if (/^config error: /.test(l)) r.warnings.push(l);
  }
  return r;
}

/** The last `n` non-empty lines. @param {string[]} lines @param {number} [n] */
export function lastLines(lines, n = 12) {
  return lines.filter((l) => l.trim() !== "").slice(-n);
}

/**
 * @typedef {object} BootResult
 * @property {"running" | "error" | "timeout"} state
 * @property {BootScan} scan
 * @property {"cli" | "console" | "reload"} source  where the decisive lines were seen
 * @property {string[]} lines  the console lines considered (masked)
 */

/**
 * Decides whether the firmware started: first from the CLI's echo; when that shows neither a boot line nor an
 * error, over a fresh console connection (listen `listenMs`, then load() once and watch until `timeoutMs`).
 * @param {string} cliOutput
 * @param {{
 *   open: () => Promise<import("./link.mjs").Link>,
 *   mask: (s: string) => string,
 *   timeoutMs: number,
 *   listenMs?: number,
 *   log?: (line: string) => void,
 * }} opts
 * @returns {Promise<BootResult>}
 */
export async function checkBoot(cliOutput, opts) {
  const fromCli = cliConsoleLines(cliOutput);
  const s0 = scanBoot(fromCli);
  if (s0.error) return { state: "error", scan: s0, source: "cli", lines: fromCli };
  if (s0.bootLine) return { state: "running", scan: s0, source: "cli", lines: fromCli };

  const link = await opts.open();
  /** @type {(() => void)[]} */
  const off = [];
  try {
    let text = "";
    /** @type {(() => void) | undefined} */
    let wake;
    let closed = false;
    off.push(link.onData((b) => {
      text += b.toString("latin1");
      wake?.();
    }));
    off.push(link.onClose(() => {
      closed = true;
      wake?.();
    }));
    const t0 = Date.now();
    /** @returns {BootScan} */
    const scanNow = () => scanBoot(screenLines(opts.mask(text)));
    /** @param {number} until @returns {Promise<BootScan | undefined>} a decisive scan, or undefined at `until` */
    const watch = async (until) => {
      for (;;) {
        const s = scanNow();
        if (s.error || s.bootLine) return s;
        if (closed || Date.now() >= until) return undefined;
        await new Promise((r) => {
          const t = setTimeout(r, Math.max(1, until - Date.now()));
          wake = () => {
            clearTimeout(t);
            r(undefined);
          };
        });
        wake = undefined;
      }
    };
    const listenMs = Math.min(opts.listenMs ?? 1500, opts.timeoutMs);
    let s = await watch(t0 + listenMs);
    /** @type {"console" | "reload"} */
    let source = "console";
    if (!s && !closed) {
      opts.log?.("boot:       no boot line in the CLI's echo of the console; calling load() once more to watch the boot");
      source = "reload";
      link.write("\x10load()\n");
      s = await watch(t0 + opts.timeoutMs);
    }
    // a moment more after a boot line: an error right after it (a timer, the first sample) still counts
    if (s && !s.error) await new Promise((r) => setTimeout(r, 300));
    const lines = [...fromCli, ...screenLines(opts.mask(text))];
    const fin = scanNow();
    if (fin.error) return { state: "error", scan: fin, source, lines };
    if (fin.bootLine) return { state: "running", scan: fin, source, lines };
    return { state: "timeout", scan: fin, source, lines };
  } finally {
    off.forEach((f) => f());
    await link.close();
  }
}
