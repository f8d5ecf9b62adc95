// Exposition formats, their exact Content-Type strings, and Accept-header negotiation.

export var TEXT = 0;
export var OPENMETRICS = 1;
export var CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8";
export var CONTENT_TYPE_OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** Content-Type of format `fmt`. */
export function contentType(fmt: number): string {
  return fmt === OPENMETRICS ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_TEXT;
}

/**
 * OPENMETRICS when the Accept header asks for application/openmetrics-text with a q-value > 0 that is not
 * below the best q of text/plain, text/* or * / *; TEXT otherwise (also for a missing header).
 */
export function negotiate(accept: string | undefined): number {
  if (typeof accept !== "string") return TEXT;
  accept = accept.toLowerCase();
  if (accept.indexOf("openmetrics") < 0) return TEXT;
  var parts = accept.split(",");
  var om = 0;
  var tx = 0;
  for (var i = 0; i < parts.length; i++) {
    var params = parts[i].split(";");
    var type = params[0].trim();
    var q = 1;
    for (var j = 1; j < params.length; j++) {
      var p = params[j].trim();
      if (p.substring(0, 2) === "q=") {
        q = Number(p.substring(2));
        if (q !== q) q = 0;
      }
    }
    if (type === "application/openmetrics-text") {
      if (q > om) om = q;
    } else if (type === "text/plain" || type === "text/*" || type === "*/*") {
      if (q > tx) tx = q;
    }
  }
  return om > 0 && om >= tx ? OPENMETRICS : TEXT;
}
