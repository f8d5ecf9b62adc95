// Board profiles and device config: the boards/*.json files against boards/schema.json (with a tiny
// JSON Schema validator written here) and the firmware validator; defaults; and bad inputs, each with
// its exact error text.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { validateBoardProfile, type BoardProfile } from "../../config/board-profile.js";
import { validateDeviceConfig, estimateSamplingJsVars } from "../../config/device-config.js";
import { loadValidators } from "../../config/load.mjs";
import zlib from "node:zlib";

const BOARDS = ["esp32-devkitc", "esp32-c3", "espruino-wifi"];
const readJson = (f: string) => JSON.parse(readFileSync(f, "utf8"));
const schema = readJson("boards/schema.json");

// ---- a tiny JSON Schema (draft 2020-12) validator for the keywords boards/schema.json uses ----
const KNOWN = new Set([
  "$schema", "$id", "title", "description", "$defs", "$ref", "type", "const", "enum", "required", "properties",
  "additionalProperties", "propertyNames", "minProperties", "items", "minItems", "uniqueItems", "pattern",
  "minLength", "minimum", "maximum", "exclusiveMinimum",
]);
type Schema = Record<string, any>;
function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case "object": return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array": return Array.isArray(v);
    case "string": return typeof v === "string";
    case "integer": return typeof v === "number" && Number.isInteger(v);
    case "number": return typeof v === "number" && Number.isFinite(v);
    case "boolean": return typeof v === "boolean";
    default: throw new Error("type " + t);
  }
}
function validate(s: Schema, v: any, path = "$", root: Schema = s): string[] {
  const errs: string[] = [];
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error("schema keyword not supported by the test validator: " + k);
  if (s.$ref) {
    const ref = (s.$ref as string).replace(/^#\//, "").split("/").reduce((o: any, p: string) => o[p], root);
    errs.push(...validate(ref, v, path, root));
  }
  if (s.type && !typeOk(s.type, v)) return [...errs, path + ": not " + s.type];
  if ("const" in s && v !== s.const) errs.push(path + ": not " + JSON.stringify(s.const));
  if (s.enum && !s.enum.includes(v)) errs.push(path + ": not in enum");
  if (typeof v === "string") {
    if (s.minLength !== undefined && v.length < s.minLength) errs.push(path + ": too short");
    if (s.pattern && !new RegExp(s.pattern, "u").test(v)) errs.push(path + ": pattern");
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) errs.push(path + ": < minimum");
    if (s.maximum !== undefined && v > s.maximum) errs.push(path + ": > maximum");
    if (s.exclusiveMinimum !== undefined && !(v > s.exclusiveMinimum)) errs.push(path + ": <= exclusiveMinimum");
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) errs.push(path + ": too few items");
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) errs.push(path + ": duplicate items");
    if (s.items) v.forEach((x, i) => errs.push(...validate(s.items, x, path + "[" + i + "]", root)));
  }
  if (typeOk("object", v)) {
    const keys = Object.keys(v);
    for (const r of s.required ?? []) if (!(r in v)) errs.push(path + ": missing " + r);
    if (s.minProperties !== undefined && keys.length < s.minProperties) errs.push(path + ": too few properties");
    for (const k of keys) {
      if (s.propertyNames) errs.push(...validate(s.propertyNames, k, path + "<" + k + ">", root));
      if (s.properties && k in s.properties) errs.push(...validate(s.properties[k], v[k], path + "." + k, root));
      else if (s.additionalProperties === false) errs.push(path + "." + k + ": not allowed");
      else if (typeof s.additionalProperties === "object") errs.push(...validate(s.additionalProperties, v[k], path + "." + k, root));
    }
  }
  return errs;
}

function board(name: string): BoardProfile {
  return readJson("boards/" + name + ".json");
}

