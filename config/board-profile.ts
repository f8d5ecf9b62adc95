// Board profiles (boards/*.json): the facts about a board that the firmware, the config validator and
// the simulator rely on. validateBoardProfile checks a parsed profile and returns every error found.
// boards/schema.json describes the same shape as JSON Schema; boards/README.md gives the facts.

import { show, isObject, isNumber, isInt, isIntIn, isIdent, isPinName, isVersion, indexOfString } from "./check.js";

/** Sampler strategies, in the order the firmware knows them. */
export var STRATEGIES = ["waveform", "timer", "interval"];
/** Network kinds (both require("Wifi")): "wifi" = ESP32 native; "espruinowifi" = the Espruino WiFi board's AT driver. */
export var NETWORKS = ["wifi", "espruinowifi"];

export interface StrategyLimits {
  /** Samples per second summed over all channels that this strategy sustains on this board. */
  maxRateHz: number;
  /** Shortest tick period in microseconds. */
  minTickUs: number;
  /** Never chosen by strategy "auto"; the config must ask for it. */
  optIn?: boolean;
  /** Lowest Espruino version providing it (e.g. "2v29" for require("timer")). */
  minVersion?: string;
}

export interface AdcFacts {
  /** Code width; only 12 is supported. */
  bits: number;
  /** Espruino pin names usable with analogRead ("D32"). */
  pinNames: string[];
  /** What the usable pins are called in messages ("ADC1"). */
  pinKind: string;
  /** Why other pins are rejected, shown in the error ("GPIO32-39 only; ..."). */
  pinHint: string;
  /** Selectable full scales in mV (ESP32: attenuation via ESP32.setAtten); one entry if fixed. */
  fullScaleMv: number[];
  defaultFullScaleMv: number;
  /** True when the full scale is set per pin at boot (ESP32.setAtten, re-applied after reset()). */
  attenuation: boolean;
  /** Simulator fields (kept as the simulator defined them): GPIO numbers and default full scale in volts. */
  pins?: number[];
  fullScaleVolts?: number;
}

export interface BoardProfile {
  schema: number;
  /** Profile name = file name without .json ("esp32-devkitc"). */
  name: string;
  description?: string;
  /** process.env.BOARD. */
  board: string;
  /** Espruino version the facts were measured on ("2v29"). */
  version: string;
  mcu: string;
  /** JsVars in total (process.memory().total) and bytes per JsVar (blocksize). */
  jsVars: number;
  jsVarBytes: number;
  /** JsVars kept for code, network stack and HTTP responses; sampling state must fit in the rest. */
  reservedJsVars: number;
  /** Sockets in total, the listener included. */
  sockets: number;
  network: string;
  adc: AdcFacts;
  /** Supported sampler strategies (keys of this object) and their limits. */
  strategies: { [name: string]: StrategyLimits };
  /** Strategies "auto" tries, in order (no opt-in ones). */
  autoOrder: string[];
  /** Cost model for the simulator: perStatementUs = microseconds per JS statement. */
  cost: { perStatementUs: number; instructionsPerSecond?: number; perStatement?: number };
  /** Simulator fields, kept as defined there. */
  netChunkSize?: number;
  pins?: { count: number; prefix: string };
  timerMinMs?: number;
  storageBytes?: number;
}

export interface ProfileResult {
  profile: BoardProfile | null;
  errors: string[];
}

function checkStrategy(errors: string[], key: string, s: unknown): void {
  var p = "strategies." + key;
  if (!isObject(s)) {
    errors.push(p + ": must be an object, got " + show(s));
    return;
  }
  var o = s as StrategyLimits;
  if (!isIntIn(o.maxRateHz, 1, 1000000)) errors.push(p + ".maxRateHz: must be an integer from 1 to 1000000, got " + show(o.maxRateHz));
  if (!isIntIn(o.minTickUs, 1, 10000000)) errors.push(p + ".minTickUs: must be an integer from 1 to 10000000, got " + show(o.minTickUs));
  if (o.optIn !== undefined && typeof o.optIn !== "boolean") errors.push(p + ".optIn: must be true or false, got " + show(o.optIn));
  if (o.minVersion !== undefined && !(typeof o.minVersion === "string" && isVersion(o.minVersion))) {
    errors.push(p + '.minVersion: must be an Espruino version like "2v29", got ' + show(o.minVersion));
  }
}

