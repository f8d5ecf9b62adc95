// A device on the real interpreter: the exact Storage files `npm run flash -- --out DIR` writes, plus the board
// stand-in as `.boot0`, booted with no argument (from Storage, as a board does) on the profile's JsVar build.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Espruino, writeStorage } from "../../tools/espruino-linux.mjs";
import { standInSource } from "./board-stand-in.mjs";
import { envWithoutSecrets } from "../../tools/flash/plan.mjs";
import { ROOT } from "../sim/helpers.js";

export interface Profile {
  name: string;
  board: string;
  network: string;
  jsVars: number;
  adc: { pinNames: string[]; attenuation?: boolean };
  [k: string]: unknown;
}

export function loadProfile(name: string): Profile {
  return JSON.parse(readFileSync(join(ROOT, "boards", name + ".json"), "utf8"));
}

/** docs/device.example.json on the profile's first two ADC pins, listening on `port`. */
export function exampleConfig(p: Profile, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = JSON.parse(readFileSync(join(ROOT, "docs", "device.example.json"), "utf8"));
  c.port = port;
  c.channels.forEach((ch: Record<string, unknown>, i: number) => {
    ch.pin = p.adc.pinNames[i];
    if (!p.adc.attenuation) delete ch.attenuationMv;
  });
  return { ...c, ...extra };
}

/** Runs `node tools/flash.mjs --board B --config C [--secrets S] --out DIR`; returns Storage name -> content. */
export function flashOut(board: string, config: unknown, secrets?: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "flash-out-"));
  try {
    writeFileSync(join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
    const args = ["tools/flash.mjs", "--board", board, "--config", join(dir, "config.json"), "--out", join(dir, "out")];
    if (secrets) {
      writeFileSync(join(dir, "secrets.json"), JSON.stringify(secrets), { mode: 0o600 });
      args.push("--secrets", join(dir, "secrets.json"));
    }
    execFileSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: envWithoutSecrets(process.env) });
    const files: Record<string, string> = {};
    for (const f of readdirSync(join(dir, "out"))) files[f] = readFileSync(join(dir, "out", f), "latin1");
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RealDevice {
  esp: Espruino;
  dir: string;
  /** The boot line the firmware printed. */
  bootLine: string;
  stop(): Promise<void>;
}

// the line must be whole: a console chunk can end inside "listening on port 8|0"
export const BOOT_LINE = /espruino-telemetry \S+ boot \d+, [^\n]*(listening on port \d+|not listening yet)(?=\r?\n)/;

/**
 * Boots `files` (Storage name -> content) plus the stand-in on the profile's build; resolves after the boot line.
 * `replace` edits Storage after flash --out (a corrupt config, a missing file: value null); `standIn` options of
 * the board stand-in (board-stand-in.mjs).
 */
export async function bootReal(p: Profile, files: Record<string, string>, replace: Record<string, string | null> = {}, standIn: { steppableClock?: boolean } = {}): Promise<RealDevice> {
  const dir = mkdtempSync(join(tmpdir(), "real-" + p.name + "-"));
  const storage: Record<string, string> = { ...files, ".boot0": standInSource({ board: p.board, network: p.network, ...standIn }) };
  for (const [k, v] of Object.entries(replace)) {
    if (v === null) delete storage[k];
    else storage[k] = v;
  }
  writeStorage(dir, storage);
  const esp = new Espruino({ jsVars: p.jsVars, dir });
  const stop = async () => {
    await esp.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const m = await esp.waitFor(BOOT_LINE, 15000);
    return { esp, dir, bootLine: m[0], stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Storage files for the standalone stand-in (no firmware): measures its own JsVars. */
export function standInOnly(p: Profile): Record<string, string> {
  return { ".boot0": standInSource({ board: p.board, network: p.network }) };
}