describe("board profiles", () => {
  it("every boards/*.json is one of the known profiles", () => {
    const files = readdirSync("boards").filter((f) => f.endsWith(".json") && f !== "schema.json");
    expect(files.sort()).toEqual(BOARDS.map((b) => b + ".json").sort());
  });

  for (const name of BOARDS) {
    it(name + " validates against boards/schema.json and the firmware validator", () => {
      const p = board(name);
      expect(validate(schema, p)).toEqual([]);
      expect(validateBoardProfile(p).errors).toEqual([]);
      expect(p.name).toBe(name);
    });
  }

  it("the schema validator is not vacuous", () => {
    const p: any = board("esp32-devkitc");
    p.network = "ethernet";
    p.adc.pinNames.push("D32");
    p.strategies.dma = { maxRateHz: 1, minTickUs: 1 };
    p.strategies.timer.extra = 1;
    delete p.cost;
    expect(validate(schema, p)).toEqual([
      "$: missing cost",
      "$.network: not in enum",
      "$.adc.pinNames: duplicate items",
      "$.strategies.timer.extra: not allowed",
      "$.strategies<dma>: not in enum",
    ]);
  });

  it("keeps the simulator's fields of esp32-devkitc", () => {
    const p: any = board("esp32-devkitc");
    expect(p).toMatchObject({
      name: "esp32-devkitc", board: "ESP32", version: "2v29", jsVars: 16383, jsVarBytes: 14, sockets: 10, netChunkSize: 536,
      adc: { bits: 12, pins: [32, 33, 34, 35, 36, 37, 38, 39], fullScaleVolts: 3.6 }, pins: { count: 40, prefix: "D" },
      timerMinMs: 0.1, cost: { perStatement: 6900 }, storageBytes: 917504,
    });
  });

  it("states a per-statement cost consistent with its instruction rate, on every board", () => {
    for (const name of ["esp32-devkitc", "esp32-c3", "espruino-wifi"]) {
      const c = (board(name) as any).cost;
      expect(c.perStatementUs, name).toBe(Math.round((c.perStatement / c.instructionsPerSecond) * 1e6));
    }
  });

  const badProfiles: [string, (p: any) => void, string[]][] = [
    ["not an object", () => {}, ["profile: must be a JSON object, got null"]],
    ["upper-case name", (p) => (p.name = "ESP32"), ['name: "ESP32" must be 1-32 characters a-z, 0-9, - starting with a letter']],
    ["bad pin name", (p) => (p.adc.pinNames[1] = "gpio33"), ['adc.pinNames[1]: "gpio33" is not an Espruino pin name (like D32 or A0)']],
    ["duplicate pin", (p) => (p.adc.pinNames[2] = "D32"), ["adc.pinNames[2]: D32 is listed twice"]],
    ["default full scale not listed", (p) => (p.adc.defaultFullScaleMv = 3300), ["adc.defaultFullScaleMv: 3300 is not one of adc.fullScaleMv"]],
    ["unknown strategy", (p) => (p.strategies.dma = {}), ["strategies.dma: unknown strategy (known: waveform, timer, interval)"]],
    ["opt-in strategy in autoOrder", (p) => (p.autoOrder = ["waveform"]), ['autoOrder[0]: "waveform" is opt-in and cannot be chosen automatically']],
    ["autoOrder names a missing strategy", (p) => { delete p.strategies.interval; }, ['autoOrder[1]: "interval" is not a key of strategies']],
    ["reserved above total", (p) => (p.reservedJsVars = 20000), ["reservedJsVars: must be an integer from 0 to below jsVars, got 20000"]],
    ["unknown network", (p) => (p.network = "ethernet"), ['network: "ethernet" is not one of wifi, espruinowifi']],
    ["zero rate", (p) => (p.strategies.timer.maxRateHz = 0), ["strategies.timer.maxRateHz: must be an integer from 1 to 1000000, got 0"]],
    ["bad version", (p) => (p.version = "v2.29"), ['version: must be an Espruino version like "2v29", got "v2.29"']],
    ["10-bit ADC", (p) => (p.adc.bits = 10), ["adc.bits: must be 12 (codes are 12-bit), got 10"]],
    ["no cost model", (p) => { delete p.cost; }, ["cost.perStatementUs: must be a positive number of microseconds, got nothing"]],
    ["several at once", (p) => { p.schema = 2; p.jsVarBytes = 40; p.adc.attenuation = "yes"; }, [
      "schema: must be 1, got 2",
      "jsVarBytes: must be an integer from 8 to 32, got 40",
      'adc.attenuation: must be true or false, got "yes"',
    ]],
  ];
  for (const [label, mutate, errors] of badProfiles) {
    it("bad profile: " + label, () => {
      const p: any = label === "not an object" ? null : board("esp32-devkitc");
      if (p) mutate(p);
      const r = validateBoardProfile(p);
      expect(r.errors).toEqual(errors);
      expect(r.profile).toBeNull();
    });
  }
});

