// `node tools/flash.mjs ARGS` as a test runs it: no TELEMETRY_* secrets from this environment (only `env`'s),
// output collected, killed after `timeoutMs`; every child is kept in `children` for the suite's afterEach.
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { envWithoutSecrets } from "../../tools/flash/plan.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const FLASH = join(ROOT, "tools", "flash.mjs");

export interface FlashRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

export function runFlash(
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; children: ChildProcess[] }
): Promise<FlashRun> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [FLASH, ...args], { cwd: o.cwd ?? ROOT, env: { ...envWithoutSecrets(process.env), ...o.env }, stdio: ["ignore", "pipe", "pipe"] });
  o.children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (b) => (out += b));
  child.stderr?.on("data", (b) => (err += b));
  return new Promise((r) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(hard);
      r({ code, signal, out, err, ms: Date.now() - t0 });
    });
  });
}
