// Shared helpers for the simulator tests.
import { afterEach, vi } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import { join } from "node:path";
import { SimDevice } from "../../host-sim/index.mjs";

export const ROOT = join(import.meta.dirname, "..", "..");
export const MIN_BUNDLE = join(ROOT, "dist", "firmware.min.js");
export const READABLE_BUNDLE = join(ROOT, "dist", "firmware.js");

/** Builds dist/ if it is missing or stale (tests normally run after `npm run build`). */
export function ensureBuilt(): void {
  if (existsSync(MIN_BUNDLE) && existsSync(READABLE_BUNDLE)) return;
  execFileSync(process.execPath, [join(ROOT, "tools", "build.mjs"), "--if-needed", "--quiet"], { cwd: ROOT, stdio: "inherit" });
}

/** The build version baked into dist/ (dist/build.json). */
export function builtVersion(): string {
  return JSON.parse(readFileSync(join(ROOT, "dist", "build.json"), "utf8")).version;
}

/** A device running inline test code (no firmware), virtual clock. */
export function codeDevice(code: string, opts: Record<string, unknown> = {}): SimDevice {
  return new SimDevice({ bundle: code + "\n", ...opts });
}

/**
 * A suite's boot(code, opts): a booted codeDevice with `defaults` under `opts`; every device it made is stopped
 * after each test.
 */
export function codeDeviceBooter(defaults: Record<string, unknown> = {}): (code: string, opts?: Record<string, unknown>) => Promise<SimDevice> {
  const devices: SimDevice[] = [];
  afterEach(async () => {
    while (devices.length) await (devices.pop() as SimDevice).stop();
  });
  return async (code, opts = {}) => {
    const d = codeDevice(code, { ...defaults, ...opts });
    devices.push(d);
    await d.boot();
    return d;
  };
}

export interface RawResponse {
  text: string;
  reads: number;
}

/**
 * Sends raw bytes to 127.0.0.1:port and collects everything until the server closes the connection.
 * `parts` are written in order; a function part is awaited between writes (to split a request).
 */
export function rawExchange(port: number, parts: Array<string | (() => Promise<void>)>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let reads = 0;
    sock.on("data", (b) => {
      chunks.push(b);
      reads++;
    });
    sock.on("error", reject);
    sock.on("close", () => resolve({ text: Buffer.concat(chunks).toString("latin1"), reads }));
    sock.on("connect", async () => {
      try {
        for (const p of parts) {
          if (typeof p === "string") sock.write(p);
          else await p();
        }
      } catch (e) {
        sock.destroy();
        reject(e);
      }
    });
  });
}

/** Waits (vi.waitFor, at most `timeoutMs`) for `cond`, yielding to Node's event loop between checks. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  await vi.waitFor(
    () => {
      if (!cond()) throw new Error("condition never became true: " + what);
    },
    { timeout: timeoutMs, interval: 1 },
  );
}

/** Splits a raw HTTP response into head lines and body. */
export function splitResponse(text: string): { head: string[]; body: string } {
  const i = text.indexOf("\r\n\r\n");
  if (i < 0) throw new Error("no header block in: " + JSON.stringify(text.slice(0, 200)));
  return { head: text.slice(0, i).split("\r\n"), body: text.slice(i + 4) };
}

/** Kills (SIGKILL) every child process of `list` that is still running and waits for each to exit; empties it. */
export async function killChildren(list: ChildProcess[]): Promise<void> {
  for (const c of list.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.on("exit", r));
      c.kill("SIGKILL");
      await gone;
    }
  }
}