describe("device config", () => {
  const esp32 = board("esp32-devkitc");
  const c3 = board("esp32-c3");
  const wifi = board("espruino-wifi");

  it("fills in the documented defaults", () => {
    const r = validateDeviceConfig({ schema: 1, channels: [{ name: "vin", pin: "D32" }] }, esp32);
    expect(r.errors).toEqual([]);
    expect(r.config).toEqual({
      schema: 1,
      channels: [{ name: "vin", pin: "D32", attenuationMv: 3600, scale: 1, offset: 0, unit: "volts" }],
      sampleRateHz: 100,
      strategy: "auto",
      sampler: "timer",
      samplesPerTick: 1,
      ringCapacity: 200,
      overflow: "overwrite-oldest",
      windowSeconds: 10,
      buckets: [0.25, 0.5, 1, 1.5, 2, 2.5, 3],
      port: 80,
      device: "esp32-devkitc",
      location: "",
      auth: false,
      telnet: false,
      exposition: "auto",
      push: null,
      labels: {},
      labelPairs: "",
    });
    expect(r.jsVars).toBe(estimateSamplingJsVars(1, 200, 7, 14));
  });

  it("keeps explicit values and resolves auto in the profile's order", () => {
    const full = {
      schema: 1,
      channels: [
        { name: "battery", pin: "D34", attenuationMv: 2000, scale: 2, offset: 0, unit: "volts" },
        { name: "temp_c", pin: "D35", attenuationMv: 1000, scale: 100, offset: -50, unit: "celsius" },
      ],
      sampleRateHz: 150,
      strategy: "auto",
      samplesPerTick: 4,
      ringCapacity: 1024,
      overflow: "refuse-newest",
      windowSeconds: 60,
      buckets: [-10, 0, 10, 20, 30],
      port: 9100,
      device: "greenhouse-1",
      location: "Shed 2, north wall",
      auth: true,
      telnet: true,
      exposition: "text",
    };
    const r = validateDeviceConfig(full, esp32);
    expect(r.errors).toEqual([]);
    // 300 samples/s is too much for "timer" (200), fine for "interval" (400; tick 26667 us)
    expect(r.config).toEqual({ ...full, sampler: "interval", push: null, labels: {}, labelPairs: "" });
    // espruino-wifi: waveform is opt-in (it cannot be verified on the real interpreter); auto starts with timer
    expect(validateDeviceConfig({ schema: 1, channels: [{ name: "a", pin: "A0" }] }, wifi).config?.sampler).toBe("timer");
    expect(validateDeviceConfig({ schema: 1, channels: [{ name: "a", pin: "A0" }], strategy: "waveform" }, wifi).config?.sampler).toBe("waveform");
    expect(validateDeviceConfig({ schema: 1, channels: [{ name: "a", pin: "D32" }], strategy: "waveform" }, esp32).config?.sampler).toBe("waveform");
  });

  it("estimates JsVars with the documented formula and leaves the reserved headroom", () => {
    // ring 20000 slots on 1 channel, 7 buckets, 13-byte JsVars: see estimateSamplingJsVars (ring 6 429, aggregator
    // with its 64-slot scratch 116, objects 275)
    expect(estimateSamplingJsVars(1, 20000, 7, 13)).toBe(6820);
    // a Uint16Array(1000) is about 146 JsVars and a Float64Array(1000) about 590 at 14 bytes (docs/espruino-platform.md §5): never under
    expect(estimateSamplingJsVars(1, 1000, 0, 14) - estimateSamplingJsVars(1, 0, 0, 14)).toBeGreaterThanOrEqual(146);
    // the default config fits every board
    for (const [p, pin] of [[esp32, "D32"], [c3, "D0"], [wifi, "A0"]] as const) {
      const r = validateDeviceConfig({ schema: 1, channels: [{ name: "a", pin }] }, p);
      expect(r.errors).toEqual([]);
      expect(r.jsVars).toBeLessThan(p.jsVars - p.reservedJsVars);
    }
  });

  const one = [{ name: "vin", pin: "D32" }];
  const bad: [string, BoardProfile, unknown, string[]][] = [
    ["not an object", esp32, [], ["config: must be a JSON object, got an array"]],
    ["ADC2 pin", esp32, { schema: 1, channels: [...one, { name: "b", pin: "D25" }] },
      ["channels[1].pin: D25 is not an ADC1 pin on esp32-devkitc (GPIO32-39 only; ADC2 is unusable while Wi-Fi is on)"]],
    ["C3 ADC2 pin", c3, { schema: 1, channels: [{ name: "a", pin: "D5" }] },
      ["channels[0].pin: D5 is not an ADC1 pin on esp32-c3 (D0-D4 only; D5 is on ADC2, unusable while Wi-Fi is on)"]],
    ["Espruino WiFi UART pin", wifi, { schema: 1, channels: [{ name: "a", pin: "A2" }] },
      ["channels[0].pin: A2 is not an ADC pin on espruino-wifi (A0, A1, A4-A7, B0, B1; A2/A3 carry the ESP8266 UART)"]],
    ["missing schema", esp32, { channels: one }, ["schema: must be 1, got nothing"]],
    ["schema 2", esp32, { schema: 2, channels: one }, ["schema: must be 1, got 2"]],
    ["no channels", esp32, { schema: 1 }, ["channels: must be a non-empty array of {name, pin}, got nothing"]],
    ["empty channels", esp32, { schema: 1, channels: [] }, ["channels: must be a non-empty array of {name, pin}, got an array"]],
    ["too many channels", esp32, { schema: 1, channels: Array.from({ length: 9 }, (_, i) => ({ name: "c" + i, pin: "D3" + i })) },
      ["channels: 9 channels but esp32-devkitc has 8 ADC1 pins"]],
    ["bad channel name", esp32, { schema: 1, channels: [{ name: "Temp-1", pin: "D32" }] },
      ['channels[0].name: "Temp-1" must be 1-32 characters a-z, 0-9, _ starting with a letter']],
    ["duplicate name and pin", esp32, { schema: 1, channels: [...one, { name: "vin", pin: "D32" }] },
      ["channels[1].name: vin is already used by channels[0]", "channels[1].pin: D32 is already used by channels[0]"]],
    ["channel not an object", esp32, { schema: 1, channels: ["D32"] }, ['channels[0]: must be an object with name and pin, got "D32"']],
    ["missing pin", esp32, { schema: 1, channels: [{ name: "a" }] }, ["channels[0].pin: must be a pin name like D32, got nothing"]],
    ["attenuation", esp32, { schema: 1, channels: [{ name: "a", pin: "D32", attenuationMv: 1500 }] },
      ["channels[0].attenuationMv: 1500 is not one of 1000, 1340, 2000, 3600 (full-scale mV) on esp32-devkitc"]],
    ["attenuation on a board without it", wifi, { schema: 1, channels: [{ name: "a", pin: "A0", attenuationMv: 3600 }] },
      ["channels[0].attenuationMv: 3600 is not one of 3300 (full-scale mV) on espruino-wifi"]],
    ["zero scale", esp32, { schema: 1, channels: [{ name: "a", pin: "D32", scale: 0 }] }, ["channels[0].scale: must be a finite non-zero number, got 0"]],
    ["string offset", esp32, { schema: 1, channels: [{ name: "a", pin: "D32", offset: "1" }] }, ['channels[0].offset: must be a finite number, got "1"']],
    ["non-ASCII unit", esp32, { schema: 1, channels: [{ name: "a", pin: "D32", unit: "\u00b0C" }] },
      ['channels[0].unit: "\u00b0C" must be 1-16 characters a-z, A-Z, 0-9, _']],
    ["unknown channel field", esp32, { schema: 1, channels: [{ name: "a", pin: "D32", gain: 2 }] }, ["channels[0].gain: unknown field"]],
    ["unknown field (typo)", esp32, { schema: 1, channels: one, sampleRate: 10 }, ["sampleRate: unknown field"]],
    ["fractional rate", esp32, { schema: 1, channels: one, sampleRateHz: 0.5 }, ["sampleRateHz: must be an integer from 1 to 100000, got 0.5"]],
    ["unknown strategy", esp32, { schema: 1, channels: one, strategy: "fast" }, ['strategy: "fast" is not one of auto, waveform, timer, interval']],
    ["unsupported strategy", c3, { schema: 1, channels: [{ name: "a", pin: "D0" }], strategy: "waveform" },
      ['strategy: "waveform" is not supported on esp32-c3 (supported: timer, interval)']],
    ["rate too high for the strategy", esp32, { schema: 1, channels: [...one, { name: "b", pin: "D33" }], sampleRateHz: 150, strategy: "timer" },
      ['sampleRateHz: 150 Hz x 2 channels = 300 samples/s exceeds the 200 of strategy "timer" on esp32-devkitc']],
    ["rate too high for any automatic strategy", esp32, { schema: 1, channels: one, sampleRateHz: 500 },
      ["sampleRateHz: 500 Hz x 1 channel = 500 samples/s at 1 per tick fits no automatic strategy on esp32-devkitc (timer 200/s, tick >= 2000 us, interval 400/s, tick >= 5000 us)"]],
    ["tick too short", esp32, { schema: 1, channels: one, sampleRateHz: 300, strategy: "interval" },
      ['samplesPerTick: 1 per tick at 300 Hz is a tick every 3333 us, shorter than the 5000 us minimum of "interval" on esp32-devkitc']],
    ["samplesPerTick too large", esp32, { schema: 1, channels: one, samplesPerTick: 65 }, ["samplesPerTick: must be an integer from 1 to 64, got 65"]],
    ["ring smaller than a tick", esp32, { schema: 1, channels: [...one, { name: "b", pin: "D33" }], samplesPerTick: 2, ringCapacity: 3 },
      ["ringCapacity: 3 slots for 2 channels leaves 1 per channel, fewer than samplesPerTick (2)"]],
    ["negative ring", esp32, { schema: 1, channels: one, ringCapacity: -5 }, ["ringCapacity: must be an integer from 1 to 524280, got -5"]],
    ["segment above 65535", esp32, { schema: 1, channels: one, ringCapacity: 70000 }, ["ringCapacity: 70000 slots for 1 channel is 70000 per channel, more than 65535"]],
    ["ring too large for the JsVar budget", c3, { schema: 1, channels: [{ name: "a", pin: "D0" }], ringCapacity: 20000 },
      ["ringCapacity: 20000 slots need about 6820 JsVars of sampling state, more than the 1495 esp32-c3 leaves for it (4095 JsVars - 2600 reserved)"]],
    ["overflow policy", esp32, { schema: 1, channels: one, overflow: "drop" }, ['overflow: "drop" is not one of overwrite-oldest, refuse-newest']],
    ["zero window", esp32, { schema: 1, channels: one, windowSeconds: 0 }, ["windowSeconds: must be an integer from 1 to 3600, got 0"]],
    ["buckets not increasing", esp32, { schema: 1, channels: one, buckets: [0.5, 1, 1] }, ["buckets[2]: 1 is not greater than buckets[1] (1)"]],
    ["bucket not a number", esp32, { schema: 1, channels: one, buckets: [0.5, null, "2"] },
      ["buckets[1]: must be a finite number, got null", 'buckets[2]: must be a finite number, got "2"']],
    ["no buckets", esp32, { schema: 1, channels: one, buckets: [] }, ["buckets: must be an array of 1 to 32 upper bounds, got 0 bounds"]],
    ["port out of range", esp32, { schema: 1, channels: one, port: 70000 }, ["port: must be an integer from 1 to 65535, got 70000"]],
    ["quote in device", esp32, { schema: 1, channels: one, device: 'a"b' }, ['device: "a"b" must be 1-64 printable ASCII characters without " or \\']],
    ["control character in location", esp32, { schema: 1, channels: one, location: "a\nb" },
      ['location: "a\nb" must be 0-64 printable ASCII characters without " or \\']],
    ["auth as a string", esp32, { schema: 1, channels: one, auth: "yes" }, ['auth: must be true or false, got "yes"']],
    ["telnet as a number", esp32, { schema: 1, channels: one, telnet: 1 }, ["telnet: must be true or false, got 1"]],
    ["exposition", esp32, { schema: 1, channels: one, exposition: "openmetrics" }, ['exposition: "openmetrics" is not one of auto, text']],
    ["all errors, not just the first", esp32, { schema: 3, channels: [{ name: "x", pin: "D2" }], port: 0, overflow: 1, windowSeconds: 1.5 }, [
      "schema: must be 1, got 3",
      "channels[0].pin: D2 is not an ADC1 pin on esp32-devkitc (GPIO32-39 only; ADC2 is unusable while Wi-Fi is on)",
      "overflow: 1 is not one of overwrite-oldest, refuse-newest",
      "windowSeconds: must be an integer from 1 to 3600, got 1.5",
      "port: must be an integer from 1 to 65535, got 0",
    ]],
  ];
  for (const [label, profile, input, errors] of bad) {
    it("bad config: " + label, () => {
      const r = validateDeviceConfig(input, profile);
      expect(r.errors).toEqual(errors);
      expect(r.config).toBeNull();
    });
  }
  // The device reads the validated config from one checksummed device file written on the host
  it("device file: a header with format and CRC-32, the profile's runtime facts and the config with defaults", () => {
    const v = loadValidators();
    const input = { schema: 1, channels: one, device: "d-1" };
    const r = v.compileDevice(esp32, input);
    expect(r.errors).toEqual([]);
    const text = r.text as string;
    const nl = text.indexOf("\n");
    const [name, format, crc] = text.slice(0, nl).split(" ");
    expect([name, format]).toEqual(["telemetry.cfg", "1"]);
    expect(parseInt(crc, 16)).toBe(zlib.crc32(Buffer.from(text.slice(nl + 1), "latin1")));
    const body = JSON.parse(text.slice(nl + 1));
    // as validated, minus `labels` (the device needs only their rendered labelPairs)
    const { labels, ...rest } = validateDeviceConfig(input, esp32).config as any;
    expect(labels).toEqual({});
    expect(body.config).toEqual(rest);
    expect(body.profile).toEqual({
      name: "esp32-devkitc", board: "ESP32", sockets: 10, network: "wifi", adc: { attenuation: true },
      strategies: esp32.strategies, watchdogSeconds: 10, maxMetricsStreams: 2,
    });
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
  });
  it("device file: nothing is written for an invalid config; every error names its file and field", () => {
    const v = loadValidators();
    const r = v.compileDevice(esp32, { schema: 1, channels: [{ name: "x", pin: "D2" }], telnet: "yes" });
    expect(r.text).toBeNull();
    expect(r.errors).toEqual([
      "telemetry.config.json: channels[0].pin: D2 is not an ADC1 pin on esp32-devkitc (GPIO32-39 only; ADC2 is unusable while Wi-Fi is on)",
      'telemetry.config.json: telnet: must be true or false, got "yes"',
    ]);
    const p: any = board("esp32-devkitc");
    p.network = "ethernet";
    const q = v.compileDevice(p, { schema: 1, channels: one });
    expect(q.text).toBeNull();
    expect(q.errors[q.errors.length - 1]).toBe("telemetry.config.json: not checked (no valid board profile)");
    expect(q.errors[0]).toMatch(/^telemetry\.board\.json: network: /);
  });
  it("has at least 20 bad config cases (plus the bad profiles above)", () => {
    expect(bad.length).toBeGreaterThanOrEqual(20);
  });
});

