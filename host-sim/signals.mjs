// Pluggable analogRead() sources. A signal is sampled with the device's time in seconds (getTime()) and
// returns volts (unit "volts") or a raw ADC code (unit "raw"); sampleRaw() quantises it like the board:
//   raw = clamp(round(volts / fullScale * 2^bits), 0, 2^bits - 1)      analogRead() = raw / 2^bits
// where fullScale is the pin's attenuation full scale (ESP32: 1.0 / 1.34 / 2.0 / 3.6 V, 3.6 V by default).
// Details: docs/simulator.md "host-sim/signals.mjs".
import { readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";

/**
 * @typedef {"volts" | "raw"} SignalUnit
 * @typedef {object} Signal
 * @property {SignalUnit} unit
 * @property {(t: number, pin: number) => number} sample  t = device time in seconds (getTime())
 * @property {string} [kind]
 */

/**
 * A constant signal.
 * @param {number} value volts (default) or raw code
 * @param {{unit?: SignalUnit}} [opts]
 * @returns {Signal}
 */
export function constant(value, opts) {
  return { unit: opts?.unit ?? "volts", kind: "constant", sample: () => value };
}

/**
 * A signal computed by a function of device time.
 * @param {(t: number, pin: number) => number} f
 * @param {{unit?: SignalUnit}} [opts]
 * @returns {Signal}
 */
export function fn(f, opts) {
  return { unit: opts?.unit ?? "volts", kind: "function", sample: f };
}

/**
 * @param {{from: number, to: number, duration: number, start?: number, repeat?: boolean, unit?: SignalUnit}} o
 * @returns {Signal}
 */
export function ramp(o) {
  const start = o.start ?? 0;
  const repeat = o.repeat ?? true;
  return {
    unit: o.unit ?? "volts",
    kind: "ramp",
    sample: (t) => {
      if (t < start) return o.from;
      let x = (t - start) / o.duration;
      if (repeat) x -= Math.floor(x);
      else if (x > 1) x = 1;
      return o.from + (o.to - o.from) * x;
    },
  };
}

/**
 * @param {{offset?: number, amplitude?: number, frequency?: number, period?: number, phase?: number, unit?: SignalUnit}} o
 * @returns {Signal}
 */
export function sine(o) {
  const offset = o.offset ?? 1.65;
  const amplitude = o.amplitude ?? 1;
  const f = o.frequency ?? (o.period ? 1 / o.period : 1);
  const phase = o.phase ?? 0;
  return { unit: o.unit ?? "volts", kind: "sine", sample: (t) => offset + amplitude * Math.sin(2 * Math.PI * f * t + phase) };
}

/**
 * @param {{low?: number, high?: number, period: number, duty?: number, phase?: number, unit?: SignalUnit}} o
 * @returns {Signal}
 */
export function square(o) {
  const low = o.low ?? 0;
  const high = o.high ?? 3.3;
  const duty = o.duty ?? 0.5;
  const phase = o.phase ?? 0;
  return {
    unit: o.unit ?? "volts",
    kind: "square",
    sample: (t) => {
      const x = (t + phase) / o.period;
      return x - Math.floor(x) < duty ? high : low;
    },
  };
}

/**
 * mulberry32: a small deterministic 32-bit PRNG. Returns the generator.
 * @param {number} seed
 */
export function mulberry32(seed) {
  let a = seed | 0;
  return function () {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Uniform noise, deterministic per microsecond of device time (see the header).
 * @param {{mean?: number, amplitude?: number, seed?: number, unit?: SignalUnit}} o
 * @returns {Signal}
 */
export function noise(o) {
  const mean = o.mean ?? 1.65;
  const amplitude = o.amplitude ?? 0.1;
  const seed = o.seed ?? 1;
  return {
    unit: o.unit ?? "volts",
    kind: "noise",
    sample: (t) => {
      const k = Math.round(t * 1e6);
      const u = mulberry32((seed + Math.imul(k, 0x9e3779b1)) | 0)();
      return mean + amplitude * (2 * u - 1);
    },
  };
}

/**
 * @param {{before: number, after: number, at: number, unit?: SignalUnit}} o
 * @returns {Signal}
 */
export function step(o) {
  return { unit: o.unit ?? "volts", kind: "step", sample: (t) => (t < o.at ? o.before : o.after) };
}

/**
 * Parses CSV replay text (see the header). Throws Error("<name> line N: ...").
 * @param {string} text
 * @param {{name?: string, unit?: SignalUnit}} [opts]
 * @returns {{unit: SignalUnit, t: number[], v: number[]}}
 */
export function parseCsv(text, opts) {
  const name = opts?.name ?? "csv";
  /** @type {SignalUnit | undefined} */
  let unit = opts?.unit;
  /** @type {number[]} */
  const ts = [];
  /** @type {number[]} */
  const vs = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const where = name + " line " + (i + 1) + ": ";
    if (!line || line.startsWith("#")) continue;
    const cells = line.split(",").map((c) => c.trim());
    if (ts.length === 0 && cells.length === 2 && /^[A-Za-z_]/.test(cells[0])) {
      const u = cells[1].toLowerCase();
      if (u !== "volts" && u !== "raw") throw new Error(where + "header must be `t,volts` or `t,raw`, got '" + line + "'");
      if (unit && unit !== u) throw new Error(where + "header says " + u + " but the spec says unit " + unit);
      unit = u;
      continue;
    }
    if (cells.length !== 2) throw new Error(where + "expected 2 columns `t,value`, got " + cells.length + " in '" + line + "'");
    const t = cells[0] === "" ? NaN : Number(cells[0]);
    const v = cells[1] === "" ? NaN : Number(cells[1]);
    if (!Number.isFinite(t)) throw new Error(where + "time '" + cells[0] + "' is not a number");
    if (!Number.isFinite(v)) throw new Error(where + "value '" + cells[1] + "' is not a number");
    if (ts.length && !(t > ts[ts.length - 1])) throw new Error(where + "time " + t + " is not after the previous row's " + ts[ts.length - 1]);
    ts.push(t);
    vs.push(v);
  }
  if (!ts.length) throw new Error(name + ": no data rows (expected lines `t,value`)");
  return { unit: unit ?? "volts", t: ts, v: vs };
}

/**
 * CSV replay from parsed rows.
 * @param {{unit: SignalUnit, t: number[], v: number[]}} data
 * @param {"linear" | "hold"} [interpolation]
 * @returns {Signal}
 */
export function replay(data, interpolation) {
  const { t: ts, v: vs } = data;
  const hold = interpolation === "hold";
  return {
    unit: data.unit,
    kind: "csv",
    sample: (t) => {
      if (t <= ts[0]) return vs[0];
      const last = ts.length - 1;
      if (t >= ts[last]) return vs[last];
      let lo = 0;
      let hi = last;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (ts[mid] <= t) lo = mid;
        else hi = mid;
      }
      if (hold) return vs[lo];
      return vs[lo] + ((vs[hi] - vs[lo]) * (t - ts[lo])) / (ts[hi] - ts[lo]);
    },
  };
}

/** @param {unknown} x */
const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);

