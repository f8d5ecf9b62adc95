// Number formatting for the exposition formats, exact without String(float) or toFixed (both are inexact on
// Espruino, see docs/espruino-platform.md §2). Integers take a cheap path; other values are scaled
// to a 15-digit integer with exact powers of ten and printed digit by digit (relative error < 1e-14).
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
var TWO31 = 2147483648;
var TWO53 = 9007199254740992;
var ZEROS = "00000000";

/** Non-negative integer below 10^8 as exactly `width` digits (width <= 8). */
function pad(n: number, width: number): string {
  var s = "" + (n | 0);
  return ZEROS.substring(0, width - s.length) + s;
}

/** Integer-valued |x| <= 2^53, exact. */
function fmtInt(x: number): string {
  if (x < TWO31 && x > -TWO31) return "" + (x | 0);
  var neg = x < 0;
  if (neg) x = -x;
  var lo = x % P[8];
  var s = "" + (((x - lo) / P[8]) | 0) + pad(lo, 8);
  return neg ? "-" + s : s;
}

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
 * trailing zeros dropped): fixed for decimal exponents -4..5, otherwise d.ddde+XX.
 */
function fmtGeneral(x: number): string {
  var neg = x < 0;
  if (neg) x = -x;
  var e = Math.floor(Math.log(x) / LN10);
  // scale(x, 14 - e) inline for the usual exponents (no call: a call costs three statements on the board)
  var m = e > -9 && e < 37 ? Math.round(e > 14 ? x / P[e - 14] : x * P[14 - e]) : scale(x, 14 - e);
  if (m >= P[15]) {
    e++;
    m = scale(x, 14 - e);
  } else if (m < P[14]) {
    e--;
    m = scale(x, 14 - e);
  }
  if (m >= P[15]) {
    // rounded up to the next power of ten
    m = P[14];
    e++;
  }
  // m has 15 digits; drop its trailing zeros by at most four divisions (not a loop over characters: this runs
  // for every fractional value of every scrape, and statements are what the board pays for)
  var n = 15;
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
  var d = m < TWO31 ? "" + (m | 0) : fmtInt(m);
  var s: string;
  if (e < -4 || e > 5) {
    var ae = e < 0 ? -e : e;
    s = d.charAt(0) + (n > 1 ? "." + d.substring(1) : "") + (e < 0 ? "e-" : "e+") + (ae < 10 ? "0" : "") + ae;
  } else if (e < 0) {
    s = "0." + ZEROS.substring(0, -e - 1) + d;
  } else if (n > e + 1) {
    s = d.substring(0, e + 1) + "." + d.substring(e + 1);
  } else {
    s = d + ZEROS.substring(0, e + 1 - n);
  }
  return neg ? "-" + s : s;
}

/** Special values; undefined for a finite number. */
function special(x: number): string | undefined {
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return undefined;
}

/**
 * A sample value: NaN, +Inf, -Inf, exact integers (|x| <= 2^53, plain digits), otherwise 15 significant
 * digits in Go's 'g' layout. Go's ParseFloat of the text is within 1e-14 relative of x.
 */
export function fmtValue(x: number): string {
  // the common case first, in one statement: a 32-bit integer (-0 prints "0", as before; Espruino has no -0)
  if (x === (x | 0)) return "" + (x | 0);
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === Math.floor(x) && x <= TWO53 && x >= -TWO53) return fmtInt(x);
  return fmtGeneral(x);
}

/**
 * Canonical `le` text like client_golang's text format (strconv 'g' shortest): "0.005", "1", "100000",
 * "1e+06", "+Inf". Bounds written as short decimals come out as written.
 */
export function fmtLe(x: number): string {
  var s = special(x);
  if (s !== undefined) return s;
  if (x === 0) return "0";
  if (x === Math.floor(x) && x < P[6] && x > -P[6]) return "" + (x | 0);
  return fmtGeneral(x);
}

/** OpenMetrics canonical `le`: the text form with ".0" added when it has neither "." nor "e" ("1.0", "1e+06"). */
export function omLe(le: string): string {
  if (le.indexOf(".") >= 0 || le.indexOf("e") >= 0 || le.indexOf("Inf") >= 0 || le === "NaN") return le;
  return le + ".0";
}