describe("ADC calibration (channels[].calibrate)", () => {
  const esp32 = board("esp32-devkitc");
  const ch = (extra: Record<string, unknown>) => ({ schema: 1, channels: [{ name: "vin", pin: "D32", unit: "bar", ...extra }] });

  it("two points: the line through them becomes scale and offset", () => {
    const r = validateDeviceConfig(ch({ calibrate: [[0.5, 1], [2.5, 9]] }), esp32);
    expect(r.errors).toEqual([]);
    expect(r.config?.channels[0]).toMatchObject({ scale: 4, offset: -1, unit: "bar" });
  });

  it("more points: the least-squares line, as ESPHome's calibrate_linear fits it", () => {
    const pts = [[0.1, 0.32], [1.0, 3.05], [2.0, 6.1], [3.0, 8.95]];
    const r = validateDeviceConfig(ch({ calibrate: pts }), esp32);
    expect(r.errors).toEqual([]);
    // independent fit: slope = (n*Sxy - Sx*Sy) / (n*Sxx - Sx^2), offset = (Sy - slope*Sx) / n
    const n = pts.length;
    const [sx, sy, sxx, sxy] = pts.reduce((a, [x, y]) => [a[0] + x, a[1] + y, a[2] + x * x, a[3] + x * y], [0, 0, 0, 0]);
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    expect(r.config?.channels[0].scale).toBeCloseTo(slope, 12);
    expect(r.config?.channels[0].offset).toBeCloseTo((sy - slope * sx) / n, 12);
  });

  const bad: [string, Record<string, unknown>, string[]][] = [
    ["with scale", { calibrate: [[0, 0], [1, 1]], scale: 2 }, ["channels[0]: calibrate replaces scale and offset; give one or the other"]],
    ["one point", { calibrate: [[0, 0]] }, ["channels[0].calibrate: need 2-16 points [ADC volts, true value], e.g. [[0.1, 0.0], [3.0, 12.0]], got 1 points"]],
    ["not an array", { calibrate: "linear" }, ['channels[0].calibrate: need 2-16 points [ADC volts, true value], e.g. [[0.1, 0.0], [3.0, 12.0]], got "linear"']],
    ["17 points", { calibrate: Array.from({ length: 17 }, (_, i) => [i / 10, i]) }, ["channels[0].calibrate: need 2-16 points [ADC volts, true value], e.g. [[0.1, 0.0], [3.0, 12.0]], got 17 points"]],
    ["a point of three", { calibrate: [[0, 0], [1, 1, 1]] }, ["channels[0].calibrate[1]: must be [ADC volts, true value] (two finite numbers), got an array"]],
    ["a string value", { calibrate: [[0, 0], [1, "5"]] }, ["channels[0].calibrate[1]: must be [ADC volts, true value] (two finite numbers), got an array"]],
    ["the same reading twice", { calibrate: [[1, 0], [1, 5]] }, ["channels[0].calibrate: every point has the same ADC volts, so no line fits them"]],
    ["a flat line", { calibrate: [[0, 5], [1, 5]] }, ["channels[0].calibrate: the fitted line is flat (the true value does not change with the reading)"]],
  ];
  for (const [label, extra, errors] of bad) {
    it("bad calibration: " + label, () => {
      const r = validateDeviceConfig(ch(extra), esp32);
      expect(r.errors).toEqual(errors);
      expect(r.config).toBeNull();
    });
  }
});

