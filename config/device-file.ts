// The device file (Storage "telemetry.cfg"): what the firmware reads at boot, written by the host (flash,
// `npm start`, the simulator) after it validated the board profile and the config JSON. Its first line is
// "telemetry.cfg <format> <CRC-32 of the rest, 8 hex digits>"; the rest is one JSON object {profile, config}:
// the profile's runtime facts and the config with every default filled in. The device only verifies it
// (firmware/runtime/storage-contract.ts). docs/storage.md "The device file".
import { validateBoardProfile } from "./board-profile.js";
import type { BoardProfile } from "./board-profile.js";
import { validateDeviceConfig } from "./device-config.js";
import type { DeviceConfig } from "./device-config.js";

export var DEVICE_FILE = "telemetry.cfg";
/** Bumped whenever the shape of the JSON changes; the firmware refuses any other. */
export var DEVICE_FORMAT = 1;
/** The files the user edits, named in host-side messages. */
export var BOARD_JSON = "telemetry.board.json";
export var CONFIG_JSON = "telemetry.config.json";

/** The profile facts the firmware uses after validation (the rest serves the validator and the simulator). */
export interface DeviceProfile {
  name: string;
  board: string;
  sockets: number;
  network: string;
  watchdogSeconds?: number;
  maxMetricsStreams?: number;
  adc: { attenuation: boolean };
  strategies: BoardProfile["strategies"];
}

export function deviceProfile(p: BoardProfile): DeviceProfile {
  var x = p as BoardProfile & { watchdogSeconds?: number; maxMetricsStreams?: number };
  var out: DeviceProfile = { name: p.name, board: p.board, sockets: p.sockets, network: p.network, adc: { attenuation: p.adc.attenuation }, strategies: p.strategies };
  if (typeof x.watchdogSeconds === "number") out.watchdogSeconds = x.watchdogSeconds;
  if (typeof x.maxMetricsStreams === "number") out.maxMetricsStreams = x.maxMetricsStreams;
  return out;
}

/** JSON with every character above 0x7e escaped, so that the file's bytes are its characters (E.CRC32 reads bytes). */
function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, function (c) {
    return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
  });
}

/**
 * The file's text for a validated profile and config. `crc32`: CRC-32 (IEEE) of a string of byte characters. The
 * config goes as validated, minus `labels` (the device needs only their rendered `labelPairs`).
 */
export function deviceFileText(profile: BoardProfile, config: DeviceConfig, crc32: (s: string) => number): string {
  var c: { [k: string]: unknown } = {};
  for (var k in config) if (k !== "labels") c[k] = (config as unknown as { [k: string]: unknown })[k];
  var body = asciiJson({ profile: deviceProfile(profile), config: c });
  return DEVICE_FILE + " " + DEVICE_FORMAT + " " + ("0000000" + (crc32(body) >>> 0).toString(16)).slice(-8) + "\n" + body;
}

export interface Compiled {
  /** null when anything is invalid */
  text: string | null;
  /** every problem, "telemetry.board.json: field: problem" / "telemetry.config.json: field: problem" */
  errors: string[];
  profile: BoardProfile | null;
  config: DeviceConfig | null;
  /** the config's estimated sampling JsVars (validateDeviceConfig) */
  jsVars: number;
}

/** Validates a board profile and a config as parsed from their JSON files and writes the device file. */
export function compileDevice(profileIn: unknown, configIn: unknown, crc32: (s: string) => number): Compiled {
  var errors: string[] = [];
  var i: number;
  var pr = validateBoardProfile(profileIn);
  for (i = 0; i < pr.errors.length; i++) errors.push(BOARD_JSON + ": " + pr.errors[i]);
  if (!pr.profile) {
    errors.push(CONFIG_JSON + ": not checked (no valid board profile)");
    return { text: null, errors: errors, profile: null, config: null, jsVars: 0 };
  }
  var cr = validateDeviceConfig(configIn, pr.profile);
  for (i = 0; i < cr.errors.length; i++) errors.push(CONFIG_JSON + ": " + cr.errors[i]);
  var text = cr.config && !errors.length ? deviceFileText(pr.profile, cr.config, crc32) : null;
  return { text: text, errors: errors, profile: pr.profile, config: cr.config, jsVars: cr.jsVars };
}
