// The exposition number formatter: round trip within 1e-12 relative for thousands of doubles, exact
// integers up to 2^53, Go-compatible syntax, and canonical `le` texts like client_golang.
import { describe, expect, it } from "vitest";
import { fmtLe, fmtValue, omLe } from "../../firmware/exposition/number.js";
import { prng as rng } from "../support/prng.js";


/** Go ParseFloat syntax as used in the exposition formats (decimal only). */
const GO_FLOAT = /^-?(\d+(\.\d+)?)(e[+-]\d\d+)?$/;

/** Reference: Go strconv.FormatFloat(x, 'g', -1, 64) built on JS's shortest round-trip digits. */
function goG(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return "0";
  const neg = x < 0;
  const [m, e] = Math.abs(x).toExponential().split("e");
  const digits = m.replace(".", "");
  const exp = Number(e);
  let s: string;
  if (exp < -4 || exp >= 6) {
    const ae = Math.abs(exp);
    s = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" : "") + ae;
  } else if (exp < 0) {
    s = "0." + "0".repeat(-exp - 1) + digits;
  } else if (digits.length > exp + 1) {
    s = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  } else {
    s = digits + "0".repeat(exp + 1 - digits.length);
  }
  return (neg ? "-" : "") + s;
}

/** Reference: client_golang writeOpenMetricsFloat. */
function goOm(x: number): string {
  const s = goG(x);
  return /[.eIN]/.test(s) ? s : s + ".0";
}

function checkRoundTrip(x: number): void {
  const s = fmtValue(x);
  if (!GO_FLOAT.test(s)) throw new Error("not Go float syntax: " + x + " -> " + s);
  const back = Number(s);
  if (Number.isInteger(x) && Math.abs(x) <= 2 ** 53) {
    if (back !== x) throw new Error("integer not exact: " + x + " -> " + s);
    return;
  }
  const rel = Math.abs(back - x) / Math.abs(x);
  if (!(rel <= 1e-12)) throw new Error("round trip " + x + " -> " + s + " -> " + back + " (rel " + rel + ")");
}

describe("fmtValue", () => {
  it("special values", () => {
    expect(fmtValue(NaN)).toBe("NaN");
    expect(fmtValue(Infinity)).toBe("+Inf");
    expect(fmtValue(-Infinity)).toBe("-Inf");
    expect(fmtValue(0)).toBe("0");
    expect(fmtValue(-0)).toBe("0");
  });

  it.each([
    [1, "1"],
    [-1, "-1"],
    [42, "42"],
    [2147483647, "2147483647"],
    [2147483648, "2147483648"],
    [-2147483649, "-2147483649"],
    [1e15, "1000000000000000"],
    [2 ** 53, "9007199254740992"],
    [-(2 ** 53), "-9007199254740992"],
    [2 ** 53 - 1, "9007199254740991"],
    [41900236.1, "4.19002361e+07"], // the value String() prints as 41900236.10000000149 on Espruino
    [0.1, "0.1"],
    [0.1 + 0.2, "0.3"],
    [-0.125, "-0.125"],
    [21.5, "21.5"],
    [0.0001, "0.0001"],
    [0.00001234, "1.234e-05"],
    [123456.5, "123456.5"],
    [1234567.5, "1.2345675e+06"],
    [2 ** 60, "1.15292150460685e+18"],
    [1e21, "1e+21"],
    [1.7976931348623157e308, "1.79769313486232e+308"],
    [5e-324, "4.94065645841247e-324"],
    [2.2250738585072014e-308, "2.2250738585072e-308"],
    [99999.99999999999, "100000"],
    [0.9999999999999999, "1"],
    [1700000000.123456, "1.70000000012346e+09"],
  ])("%d -> %s", (x, s) => {
    expect(fmtValue(x)).toBe(s);
  });

  it("integers up to 2^53 are exact (random, all magnitudes, both signs)", () => {
    const r = rng(1);
    for (let i = 0; i < 5000; i++) {
      const bits = 1 + Math.floor(r() * 53);
      let x = Math.floor(r() * 2 ** bits);
      if (r() < 0.5) x = -x;
      expect(fmtValue(x)).toBe(BigInt(x).toString());
    }
  });

  it("random doubles across magnitudes round-trip within 1e-12 relative", () => {
    const r = rng(2);
    let n = 0;
    for (let i = 0; i < 20000; i++) {
      const exp = Math.floor(r() * 616) - 308;
      let x = (1 + r() * 9) * 10 ** exp;
      if (!Number.isFinite(x) || x === 0) continue;
      if (r() < 0.5) x = -x;
      checkRoundTrip(x);
      n++;
    }
    // raw random bit patterns (includes subnormals)
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < 20000; i++) {
      u[0] = Math.floor(r() * 4294967296);
      u[1] = Math.floor(r() * 4294967296);
      const x = f[0];
      if (!Number.isFinite(x) || x === 0) continue;
      checkRoundTrip(x);
      n++;
    }
    // typical telemetry values: volts, seconds, averages
    for (let i = 0; i < 5000; i++) {
      checkRoundTrip(r() * 3.3);
      checkRoundTrip(r() / 1000);
      checkRoundTrip(Math.round(r() * 4096) / 4096);
      n += 3;
    }
    expect(n).toBeGreaterThan(40000);
  });
});

describe("fmtLe (canonical le like client_golang)", () => {
  it.each([
    [0.005, "0.005", "0.005"],
    [0.5, "0.5", "0.5"],
    [1, "1", "1.0"],
    [0, "0", "0.0"],
    [-1, "-1", "-1.0"],
    [10, "10", "10.0"],
    [100000, "100000", "100000.0"],
    [1000000, "1e+06", "1e+06"],
    [2.5e6, "2.5e+06", "2.5e+06"],
    [0.0001, "0.0001", "0.0001"],
    [0.00001, "1e-05", "1e-05"],
    [0.1 + 0.2, "0.3", "0.3"],
    [Infinity, "+Inf", "+Inf"],
  ])("%d -> text %s, OpenMetrics %s", (x, text, om) => {
    expect(fmtLe(x)).toBe(text);
    expect(omLe(fmtLe(x))).toBe(om);
  });

  it("equals Go's FormatFloat(x,'g',-1,64) for bounds with up to 15 significant digits", () => {
    const r = rng(3);
    for (let i = 0; i < 5000; i++) {
      const digits = 1 + Math.floor(r() * 15);
      const mant = Math.floor(r() * 10 ** digits) + 1;
      const exp = Math.floor(r() * 30) - 15;
      let x = Number(mant + "e" + exp);
      if (r() < 0.2) x = -x;
      expect(fmtLe(x)).toBe(goG(x));
      expect(omLe(fmtLe(x))).toBe(goOm(x));
    }
  });
});
