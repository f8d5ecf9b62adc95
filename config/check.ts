// Small helpers shared by the profile and config validators: type tests and value printing for error
// messages. Character loops only (Espruino's RegExp silently fails to match many patterns).

/** Printable form of any value for an error message (strings quoted and cut at 40 characters). */
export function show(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (typeof v === "string") return '"' + (v.length > 40 ? v.substring(0, 40) + "..." : v) + '"';
  if (typeof v === "number" || typeof v === "boolean") return "" + v;
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return "a " + typeof v;
}

/**
 * show() for a URL, with everything from after "://" (or the start) up to its last "@" replaced by "***": a
 * user:password part must not reach the console or the status page, also when the URL is malformed (a "/" in
 * the password, a mistyped scheme). Over-masking an error message costs nothing.
 */
export function showUrl(v: unknown): string {
  if (typeof v !== "string") return show(v);
  var sep = v.indexOf("://");
  var start = sep >= 0 ? sep + 3 : 0;
  var at = -1;
  for (var i = start; i < v.length; i++) if (v.charAt(i) === "@") at = i;
  return show(at >= start ? v.substring(0, start) + "***" + v.substring(at) : v);
}

export function isObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function isNumber(v: unknown): boolean {
  return typeof v === "number" && isFinite(v);
}

export function isInt(v: unknown): boolean {
  return typeof v === "number" && isFinite(v) && Math.floor(v) === v;
}

/** Integer in [lo, hi]. */
export function isIntIn(v: unknown, lo: number, hi: number): boolean {
  return isInt(v) && (v as number) >= lo && (v as number) <= hi;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** 1..max characters: a lowercase letter, then lowercase letters, digits and `extra` (a char code, or -1). */
export function isIdent(s: string, max: number, extra: number): boolean {
  if (s.length < 1 || s.length > max || !isLower(s.charCodeAt(0))) return false;
  for (var i = 1; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (!isLower(c) && !isDigit(c) && c !== extra) return false;
  }
  return true;
}

/** 1..max characters among a-z A-Z 0-9 _ . */
export function isWord(s: string, max: number): boolean {
  if (s.length < 1 || s.length > max) return false;
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (!isLower(c) && !isUpper(c) && !isDigit(c) && c !== 95) return false;
  }
  return true;
}

/** Espruino pin name: 1-2 uppercase letters then 1-2 digits (D32, A0, B1). */
export function isPinName(s: string): boolean {
  var i = 0;
  while (i < s.length && isUpper(s.charCodeAt(i))) i++;
  if (i < 1 || i > 2) return false;
  var d = s.length - i;
  if (d < 1 || d > 2) return false;
  for (; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** min..max printable ASCII characters, no `"` and no `\` (safe in a label value without escaping). */
export function isLabelText(s: string, min: number, max: number): boolean {
  if (s.length < min || s.length > max) return false;
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 92) return false;
  }
  return true;
}

/** A Prometheus label name: a-z A-Z 0-9 _, not starting with a digit, not starting with "__" (reserved). */
export function isLabelName(s: string): boolean {
  if (s.length < 1 || s.length > 64 || (s.charCodeAt(0) === 95 && s.charCodeAt(1) === 95)) return false;
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (!isLower(c) && !isUpper(c) && c !== 95 && (i === 0 || !isDigit(c))) return false;
  }
  return true;
}

/** min..max printable ASCII characters (quotes and backslashes included). */
export function isPrintable(s: string, min: number, max: number): boolean {
  if (s.length < min || s.length > max) return false;
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/** Espruino version "2v29" (optionally with a suffix like ".12"): digits, "v", two digits. */
export function isVersion(s: string): boolean {
  var i = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i < 1 || s.charCodeAt(i) !== 118) return false;
  return s.length >= i + 3 && isDigit(s.charCodeAt(i + 1)) && isDigit(s.charCodeAt(i + 2));
}

/** Numeric value of a version "2v29" as 229, for comparisons. */
export function versionNumber(s: string): number {
  var v = 0;
  var i = 0;
  var c = s.charCodeAt(0);
  while (i < s.length && isDigit(c)) {
    v = v * 10 + (c - 48);
    i++;
    c = s.charCodeAt(i);
  }
  return v * 100 + (s.charCodeAt(i + 1) - 48) * 10 + (s.charCodeAt(i + 2) - 48);
}

/** Index of s in list, -1 if absent. */
export function indexOfString(list: string[], s: string): number {
  for (var i = 0; i < list.length; i++) if (list[i] === s) return i;
  return -1;
}

/** Joins numbers or strings with ", ". */
export function joinList(list: unknown[]): string {
  var out = "";
  for (var i = 0; i < list.length; i++) out += (i > 0 ? ", " : "") + list[i];
  return out;
}

/** A URL path segment name for the push grouping key: 1-`max` characters A-Z a-z 0-9 _ . - (not "." or ".."). */
export function isUrlName(s: unknown, max: number): boolean {
  if (typeof s !== "string" || s.length < 1 || s.length > max || s === "." || s === "..") return false;
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45)) return false;
  }
  return true;
}

/**
 * "http://host[:port][/path]" -> {host, port, path} (path without a trailing "/", "" when none), or null.
 * Host: 1-64 of a-z A-Z 0-9 . - ; port 1-65535 (default 80); path: "/" then a-z A-Z 0-9 _ . - / ~.
 * No https, user info, query or fragment (Espruino's plain http client; the path gets /metrics/job/... appended).
 */
export function parsePushUrl(u: unknown): { host: string; port: number; path: string } | null {
  if (typeof u !== "string" || u.length > 200 || u.substring(0, 7) !== "http://") return null;
  var rest = u.substring(7);
  var slash = rest.indexOf("/");
  var hp = slash < 0 ? rest : rest.substring(0, slash);
  var path = slash < 0 ? "" : rest.substring(slash);
  var colon = hp.indexOf(":");
  var host = colon < 0 ? hp : hp.substring(0, colon);
  var port = 80;
  var i: number;
  var c: number;
  if (host.length < 1 || host.length > 64) return null;
  for (i = 0; i < host.length; i++) {
    c = host.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45)) return null;
  }
  if (colon >= 0) {
    var ps = hp.substring(colon + 1);
    if (ps.length < 1 || ps.length > 5) return null;
    port = 0;
    for (i = 0; i < ps.length; i++) {
      c = ps.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      port = port * 10 + c;
    }
    if (port < 1 || port > 65535) return null;
  }
  for (i = 0; i < path.length; i++) {
    c = path.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45 || c === 47 || c === 126)) return null;
  }
  while (path.length && path.charAt(path.length - 1) === "/") path = path.substring(0, path.length - 1);
  return { host: host, port: port, path: path };
}
