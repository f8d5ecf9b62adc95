// Name validation with character loops (Espruino's RegExp silently fails to match many patterns).

/** Character class test: letters and "_" always, digits when `digits`, ":" when `colon`. */
function okChar(c: number, digits: boolean, colon: boolean): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  if (digits && c >= 48 && c <= 57) return true;
  return colon && c === 58;
}

function validName(s: unknown, colon: boolean): boolean {
  if (typeof s !== "string" || s.length === 0) return false;
  if (s.charCodeAt(0) === 95 && s.charCodeAt(1) === 95) return false;
  for (var i = 0; i < s.length; i++) {
    if (!okChar(s.charCodeAt(i), i > 0, colon)) return false;
  }
  return true;
}

/** [a-zA-Z_:][a-zA-Z0-9_:]* with no reserved "__" prefix. */
export function validMetricName(s: unknown): boolean {
  return validName(s, true);
}

/** [a-zA-Z_][a-zA-Z0-9_]* with no reserved "__" prefix. */
export function validLabelName(s: unknown): boolean {
  return validName(s, false);
}

/** True when `s` ends with `suffix`. */
export function endsWith(s: string, suffix: string): boolean {
  return s.length >= suffix.length && s.substring(s.length - suffix.length) === suffix;
}

/** Label value escaping of both formats: backslash, double quote, newline. */
export function escapeLabelValue(s: string): string {
  if (s.indexOf("\\") < 0 && s.indexOf('"') < 0 && s.indexOf("\n") < 0) return s;
  return s.split("\\").join("\\\\").split('"').join('\\"').split("\n").join("\\n");
}

/** HELP text escaping: backslash and newline; also double quote for OpenMetrics (`quote`). */
export function escapeHelp(s: string, quote: boolean): string {
  if (s.indexOf("\\") < 0 && s.indexOf("\n") < 0 && (!quote || s.indexOf('"') < 0)) return s;
  s = s.split("\\").join("\\\\").split("\n").join("\\n");
  return quote ? s.split('"').join('\\"') : s;
}