describe("constant labels (config labels)", () => {
  const esp32 = board("esp32-devkitc");
  const one = [{ name: "vin", pin: "D32" }];
  const cfg = (labels: unknown) => ({ schema: 1, channels: one, labels });

  it("rendered once for the device, in the given order, quotes and backslashes escaped; counted in the estimate", () => {
    const r = validateDeviceConfig(cfg({ site: "lab", room: "12", note: 'say "hi" \\ bye' }), esp32);
    expect(r.errors).toEqual([]);
    expect(r.config?.labels).toEqual({ site: "lab", room: "12", note: 'say "hi" \\ bye' });
    expect(r.config?.labelPairs).toBe('site="lab",room="12",note="say \\"hi\\" \\\\ bye"');
    const plain = validateDeviceConfig({ schema: 1, channels: one }, esp32);
    expect(plain.config?.labelPairs).toBe("");
    expect(plain.config?.labels).toEqual({});
    expect(r.jsVars - plain.jsVars).toBe(Math.ceil((r.config?.labelPairs.length ?? 0) / 10) + 2);
  });

  const bad: [string, unknown, string[]][] = [
    ["not an object", ["site"], ['labels: must be an object of label names and values, e.g. {"site": "lab"}, got an array']],
    ["a name with a dash", { "my-site": "x" }, ["labels.my-site: not a label name (a-z, A-Z, 0-9 and _, not starting with a digit or __)"]],
    ["a name starting with a digit", { "1st": "x" }, ["labels.1st: not a label name (a-z, A-Z, 0-9 and _, not starting with a digit or __)"]],
    ["a reserved __ name", { __name__: "x" }, ["labels.__name__: not a label name (a-z, A-Z, 0-9 and _, not starting with a digit or __)"]],
    ...["le", "quantile", "job", "instance", "device", "location", "channel", "code", "collector", "flag", "metric", "result", "state", "version", "board"].map(
      (n): [string, unknown, string[]] => ["the reserved name " + n, { [n]: "x" }, ["labels." + n + ": reserved (used by Prometheus, the Pushgateway or the firmware's own series: le, quantile, job, instance, device, location, channel, code, collector, flag, metric, result, state, version, board)"]],
    ),
    ["an empty value", { site: "" }, ['labels.site: "" must be 1-64 printable ASCII characters']],
    ["a number", { site: 7 }, ["labels.site: 7 must be 1-64 printable ASCII characters"]],
    ["a newline", { site: "a\nb" }, ['labels.site: "a\nb" must be 1-64 printable ASCII characters']],
    ["non-ASCII", { site: "K\u00fcche" }, ['labels.site: "K\u00fcche" must be 1-64 printable ASCII characters']],
    ["65 characters", { site: "x".repeat(65) }, ['labels.site: "' + "x".repeat(40) + '..." must be 1-64 printable ASCII characters']],
    ["nine labels", Object.fromEntries(Array.from({ length: 9 }, (_, i) => ["l" + i, "v"])), ["labels: 9 labels, at most 8 (each is on every series)"]],
  ];
  for (const [label, labels, errors] of bad) {
    it("bad labels: " + label, () => {
      const r = validateDeviceConfig(cfg(labels), esp32);
      expect(r.errors).toEqual(errors);
      expect(r.config).toBeNull();
    });
  }
});