function checkAdc(errors: string[], a: unknown): void {
  if (!isObject(a)) {
    errors.push("adc: must be an object, got " + show(a));
    return;
  }
  var adc = a as AdcFacts;
  var i: number;
  if (adc.bits !== 12) errors.push("adc.bits: must be 12 (codes are 12-bit), got " + show(adc.bits));
  if (!Array.isArray(adc.pinNames) || adc.pinNames.length < 1) {
    errors.push("adc.pinNames: must be a non-empty array of pin names, got " + show(adc.pinNames));
  } else {
    for (i = 0; i < adc.pinNames.length; i++) {
      var pn = adc.pinNames[i];
      if (!(typeof pn === "string" && isPinName(pn))) errors.push("adc.pinNames[" + i + "]: " + show(pn) + " is not an Espruino pin name (like D32 or A0)");
      else if (indexOfString(adc.pinNames, pn) < i) errors.push("adc.pinNames[" + i + "]: " + pn + " is listed twice");
    }
  }
  if (!(typeof adc.pinKind === "string" && adc.pinKind.length > 0)) errors.push("adc.pinKind: must be a non-empty string, got " + show(adc.pinKind));
  if (!(typeof adc.pinHint === "string" && adc.pinHint.length > 0)) errors.push("adc.pinHint: must be a non-empty string, got " + show(adc.pinHint));
  var fsOk = Array.isArray(adc.fullScaleMv) && adc.fullScaleMv.length > 0;
  if (fsOk) {
    for (i = 0; i < adc.fullScaleMv.length; i++) {
      if (!isIntIn(adc.fullScaleMv[i], 1, 100000)) {
        errors.push("adc.fullScaleMv[" + i + "]: must be an integer number of millivolts, got " + show(adc.fullScaleMv[i]));
        fsOk = false;
      }
    }
  } else {
    errors.push("adc.fullScaleMv: must be a non-empty array of millivolts, got " + show(adc.fullScaleMv));
  }
  if (fsOk) {
    var found = false;
    for (i = 0; i < adc.fullScaleMv.length; i++) if (adc.fullScaleMv[i] === adc.defaultFullScaleMv) found = true;
    if (!found) errors.push("adc.defaultFullScaleMv: " + show(adc.defaultFullScaleMv) + " is not one of adc.fullScaleMv");
  }
  if (typeof adc.attenuation !== "boolean") errors.push("adc.attenuation: must be true or false, got " + show(adc.attenuation));
}

/** Checks a parsed board profile. Returns all errors (each "field: problem"); profile is null unless there are none. */
export function validateBoardProfile(input: unknown): ProfileResult {
  var errors: string[] = [];
  if (!isObject(input)) return { profile: null, errors: ["profile: must be a JSON object, got " + show(input)] };
  var p = input as BoardProfile;
  var i: number;
  if (p.schema !== 1) errors.push("schema: must be 1, got " + show(p.schema));
  if (!(typeof p.name === "string" && isIdent(p.name, 32, 45))) {
    errors.push("name: " + show(p.name) + " must be 1-32 characters a-z, 0-9, - starting with a letter");
  }
  if (!(typeof p.board === "string" && p.board.length > 0)) errors.push("board: must be the non-empty process.env.BOARD, got " + show(p.board));
  if (!(typeof p.version === "string" && isVersion(p.version))) errors.push('version: must be an Espruino version like "2v29", got ' + show(p.version));
  if (!(typeof p.mcu === "string" && p.mcu.length > 0)) errors.push("mcu: must be a non-empty string, got " + show(p.mcu));
  if (!isIntIn(p.jsVars, 256, 1000000)) errors.push("jsVars: must be an integer from 256 to 1000000, got " + show(p.jsVars));
  if (!isIntIn(p.jsVarBytes, 8, 32)) errors.push("jsVarBytes: must be an integer from 8 to 32, got " + show(p.jsVarBytes));
  if (!isInt(p.reservedJsVars) || p.reservedJsVars < 0 || (isInt(p.jsVars) && p.reservedJsVars >= p.jsVars)) {
    errors.push("reservedJsVars: must be an integer from 0 to below jsVars, got " + show(p.reservedJsVars));
  }
  if (!isIntIn(p.sockets, 2, 64)) errors.push("sockets: must be an integer from 2 to 64 (the listener included), got " + show(p.sockets));
  if (!(typeof p.network === "string" && indexOfString(NETWORKS, p.network) >= 0)) {
    errors.push("network: " + show(p.network) + " is not one of " + NETWORKS.join(", "));
  }
  checkAdc(errors, p.adc);
  var strategies: string[] = [];
  if (!isObject(p.strategies)) {
    errors.push("strategies: must be an object keyed by strategy, got " + show(p.strategies));
  } else {
    for (var key in p.strategies) {
      if (indexOfString(STRATEGIES, key) < 0) errors.push("strategies." + key + ": unknown strategy (known: " + STRATEGIES.join(", ") + ")");
      else {
        strategies.push(key);
        checkStrategy(errors, key, p.strategies[key]);
      }
    }
    if (strategies.length < 1) errors.push("strategies: must list at least one of " + STRATEGIES.join(", "));
  }
  if (!Array.isArray(p.autoOrder) || p.autoOrder.length < 1) {
    errors.push("autoOrder: must be a non-empty array of strategy names, got " + show(p.autoOrder));
  } else {
    for (i = 0; i < p.autoOrder.length; i++) {
      var s = p.autoOrder[i];
      var lim = isObject(p.strategies) && typeof s === "string" && indexOfString(strategies, s) >= 0 ? p.strategies[s] : null;
      if (!lim) errors.push("autoOrder[" + i + "]: " + show(s) + " is not a key of strategies");
      else if (lim.optIn === true) errors.push("autoOrder[" + i + "]: " + show(s) + " is opt-in and cannot be chosen automatically");
    }
  }
  if (!isObject(p.cost) || !isNumber(p.cost.perStatementUs) || !(p.cost.perStatementUs > 0)) {
    errors.push("cost.perStatementUs: must be a positive number of microseconds, got " + show(isObject(p.cost) ? p.cost.perStatementUs : p.cost));
  }
  return { profile: errors.length > 0 ? null : p, errors: errors };
}
