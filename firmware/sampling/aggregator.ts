// Scrape-time aggregation of the sample ring into per-channel state, all in typed arrays allocated once
// at boot. A drain's work per sample is native (copy, sort, sum); nothing here allocates per sample.
// Details: docs/design.md "firmware/sampling/aggregator.ts".

import type { SampleRing } from "./ring-buffer.js";

/** 2^32, the unit of sumHi. */
export var SUM_SPLIT = 4294967296;
/**
 * Most samples one fold copies, sorts and adds up at a time: the length of the aggregator's scratch array. Espruino's
 * sort recurses in C once per element on a run like a steady reading with rare lower ones, and an ESP32 task has
 * 25 000 bytes of stack (an ESP32-C3 15 000): 64 keeps that recursion to a few KB (docs/design.md).
 */
export var FOLD_MAX = 64;
/** Number of raw codes (12-bit ADC). */
export var CODES = 4096;
/** Readings from LOWEST up to (not including) ABOVE round to codes 0..4095 (code = round(reading * 4096)). */
var LOWEST = -1 / 8192;
var ABOVE = 8191 / 8192;

/** One channel's conversion from code to volts (and on to a physical unit). */
export interface ChannelConversion {
  /** Full scale of the ADC in millivolts (ESP32: the attenuation, 1000/1340/2000/3600). */
  fullScaleMv: number;
  /** Multiplier applied to volts (default 1). */
  scale: number;
  /** Added after scaling (default 0). */
  offset: number;
}

export interface AggregatorSpec {
  channels: ChannelConversion[];
  /** Histogram upper bounds ("le"), in the channel's unit after scale/offset; strictly increasing, finite, at most 254. */
  buckets: number[];
  /** Window length in seconds (integer >= 1). */
  windowSeconds: number;
  /** Sum of a typed array's elements (the platform's native E.sum on the board). */
  sum: (a: Float32Array) => number;
}

/** code -> volts (or the physical unit) for one channel. Same formula everywhere, including the bucket cuts. */
export function codeToVolts(code: number, fullScaleMv: number, scale: number, offset: number): number {
  return ((code * fullScaleMv) / 4096000) * scale + offset;
}

/**
 * Sum of `count` samples whose codes add up to hi * 2^32 + lo, converted like codeToVolts.
 * Exact in codes until this single conversion.
 */
export function codeSumToVolts(hi: number, lo: number, count: number, fullScaleMv: number, scale: number, offset: number): number {
  var codes = hi * SUM_SPLIT + lo;
  return ((codes * fullScaleMv) / 4096000) * scale + offset * count;
}

/**
 * Where bucket bound `bound` cuts the codes of conversion `conv`: the first code whose value is above the bound
 * when the conversion increases (scale >= 0), the first code whose value is at most the bound when it
 * decreases; 4096 when there is none. The conversion is monotonic in the code, so a binary search finds it:
 * a code is in a bucket <= b exactly when it lies on the bound's side of cut b (see Aggregator.drain).
 */
