// Number formatting for the exposition formats, exact without String(float) or toFixed (both are inexact on
// Espruino, see docs/espruino-platform.md §2). Integers print as they are (exact below 2^53); other values are
// scaled to a 15-digit integer with exact powers of ten and printed as that integer (relative error < 1e-14).
// No numeric literal with an exponent or many trailing zeros appears here: the minifier may respell it
// as "1e15", which Espruino may parse off by a few units. Powers of ten are built by multiplication.

/**
 * P[k] = 10^k, exact for k <= 22 (a Float64Array: 19 JsVars where an array of 23 numbers takes 38), built by a
 * function expression run once and then freed (a named module function would stay in RAM).
 */
var P = (function (): Float64Array {
  var p = new Float64Array(23);
  p[0] = 1;
  for (var k = 1; k < 23; k++) p[k] = p[k - 1] * 10;
  return p;
})();
var LN10 = Math.log(10);
var TWO53 = 9007199254740992;
var ZEROS = "00000000";
var P14 = P[14];
var P15 = P[15];

/** round(x * 10^k) for x > 0, with at most a few roundings. */
function scale(x: number, k: number): number {
  while (k > 22) {
    x = x * P[22];
    k -= 22;
  }
  while (k < -22) {
    x = x / P[22];
    k += 22;
  }
  return Math.round(k < 0 ? x / P[-k] : x * P[k]);
}

/**
 * Finite non-zero, non-integer-path value in Go's strconv 'g' shortest layout (15 significant digits,
 * trailing zeros dropped): fixed for decimal exponents -4..5, otherwise d.ddde+XX. The digits are one integer
 * below 10^15, which the interpreter prints exactly (its float printer is inexact only for fractions). The common
 * case (exponent right, no trailing zero, fixed layout) passes one test per step (docs/design.md "Rendering").
 */
function fmtGeneral(x: number): string {
  var neg = x < 0;
  if (neg) x = -x;
  var e = Math.floor(Math.log(x) / LN10);
  // scale(x, 14 - e) inline for the usual exponents (no call: a call costs three statements on the board)
  var m = e > -9 && e < 37 ? Math.round(e > 14 ? x / P[e - 14] : x * P[14 - e]) : scale(x, 14 - e);
  if (m >= P15 || m < P14) {
    // the logarithm was one off, or rounding reached the next power of ten
    if (m >= P15) e++;
    else e--;
    m = scale(x, 14 - e);
    if (m >= P15) {
      m = P14;
      e++;
    }
  }
  // m has 15 digits; drop its trailing zeros by at most four divisions
  var n = 15;
  if (m % 10 === 0) {
    if (m % P[8] === 0) {
      m = m / P[8];
      n -= 8;
    }
    if (m % P[4] === 0) {
      m = m / P[4];
      n -= 4;
    }
    if (m % 100 === 0) {
      m = m / 100;
      n -= 2;
    }
    if (m % 10 === 0) {
      m = m / 10;
      n--;
    }
  }
  var d = "" + m;
  if (e >= 0 && e < 6) d = n > e + 1 ? d.substring(0, e + 1) + "." + d.substring(e + 1) : d + ZEROS.substring(0, e + 1 - n);
  else if (e < 0 && e > -5) d = "0." + ZEROS.substring(0, -e - 1) + d;
  else {
    var ae = e < 0 ? -e : e;
    d = d.charAt(0) + (n > 1 ? "." + d.substring(1) : "") + (e < 0 ? "e-" : "e+") + (ae < 10 ? "0" : "") + ae;
  }
  return neg ? "-" + d : d;
}

/**
 * A sample value: NaN, +Inf, -Inf, exact integers (|x| <= 2^53, plain digits), otherwise 15 significant
 * digits in Go's 'g' layout. Go's ParseFloat of the text is within 1e-14 relative of x.
 */
export function fmtValue(x: number): string {
  // the common case first, in one statement: a 32-bit integer (-0 prints "0"; Espruino has no -0)
  if (x === (x | 0)) return "" + (x | 0);
  // finite (x - x is NaN for NaN and the infinities): an integer up to 2^53 prints exactly as it is
  if (x - x === 0) return x === Math.floor(x) && x <= TWO53 && x >= -TWO53 ? "" + x : fmtGeneral(x);
  return x !== x ? "NaN" : x > 0 ? "+Inf" : "-Inf";
}

/**
 * Canonical `le` text like client_golang's text format (strconv 'g' shortest): "0.005", "1", "100000",
 * "1e+06", "+Inf". Bounds written as short decimals come out as written.
 */
export function fmtLe(x: number): string {
  if (x - x !== 0) return x !== x ? "NaN" : x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return "0";
  if (x === Math.floor(x) && x < P[6] && x > -P[6]) return "" + (x | 0);
  return fmtGeneral(x);
}

/** OpenMetrics canonical `le`: the text form with ".0" added when it has neither "." nor "e" ("1.0", "1e+06"). */
export function omLe(le: string): string {
  if (le.indexOf(".") >= 0 || le.indexOf("e") >= 0 || le.indexOf("Inf") >= 0 || le === "NaN") return le;
  return le + ".0";
}