/**
 * Builds a Signal from its JSON spec (see the header). `baseDir` resolves CSV file paths.
 * @param {unknown} spec
 * @param {{baseDir?: string, where?: string}} [opts]
 * @returns {Signal}
 */
export function fromSpec(spec, opts) {
  const where = opts?.where ? opts.where + ": " : "";
  if (typeof spec === "number") return constant(spec);
  if (!isObj(spec)) throw new Error(where + "a signal is a number (volts) or an object with a type");
  const s = /** @type {Record<string, unknown>} */ (spec);
  /** @param {string} k @param {number} [dflt] @returns {number} */
  const num = (k, dflt) => {
    const v = s[k];
    if (v === undefined) {
      if (dflt === undefined) throw new Error(where + s.type + " signal needs a numeric '" + k + "'");
      return dflt;
    }
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(where + "'" + k + "' must be a finite number, got " + JSON.stringify(v));
    return v;
  };
  /** @param {string} k */
  const positive = (k) => {
    const v = num(k);
    if (!(v > 0)) throw new Error(where + "'" + k + "' must be > 0, got " + v);
    return v;
  };
  const unit = s.unit === undefined ? undefined : s.unit;
  if (unit !== undefined && unit !== "volts" && unit !== "raw") throw new Error(where + "unit must be 'volts' or 'raw', got " + JSON.stringify(unit));
  const u = /** @type {SignalUnit | undefined} */ (unit);
  switch (s.type) {
    case "constant":
      if (s.raw !== undefined) return constant(num("raw"), { unit: "raw" });
      return constant(num("volts", s.value === undefined ? undefined : num("value")), { unit: u });
    case "ramp":
      return ramp({ from: num("from"), to: num("to"), duration: positive("duration"), start: num("start", 0), repeat: s.repeat !== false, unit: u });
    case "sine": {
      if (s.frequency === undefined && s.period === undefined) throw new Error(where + "sine signal needs 'frequency' (Hz) or 'period' (s)");
      const frequency = s.frequency !== undefined ? positive("frequency") : 1 / positive("period");
      return sine({ offset: num("offset", 1.65), amplitude: num("amplitude", 1), frequency, phase: num("phase", 0), unit: u });
    }
    case "square": {
      const duty = num("duty", 0.5);
      if (!(duty >= 0 && duty <= 1)) throw new Error(where + "'duty' must be within 0..1, got " + duty);
      return square({ low: num("low", 0), high: num("high", 3.3), period: positive("period"), duty, phase: num("phase", 0), unit: u });
    }
    case "noise": {
      const seed = num("seed", 1);
      if ((seed | 0) !== seed) throw new Error(where + "'seed' must be a 32-bit integer, got " + seed);
      return noise({ mean: num("mean", 1.65), amplitude: num("amplitude", 0.1), seed, unit: u });
    }
    case "step":
      return step({ before: num("before"), after: num("after"), at: num("at"), unit: u });
    case "csv": {
      if (typeof s.file !== "string" || !s.file) throw new Error(where + "csv signal needs a 'file'");
      const interp = s.interpolation ?? "linear";
      if (interp !== "linear" && interp !== "hold") throw new Error(where + "interpolation must be 'linear' or 'hold', got " + JSON.stringify(interp));
      const file = resolve(opts?.baseDir ?? ".", s.file);
      let text;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        throw new Error(where + "cannot read CSV file " + file);
      }
      return replay(parseCsv(text, { name: where + s.file, unit: u }), interp);
    }
    default:
      throw new Error(where + "unknown signal type " + JSON.stringify(s.type) + " (constant, ramp, sine, square, noise, step, csv)");
  }
}

