// Optional bearer token on /metrics and the status page. The comparison always walks the whole presented
// value and the whole token (no early exit on the first differing byte or on a length mismatch), so the
// answer time does not reveal how much of a guess was right. The token travels unencrypted (plain HTTP).

export var AUTH_REALM = 'Bearer realm="espruino-telemetry"';

/** Constant-time equality of two byte strings (time depends on their lengths only). */
export function sameSecret(given: string, token: string): boolean {
  var n = given.length > token.length ? given.length : token.length;
  var diff = given.length ^ token.length;
  for (var i = 0; i < n; i++) {
    var a = i < given.length ? given.charCodeAt(i) : 0;
    var b = i < token.length ? token.charCodeAt(i) : 0;
    diff |= a ^ b;
  }
  return diff === 0;
}

/** True when the Authorization header value is "Bearer <token>" (scheme case-insensitive). */
export function bearerOk(header: string | undefined, token: string): boolean {
  if (typeof header !== "string" || header.length < 7) return false;
  if (header.substring(0, 7).toLowerCase() !== "bearer ") return false;
  return sameSecret(header.substring(7).trim(), token);
}
