// Sample ring: the ADC readings as analogRead() returns them (a fraction of full scale), in one Float32Array
// allocated once at boot; the drain turns them into codes (aggregator.ts).
// Details: docs/design.md "firmware/sampling/ring-buffer.ts".

/** Overflow policy: replace the oldest unread sample (counted as dropped). */
export var OVERWRITE_OLDEST = 0;
/** Overflow policy: keep the unread samples, refuse (and count) the new one. */
export var REFUSE_NEWEST = 1;

export class SampleRing {
  /** Number of channels. */
  nch: number;
  /** Slots per channel (segment length). */
  seg: number;
  /** OVERWRITE_OLDEST or REFUSE_NEWEST. */
  policy: number;
  /**
   * All readings: channel c uses readings[c*seg .. c*seg+seg-1]; sample index i lives at c*seg + i % seg. A reading
   * is stored as read (exact for the boards' k / 4096 and k / 65536); the drain checks and converts it.
   */
  readings: Float32Array;
  /** Producer: samples stored per channel (monotonic) by push(); channel c has stored wr[c] + shared. */
  wr: Float64Array;
  /** Producer: samples stored for every channel at once by the timer tick (samplers.ts, monotonic). */
  shared: number;
  /** Producer: samples refused per channel (REFUSE_NEWEST, or counted by lose()). */
  ref: Float64Array;
  /** Consumer: sample index up to which the channel has been consumed (monotonic). */
  rd: Float64Array;
  /** Consumer: samples found overwritten before they were read (OVERWRITE_OLDEST only). */
  lost: Float64Array;
  /** Consumer: readings the drain found not to be a number (or beyond -1..2 of full scale): taken and dropped. */
  invalid: Float64Array;

  /**
   * @param nch      channels (>= 1)
   * @param capacity total slots; each channel gets floor(capacity / nch) (>= 1)
   * @param policy   OVERWRITE_OLDEST or REFUSE_NEWEST
   */
  constructor(nch: number, capacity: number, policy: number) {
    var seg = Math.floor(capacity / nch);
    if (!(nch >= 1) || !(seg >= 1)) throw new Error("ring: need at least one slot per channel");
    this.nch = nch;
    this.seg = seg;
    this.policy = policy;
    this.readings = new Float32Array(seg * nch);
    this.wr = new Float64Array(nch);
    this.shared = 0;
    this.ref = new Float64Array(nch);
    this.rd = new Float64Array(nch);
    this.lost = new Float64Array(nch);
    this.invalid = new Float64Array(nch);
  }

  /**
   * Stores a reading for channel `ch` (the timer tick writes the same slots inline, samplers.ts); returns false
   * when the sample was refused (REFUSE_NEWEST and full). Never allocates, never throws (an out-of-range channel
   * is ignored and returns false).
   */
  push(ch: number, reading: number): boolean {
    if (ch >= this.nch || ch < 0) return false;
    var w = this.wr[ch] + this.shared;
    var seg = this.seg;
    if (this.policy === REFUSE_NEWEST && w - this.rd[ch] >= seg) {
      this.ref[ch] = this.ref[ch] + 1;
      return false;
    }
    this.readings[ch * seg + (w % seg)] = reading;
    this.wr[ch] = this.wr[ch] + 1;
    return true;
  }

  /**
   * Producer: counts `n` samples of channel `ch` that were taken but cannot be stored (a hardware
   * buffer lost before JS saw it). They count as taken and dropped (like refused
   * samples), so the accounting stays exact. Never allocates or throws; a bad channel is ignored.
   */
  lose(ch: number, n: number): void {
    if (ch >= this.nch || ch < 0 || !(n > 0)) return;
    this.ref[ch] = this.ref[ch] + n;
  }

  /**
   * Consumer step 1 of an index-based drain: accounts for samples the producer has already lapped
   * and returns the first sample index to read; read indices [start, end) where end is `wr[ch] + shared` read
   * once by the caller *before* calling this. Cheap; allocates nothing.
   */
  skipLapped(ch: number, end: number): number {
    var start = this.rd[ch];
    var over = end - start - this.seg;
    if (over > 0) {
      this.lost[ch] = this.lost[ch] + over;
      start = start + over;
      this.rd[ch] = start;
    }
    return start;
  }
}
