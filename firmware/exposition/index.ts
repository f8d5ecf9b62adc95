// Public API of the exposition layer.
export { Cursor, open, renderFamily } from "./cursor.js";
export type { Sink } from "./cursor.js";
export { TEXT, OPENMETRICS, CONTENT_TYPE_TEXT, CONTENT_TYPE_OPENMETRICS, contentType, negotiate } from "./format.js";
export { fmtValue, fmtLe, omLe } from "./number.js";
