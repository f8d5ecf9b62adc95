// Pluggable analogRead() sources. A signal is sampled with the device's virtual time in seconds and
// returns volts (unit "volts") or a raw ADC code (unit "raw"). A later issue adds ramp/sine/noise/CSV.

/**
 * @typedef {"volts" | "raw"} SignalUnit
 * @typedef {object} Signal
 * @property {SignalUnit} unit
 * @property {(t: number, pin: number) => number} sample  t = device time in seconds (getTime())
 */

/**
 * A constant signal.
 * @param {number} value volts (default) or raw code
 * @param {{unit?: SignalUnit}} [opts]
 * @returns {Signal}
 */
export function constant(value, opts) {
  return { unit: opts?.unit ?? "volts", sample: () => value };
}

/**
 * A signal computed by a function of device time.
 * @param {(t: number, pin: number) => number} f
 * @param {{unit?: SignalUnit}} [opts]
 * @returns {Signal}
 */
export function fn(f, opts) {
  return { unit: opts?.unit ?? "volts", sample: f };
}

/**
 * Normalises what a caller passed for one pin: a Signal, a bare function (volts), or a number (volts).
 * @param {Signal | ((t: number, pin: number) => number) | number} s
 * @returns {Signal}
 */
export function toSignal(s) {
  if (typeof s === "number") return constant(s);
  if (typeof s === "function") return fn(s);
  if (s && typeof s.sample === "function") return { unit: s.unit ?? "volts", sample: s.sample };
  throw new Error("not a signal: " + String(s));
}

/**
 * Converts a signal sample to a 12-bit (or `bits`) raw ADC code, clamped to the converter's range.
 * @param {Signal} s
 * @param {number} t seconds
 * @param {number} pin
 * @param {{bits: number, fullScaleVolts: number}} adc
 */
export function sampleRaw(s, t, pin, adc) {
  const max = (1 << adc.bits) - 1;
  const v = s.sample(t, pin);
  if (typeof v !== "number" || v !== v) return 0;
  const raw = s.unit === "raw" ? Math.round(v) : Math.round((v / adc.fullScaleVolts) * (1 << adc.bits));
  return raw < 0 ? 0 : raw > max ? max : raw;
}