describe("push config (exact texts)", () => {
  const esp32 = board("esp32-devkitc");
  const one = [{ name: "vin", pin: "D32" }];
  const cfg = (push: unknown, extra: Record<string, unknown> = {}) => ({ schema: 1, channels: one, device: "dev-1", push, ...extra });

  it("a good push block: defaults, the grouping-key path", () => {
    const input = cfg({ url: "http://10.0.0.5:9091" });
    const r = validateDeviceConfig(input, esp32);
    expect(r.errors).toEqual([]);
    expect(r.config?.push).toEqual({ url: "http://10.0.0.5:9091", host: "10.0.0.5", port: 9091, path: "/metrics/job/espruino/device/dev-1", intervalSeconds: 60, job: "espruino" });
    const full = cfg({ url: "http://gw.lan/pg/", intervalSeconds: 5, job: "plant_2.a" });
    const f = validateDeviceConfig(full, esp32);
    expect(f.config?.push).toEqual({ url: "http://gw.lan/pg/", host: "gw.lan", port: 80, path: "/pg/metrics/job/plant_2.a/device/dev-1", intervalSeconds: 5, job: "plant_2.a" });
    expect(validateDeviceConfig({ schema: 1, channels: one }, esp32).config?.push).toBeNull();
  });

  const bad: [string, unknown, string[]][] = [
    ["not an object", cfg("http://x:9091"),
      ['push: must be an object {url, intervalSeconds, job}, got "http://x:9091"']],
    ["https URL", cfg({ url: "https://gw:9091" }),
      ['push.url: "https://gw:9091" must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)']],
    ["missing URL", cfg({ intervalSeconds: 10 }),
      ["push.url: nothing must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)"]],
    ["URL with a query and a bad port", cfg({ url: "http://gw:99999/x?y" }),
      ['push.url: "http://gw:99999/x?y" must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)']],
    ["URL with a password (never echoed)", cfg({ url: "http://user:hunter5-LEAK@10.0.0.5:9091/p@th" }),
      ['push.url: "http://***@th" must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)']],
    ["malformed URL with a password (never echoed)", cfg({ url: "http:/admin:p/ss@gw:9091" }),
      ['push.url: "***@gw:9091" must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)']],
    ["password with a slash (never echoed)", cfg({ url: "http://admin:p/ss@gw" }),
      ['push.url: "http://***@gw" must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)']],
    ["interval below 5", cfg({ url: "http://gw:9091", intervalSeconds: 4 }),
      ["push.intervalSeconds: must be an integer from 5 to 86400, got 4"]],
    ["fractional interval", cfg({ url: "http://gw:9091", intervalSeconds: 7.5 }),
      ["push.intervalSeconds: must be an integer from 5 to 86400, got 7.5"]],
    ["job with a slash", cfg({ url: "http://gw:9091", job: "a/b" }),
      ['push.job: "a/b" must be 1-64 characters A-Z, a-z, 0-9, _, . or -']],
    ["empty job", cfg({ url: "http://gw:9091", job: "" }),
      ['push.job: "" must be 1-64 characters A-Z, a-z, 0-9, _, . or -']],
    ["device not URL-safe", cfg({ url: "http://gw:9091" }, { device: "dev 1" }),
      ['device: "dev 1" cannot be used in the push path /metrics/job/<job>/device/<device>: need 1-64 characters A-Z, a-z, 0-9, _, . or -']],
    ["unknown push field", cfg({ url: "http://gw:9091", token: "x" }), ["push.token: unknown field"]],
  ];
  for (const [label, input, detailed] of bad) {
    it("bad push: " + label, () => {
      const d = validateDeviceConfig(input, esp32);
      expect(d.errors).toEqual(detailed);
      expect(d.config).toBeNull();
    });
  }
});