export function bucketCut(conv: ChannelConversion, bound: number): number {
  var dec = conv.scale < 0;
  var lo = 0;
  var hi = CODES;
  while (lo < hi) {
    var mid = (lo + hi) >> 1;
    if (codeToVolts(mid, conv.fullScaleMv, conv.scale, conv.offset) <= bound ? dec : !dec) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Everything a renderer needs, copied at one instant right after a drain. Preallocate one per
 * concurrent scrape (Snapshot objects are reused; snapshot() never allocates).
 * Histogram counts are per bucket (NOT cumulative): hist[ch * (nb + 1) + i], i = nb is +Inf.
 */
export class Snapshot {
  nch: number;
  nb: number;
  /** Time passed to the drain that preceded this snapshot. */
  time: number;
  /** Samples offered to the ring (stored + refused). */
  taken: Float64Array;
  /** Samples folded into the aggregates (= histogram count). */
  aggregated: Float64Array;
  /** Samples still in the ring (pushed after the drain started). */
  buffered: Float64Array;
  /** Samples refused, overwritten or invalid. taken = aggregated + buffered + dropped, exactly. */
  dropped: Float64Array;
  /** Exact code sums: sumHi * 2^32 + sumLo. */
  sumHi: Float64Array;
  sumLo: Float64Array;
  /** Last code aggregated, -1 before the first one. */
  last: Int16Array;
  /** Last closed window: start time (s), end time (s; > start + windowSeconds if drains were missing), or -1 when none closed yet. */
  winStart: number;
  winEnd: number;
  /** Per channel: samples in the last closed window (0: min/max meaningless) and their min/max codes. */
  winCount: Float64Array;
  winMin: Uint16Array;
  winMax: Uint16Array;
  hist: Float64Array;

  constructor(nch: number, nb: number) {
    this.nch = nch;
    this.nb = nb;
    this.time = -1;
    this.taken = new Float64Array(nch);
    this.aggregated = new Float64Array(nch);
    this.buffered = new Float64Array(nch);
    this.dropped = new Float64Array(nch);
    this.sumHi = new Float64Array(nch);
    this.sumLo = new Float64Array(nch);
    this.last = new Int16Array(nch);
    this.winStart = -1;
    this.winEnd = -1;
    this.winCount = new Float64Array(nch);
    this.winMin = new Uint16Array(nch);
    this.winMax = new Uint16Array(nch);
    this.hist = new Float64Array(nch * (nb + 1));
  }
}

export class Aggregator {
  nch: number;
  /** Number of finite bucket bounds; histogram rows have nb + 1 cells. */
  nb: number;
  bounds: Float64Array;
  windowSeconds: number;
  /** Per-channel conversion. */
  fullScaleMv: Float64Array;
  scale: Float64Array;
  offset: Float64Array;
  /** cut[ch * nb + b]: bucketCut() of channel ch's conversion at bounds[b] */
  cut: Int32Array;
  /** the platform's native sum of a typed array (E.sum on the board) */
  sum: (a: Float32Array) => number;
  /** a run of readings copied out of the ring and sorted (min(segment, FOLD_MAX) long, made at the first drain) */
  tmp: Float32Array | null;
  count: Float64Array;
  sumHi: Float64Array;
  sumLo: Float64Array;
  last: Int16Array;
  hist: Float64Array;
  /** Open window (index = floor(time / windowSeconds), -1 before the first drain). */
  openWin: number;
  openN: Float64Array;
  openMin: Uint16Array;
  openMax: Uint16Array;
  /** Last closed window: [closedFrom, closedTo) in window indices, -1 when none. */
  closedFrom: number;
  closedTo: number;
  closedN: Float64Array;
  closedMin: Uint16Array;
  closedMax: Uint16Array;
  /** The aggregator's own snapshot, made at the first snapshot() without `into` (the sampler publishes without). */
  snap: Snapshot | null;
  lastDrain: number;

  constructor(spec: AggregatorSpec) {
    var nch = spec.channels.length;
    var nb = spec.buckets.length;
    var i: number;
    var j: number;
    if (nch < 1 || nb > 254) throw new Error("aggregator: need 1+ channels and at most 254 buckets");
    this.nch = nch;
    this.nb = nb;
    this.windowSeconds = spec.windowSeconds;
    this.bounds = new Float64Array(nb);
    for (i = 0; i < nb; i++) this.bounds[i] = spec.buckets[i];
    this.fullScaleMv = new Float64Array(nch);
    this.scale = new Float64Array(nch);
    this.offset = new Float64Array(nch);
    this.cut = new Int32Array(nch * nb);
    for (i = 0; i < nch; i++) {
      var c = spec.channels[i];
      this.fullScaleMv[i] = c.fullScaleMv;
      this.scale[i] = c.scale;
      this.offset[i] = c.offset;
      for (j = 0; j < nb; j++) this.cut[i * nb + j] = bucketCut(c, this.bounds[j]);
    }
    this.sum = spec.sum;
    this.tmp = null;
    this.count = new Float64Array(nch);
    this.sumHi = new Float64Array(nch);
    this.sumLo = new Float64Array(nch);
    this.last = new Int16Array(nch);
    this.last.fill(-1);
    this.hist = new Float64Array(nch * (nb + 1));
    this.openWin = -1;
    this.openN = new Float64Array(nch);
    this.openMin = new Uint16Array(nch);
    this.openMax = new Uint16Array(nch);
    this.closedFrom = -1;
    this.closedTo = -1;
    this.closedN = new Float64Array(nch);
    this.closedMin = new Uint16Array(nch);
    this.closedMax = new Uint16Array(nch);
    this.snap = null;
    this.lastDrain = -1;
  }

  /** True when `now` lies in another window than the open one: time for a boundary drain. */
  windowDue(now: number): boolean {
    return this.openWin >= 0 && Math.floor(now / this.windowSeconds) !== this.openWin;
  }

  /**
   * Folds every sample buffered in `ring` (same channel count) into the aggregates, then rolls the
   * window if `now` is in a later one. Returns the number of samples aggregated. The work per sample is
   * native (a copy, a sort, a sum); the statements run per channel and bucket. Allocates only the views.
   */
  drain(ring: SampleRing, now: number): number {
    var total = 0;
    var win = Math.floor(now / this.windowSeconds);
    if (this.openWin < 0 || win < this.openWin) this.openWin = win;
    // a channel with nothing unread costs one test here (the board pays for every token of a block it skips)
    for (var ch = 0; ch < this.nch; ch++) {
      // in runs of at most FOLD_MAX samples, up to what was written when this channel's turn came
      var stop = ring.wr[ch] + ring.shared;
      while (ring.rd[ch] < stop) total += this.fold(ring, ch, stop);
    }
    if (win > this.openWin) this.closeWindow(win);
    this.lastDrain = now;
    return total;
  }

  /**
   * Folds channel `ch`'s next unread samples, at most FOLD_MAX and none written at or after sample index `stop`,
   * into its aggregates (see drain); returns how many it aggregated. The readings are copied, sorted and summed
   * natively; codes come from the sorted run's ends and the bucket cuts, not from a statement per sample. The code
   * sum is 4096 * the readings' sum: exact for the boards' readings (k / 4096); for others it is the readings' sum,
   * not their rounded codes' (docs/design.md). Only a run with a reading that is not a number or out of range takes
   * valid(), a statement per sample.
   */
  fold(ring: SampleRing, ch: number, stop: number): number {
    var seg = ring.seg;
    var wr = ring.wr;
    var i = ring.rd[ch];
    if (stop - i > seg) i = ring.skipLapped(ch, stop);
    var tmp = this.tmp;
    if (!tmp) tmp = this.tmp = new Float32Array(seg < FOLD_MAX ? seg : FOLD_MAX);
    var len = stop - i;
    if (len > tmp.length) len = tmp.length;
    var end = i + len;
    // the unread slots as at most two runs, [j, seg) and [0, ...) after the wrap, copied in one native call
    // each: a timer tick runs between statements, never inside one
    var base = ch * seg;
    var j = i % seg;
    var first = seg - j < len ? seg - j : len;
    tmp.set(ring.readings.subarray(base + j, base + j + first));
    if (len > first) tmp.set(ring.readings.subarray(base, base + len - first), first);
    // the producer may have reused slots before they were copied: sample k was intact if k + seg >= wr right after
    // the copy (read before rd moves: only then are the slots free, and refuse-newest may write into them)
    var w = wr[ch] + ring.shared;
    ring.rd[ch] = end;
    var bad = w - seg - i;
    if (bad > 0) {
      if (bad > len) bad = len;
      ring.lost[ch] = ring.lost[ch] + bad;
    } else bad = 0;
    var n = len - bad;
    var s = tmp.subarray(bad, len);
    // a reading that is not a number (the sum is not finite), or a newest one outside the codes: checked in order,
    // so that `last` is the newest valid reading; any other reading outside the codes is checked once sorted
    var t = this.sum(s);
    var lv = s[n - 1];
    if (!(t - t === 0 && lv >= LOWEST && lv < ABOVE)) {
      n = this.valid(ring, ch, s, n);
      s = s.subarray(0, n);
      t = this.sum(s);
      lv = s[n - 1];
    }
    if (n <= 0) return 0;
    s = s.sort();
    if (s[0] < LOWEST || s[n - 1] >= ABOVE) {
      n = this.valid(ring, ch, s, n);
      s = s.subarray(0, n);
      t = this.sum(s);
    }
    // lv is in range here (checked, or clamped by valid()): its code needs no clamp
    this.last[ch] = (lv * 8192 + 1) >> 1;
    var lo = this.sumLo[ch] + t * 4096;
    if (lo >= SUM_SPLIT) {
      var carry = Math.floor(lo / SUM_SPLIT);
      this.sumHi[ch] = this.sumHi[ch] + carry;
      lo = lo - carry * SUM_SPLIT;
    }
    this.sumLo[ch] = lo;
    this.count[ch] = this.count[ch] + n;
    var lr = s[0];
    var hr = s[n - 1];
    var lc = (lr * 8192 + 1) >> 1;
    var hc = (hr * 8192 + 1) >> 1;
    var on = this.openN[ch];
    if (on === 0 || lc < this.openMin[ch]) this.openMin[ch] = lc;
    if (on === 0 || hc > this.openMax[ch]) this.openMax[ch] = hc;
    this.openN[ch] = on + n;
    // per bucket: how many sorted readings lie below its cut (code < cut exactly when reading < (cut - 0.5) / 4096;
    // a binary search only for a cut between the lowest and the highest), minus those of the buckets below
    var nb = this.nb;
    var hist = this.hist;
    var cut = this.cut;
    var dec = this.scale[ch] < 0;
    var hb = ch * (nb + 1);
    var below = 0;
    var cb = ch * nb;
    // the buckets below the lowest code hold none of these: stepped over in a tight loop
    var b = 0;
    if (dec) while (b < nb && cut[cb + b] > hc) b++;
    else while (b < nb && cut[cb + b] <= lc) b++;
    for (; b < nb && below < n; b++) {
      var x = (2 * cut[cb + b] - 1) / 8192;
      var a = 0;
      if (x > hr) a = n;
      else if (x > lr) {
        var z = n;
        while (a < z) {
          var mid = (a + z) >> 1;
          if (s[mid] < x) a = mid + 1;
          else z = mid;
        }
      }
      if (dec) a = n - a;
      if (a > below) {
        hist[hb + b] += a - below;
        below = a;
      }
    }
    if (below < n) hist[hb + nb] += n - below;
    return n;
  }

  /**
   * Keeps, in order and in place, the first `n` readings of `s` that are numbers from -1 to 2 (full scale), clamped
   * to codes 0..4095; counts the others in ring.invalid (taken and dropped). Returns how many it kept.
   */
  valid(ring: SampleRing, ch: number, s: Float32Array, n: number): number {
    var m = 0;
    for (var k = 0; k < n; k++) {
      var v = s[k];
      if (v >= -1 && v <= 2) s[m++] = v < LOWEST ? 0 : v >= ABOVE ? 4095 / 4096 : v;
    }
    ring.invalid[ch] = ring.invalid[ch] + n - m;
    return m;
  }

  /** Closes the open window at window index `win` (> openWin): it becomes the published one. */
  closeWindow(win: number): void {
    this.closedFrom = this.openWin;
    this.closedTo = win;
    for (var ch = 0; ch < this.nch; ch++) {
      this.closedN[ch] = this.openN[ch];
      this.closedMin[ch] = this.openMin[ch];
      this.closedMax[ch] = this.openMax[ch];
      this.openN[ch] = 0;
      this.openMin[ch] = 0;
      this.openMax[ch] = 0;
    }
    this.openWin = win;
  }

  /**
   * Copies the ring's accounting and all aggregates into `into` (default: the aggregator's own
   * snapshot) and returns it. Call right after drain(), from the same main-loop code. Each producer
   * counter is read exactly once, so taken = aggregated + buffered + dropped holds exactly even if a
   * sample is pushed while this runs.
   */
  snapshot(ring: SampleRing, into?: Snapshot): Snapshot {
    var s = into || this.snap || (this.snap = new Snapshot(this.nch, this.nb));
    var seg = ring.seg;
    var ch: number;
    for (ch = 0; ch < this.nch; ch++) {
      var w = ring.wr[ch] + ring.shared;
      var f = ring.ref[ch];
      var r = ring.rd[ch];
      var l = ring.lost[ch];
      var pending = w - r;
      s.taken[ch] = w + f;
      s.aggregated[ch] = this.count[ch];
      s.buffered[ch] = pending > seg ? seg : pending;
      s.dropped[ch] = f + l + ring.invalid[ch] + (pending > seg ? pending - seg : 0);
      s.sumHi[ch] = this.sumHi[ch];
      s.sumLo[ch] = this.sumLo[ch];
      s.last[ch] = this.last[ch];
      s.winCount[ch] = this.closedFrom >= 0 ? this.closedN[ch] : 0;
      s.winMin[ch] = this.closedMin[ch];
      s.winMax[ch] = this.closedMax[ch];
    }
    s.hist.set(this.hist);
    s.time = this.lastDrain;
    s.winStart = this.closedFrom >= 0 ? this.closedFrom * this.windowSeconds : -1;
    s.winEnd = this.closedFrom >= 0 ? this.closedTo * this.windowSeconds : -1;
    return s;
  }
}
