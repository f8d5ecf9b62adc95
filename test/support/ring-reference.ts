// The sample ring's accounting read from its counters, and a reference consumer that visits every intact sample
// one by one: what the ring-buffer tests check the firmware's ring and aggregator against. Test-only (the device
// has no use for them, and a method costs it JsVars).
import type { SampleRing } from "../../firmware/sampling/ring-buffer.js";

/** Samples offered to push() for this channel (stored + refused). */
export function taken(r: SampleRing, ch: number): number {
  return r.wr[ch] + r.shared + r.ref[ch];
}

/** Samples waiting to be drained. */
export function buffered(r: SampleRing, ch: number): number {
  const n = r.wr[ch] + r.shared - r.rd[ch];
  return n > r.seg ? r.seg : n;
}

/** Samples lost so far: refused, or overwritten before being drained. */
export function dropped(r: SampleRing, ch: number): number {
  const over = r.wr[ch] + r.shared - r.rd[ch] - r.seg;
  return r.ref[ch] + r.lost[ch] + r.invalid[ch] + (over > 0 ? over : 0);
}

/** Samples handed to a drain visitor (or consumed by an index-based drain) so far. */
export function consumed(r: SampleRing, ch: number): number {
  return r.rd[ch] - r.lost[ch] - r.invalid[ch];
}

/**
 * Drains channel `ch`, calling visit(code) once per sample that was still intact when read (oldest first).
 * Samples pushed during the drain stay buffered. Returns the number visited.
 */
export function drainVisit(r: SampleRing, ch: number, visit: (code: number) => void): number {
  const end = r.wr[ch] + r.shared;
  let i = r.skipLapped(ch, end);
  const seg = r.seg;
  const base = ch * seg;
  let n = 0;
  let bad = 0;
  while (i < end) {
    const code = Math.round(r.readings[base + (i % seg)] * 4096);
    // still intact? the producer may have lapped us between two statements of this loop
    if (r.wr[ch] + r.shared - i > seg) bad++;
    else {
      visit(code);
      n++;
    }
    i++;
  }
  if (bad > 0) r.lost[ch] = r.lost[ch] + bad;
  r.rd[ch] = end;
  return n;
}
