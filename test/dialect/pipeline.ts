// Builds a TypeScript fixture through the real firmware pipeline; see tools/build-entry.mjs.
import { buildEntry, type BuiltEntry } from "../../tools/build-entry.mjs";

export type BuiltFixture = BuiltEntry;

/** `compress` entries are merged over TERSER_OPTIONS.compress (to reproduce hazardous minifier settings). */
export function buildFixture(entry: string, compress: Record<string, unknown> = {}): Promise<BuiltFixture> {
  return buildEntry(entry, compress);
}