/**
 * Parses a whole signal spec file's content ({"D32": spec, ...}) into pin -> Signal.
 * @param {unknown} json
 * @param {{baseDir?: string, name?: string}} [opts]
 * @returns {Record<string, Signal>}
 */
export function fromSpecFile(json, opts) {
  const name = opts?.name ?? "signals";
  if (!isObj(json)) throw new Error(name + ": expected an object {\"D32\": {...}, ...}");
  /** @type {Record<string, Signal>} */
  const out = {};
  for (const pin of Object.keys(/** @type {object} */ (json))) {
    if (!/^[A-Za-z]*\d+$/.test(pin)) throw new Error(name + ": '" + pin + "' is not a pin name like D32");
    out[pin] = fromSpec(/** @type {Record<string, unknown>} */ (json)[pin], { baseDir: opts?.baseDir, where: name + " " + pin });
  }
  return out;
}

/**
 * Pins of a signal spec file that are not ADC pins of `profile` (adc.pinNames; "32" stands for the profile's
 * prefixed name, e.g. D32): an error message naming the first one, or "" when every pin is one.
 * @param {unknown} json @param {{name: string, adc: {pinNames?: string[], pins?: number[]}, pins?: {prefix: string}}} profile @param {string} name
 */
export function signalPinError(json, profile, name) {
  const prefix = profile.pins?.prefix ?? "D";
  const adc = profile.adc.pinNames ?? (profile.adc.pins ?? []).map((n) => prefix + n);
  for (const pin of Object.keys(/** @type {object} */ (json ?? {}))) {
    const full = /^\d+$/.test(pin) ? prefix + pin : pin.toUpperCase();
    if (!adc.includes(full)) return name + ": pin " + pin + " is not an ADC pin of " + profile.name + " (ADC pins: " + adc.join(", ") + ")";
  }
  return "";
}

/**
 * Reads and parses a signal spec file.
 * @param {string} file
 */
export function loadSpecFile(file) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error("cannot read signals file " + file + ": " + (e instanceof Error ? e.message : String(e)));
  }
  return { json, baseDir: dirname(resolve(file)) };
}

/**
 * Normalises what a caller passed for one pin: a Signal, a bare function (volts), a number (volts), or a
 * JSON spec object with a `type`.
 * @param {Signal | ((t: number, pin: number) => number) | number | Record<string, unknown>} s
 * @returns {Signal}
 */
export function toSignal(s) {
  if (typeof s === "number") return constant(s);
  if (typeof s === "function") return fn(s);
  if (s && typeof s.sample === "function") return { unit: /** @type {Signal} */ (s).unit ?? "volts", kind: /** @type {Signal} */ (s).kind, sample: /** @type {Signal} */ (s).sample };
  if (s && typeof s === "object" && typeof (/** @type {Record<string, unknown>} */ (s)).type === "string") return fromSpec(s);
  throw new Error("not a signal: " + String(s));
}

/**
 * Quantises volts like the ESP32 ADC: clamp(round(volts / fullScale * 2^bits), 0, 2^bits - 1).
 * @param {number} volts @param {number} fullScaleVolts @param {number} [bits]
 */
export function quantize(volts, fullScaleVolts, bits = 12) {
  const max = (1 << bits) - 1;
  if (typeof volts !== "number" || volts !== volts) return 0;
  const raw = Math.round((volts / fullScaleVolts) * (1 << bits));
  return raw < 0 ? 0 : raw > max ? max : raw;
}

/**
 * Converts a signal sample to a 12-bit (or `bits`) raw ADC code, clamped to the converter's range.
 * @param {Signal} s
 * @param {number} t seconds
 * @param {number} pin
 * @param {{bits: number, fullScaleVolts: number}} adc  fullScaleVolts: the pin's current full scale
 */
export function sampleRaw(s, t, pin, adc) {
  const max = (1 << adc.bits) - 1;
  const v = s.sample(t, pin);
  if (typeof v !== "number" || v !== v) return 0;
  if (s.unit !== "raw") return quantize(v, adc.fullScaleVolts, adc.bits);
  const raw = Math.round(v);
  return raw < 0 ? 0 : raw > max ? max : raw;
}
