// What a simulated device finds in Storage before its bundle boots: the files `npm run flash` writes to a real
// board (docs/storage.md), the config validated here on the host and written as the device file. Shared by the
// single-device CLI and fleet mode, so `npm start` is a complete device (valid config, sampling, Wi-Fi joined).
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { BOARDS_DIR, DEFAULT_BOARD } from "./boards.mjs";
import { loadValidators } from "../config/load.mjs";

export const DEVICE_FILE = "telemetry.cfg";
/** The config JSON the user edits (named in messages; the device reads DEVICE_FILE). */
export const CONFIG_FILE = "telemetry.config.json";
export const SECRETS_FILE = "telemetry.secrets.json";

/** A config or board profile the host refused: every problem, one per line. */
export class ConfigError extends Error {
  /** @param {string} board @param {string[]} errors */
  constructor(board, errors) {
    super("the config is invalid for board " + board + ":\n  " + errors.join("\n  "));
    this.errors = errors;
  }
}

/**
 * The device file for a board profile and a config (parsed JSON), validated on the host.
 * @param {unknown} profile
 * @param {unknown} config
 * @returns {string}
 * @throws {ConfigError} listing every problem ("telemetry.config.json: channels[0].pin: ...")
 */
export function deviceFile(profile, config) {
  const r = loadValidators().compileDevice(profile, config);
  if (r.text === null) throw new ConfigError(String(/** @type {any} */ (profile)?.name ?? "?"), r.errors);
  return r.text;
}

/** The simulator's default access point (host-sim/wifi.mjs): the default secrets join it. Not a real secret. */
export const SIM_AP_SECRETS = Object.freeze({ ssid: "sim-ap", password: "simpassword" });

/** Default demo channels per board: the first ADC pins of the profile, each with a default signal. */
const DEMO_CHANNELS = [
  { name: "ch0", signal: { type: "sine", offset: 1.65, amplitude: 1, period: 60 } },
  { name: "ch1", signal: { type: "ramp", from: 0.2, to: 3.2, duration: 30, repeat: true } },
];

/**
 * The board profile JSON (boards/NAME.json, or a path, or an object): validated with the config into the device file.
 * @param {string | Record<string, unknown> | undefined} board
 * @returns {Record<string, any>}
 */
export function boardProfileJson(board) {
  if (board && typeof board === "object") return board;
  const name = board ?? DEFAULT_BOARD;
  const file = name.endsWith(".json") ? name : join(BOARDS_DIR, name + ".json");
  if (!existsSync(file)) throw new Error("unknown board '" + name + "' (no " + file + ")");
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * ADC pin names of a profile, in order (e.g. ["D32", "D33", …]).
 * @param {Record<string, any>} profile
 * @returns {string[]}
 */
export function adcPinNames(profile) {
  const adc = profile.adc ?? {};
  if (Array.isArray(adc.pinNames) && adc.pinNames.length) return adc.pinNames.map(String);
  const prefix = profile.pins?.prefix ?? "D";
  return Array.isArray(adc.pins) ? adc.pins.map((/** @type {number} */ p) => prefix + p) : [];
}

/**
 * The demo config for a profile: one channel per default signal on its first ADC pins.
 * @param {Record<string, any>} profile
 * @param {{sampleRateHz?: number, device?: string, location?: string}} [o]
 */
export function demoConfig(profile, o = {}) {
  const pins = adcPinNames(profile);
  return {
    schema: 1,
    channels: DEMO_CHANNELS.slice(0, Math.max(1, Math.min(DEMO_CHANNELS.length, pins.length))).map((c, i) => ({
      name: c.name,
      pin: pins[i],
    })),
    sampleRateHz: o.sampleRateHz ?? 20,
    device: o.device ?? "sim-device",
    location: o.location ?? "sim-lab",
  };
}

/**
 * Default signals matching demoConfig: pin -> signal spec (host-sim/signals.mjs fromSpecFile format).
 * @param {Record<string, any>} profile
 * @returns {Record<string, unknown>}
 */
export function demoSignals(profile) {
  const pins = adcPinNames(profile);
  /** @type {Record<string, unknown>} */
  const out = {};
  DEMO_CHANNELS.forEach((c, i) => {
    if (pins[i]) out[pins[i]] = c.signal;
  });
  return out;
}

/**
 * The Storage seed of one device. `config`/`secrets` given by the user win; otherwise the demo config and the
 * simulator AP's credentials. `overrides` (e.g. device name, location, sampleRateHz) are applied last.
 * @param {{board?: string | Record<string, unknown>, config?: Record<string, unknown>, secrets?: unknown,
 *   overrides?: Record<string, unknown>}} o
 * @returns {Record<string, unknown>}
 * @throws {ConfigError} when the config is invalid for the board
 */
export function provisionStorage(o) {
  const profile = boardProfileJson(o.board);
  const config = { ...(o.config ?? demoConfig(profile)), ...(o.overrides ?? {}) };
  return {
    [DEVICE_FILE]: deviceFile(profile, config),
    [SECRETS_FILE]: o.secrets === undefined ? { ...SIM_AP_SECRETS } : o.secrets,
  };
}
