// Public API of the exposition layer.
export { Cursor, open, renderFamily } from "./cursor";
export type { Sink } from "./cursor";
export { TEXT, OPENMETRICS, CONTENT_TYPE_TEXT, CONTENT_TYPE_OPENMETRICS, contentType, negotiate } from "./format";
export { fmtValue, fmtLe, omLe } from "./number";
