// Runs the stock espruino CLI (node_modules/espruino, EspruinoTools 0.1.67) with a hard timeout, its output
// filtered through a masker before it is echoed. The CLI always exits 0 ("Upload Complete"), so callers verify.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** @param {string} root */
export function cliPath(root) {
  const pkg = createRequire(join(root, "package.json")).resolve("espruino/package.json");
  return join(dirname(pkg), "bin", "espruino-cli.js");
}

/**
 * @typedef {object} CliResult
 * @property {number | null} code
 * @property {boolean} timedOut
 * @property {string} output masked stdout+stderr
 * @property {number} ms
 */

/**
 * @param {string} root
 * @param {string[]} args arguments after the CLI path
 * @param {{ timeoutMs: number, mask: (s: string) => string, echo?: (line: string) => void, env?: NodeJS.ProcessEnv, cwd?: string }} opts
 * @returns {Promise<CliResult>}
 */
export function runEspruinoCli(root, args, opts) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [cliPath(root), ...args], {
    cwd: opts.cwd ?? root,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let pending = "";
  const take = (/** @type {Buffer} */ b) => {
    pending += b.toString("utf8");
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = opts.mask(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      output += line + "\n";
      opts.echo?.(line);
    }
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  let timedOut = false;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    child.on("close", (code) => {
      clearTimeout(t);
      process.off("exit", kill);
      if (pending) {
        const line = opts.mask(pending);
        output += line;
        opts.echo?.(line);
      }
      resolve({ code, timedOut, output, ms: Date.now() - t0 });
    });
  });
}
