// Scrape-time aggregation of the sample ring into per-channel state, all in typed arrays allocated once
// at boot. Nothing here allocates per sample or per drain.
// Details: docs/design.md "firmware/sampling/aggregator.ts".

import { SampleRing, OVERWRITE_OLDEST } from "./ring-buffer.js";

/** 2^32, the unit of sumHi. */
export var SUM_SPLIT = 4294967296;
/** Number of raw codes (12-bit ADC). */
export var CODES = 4096;

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
}

/** code -> volts (or the physical unit) for one channel. Same formula everywhere, including the bucket table. */
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
 * Fills table[base .. base+4095] with the bucket index of each code: the first i with
 * codeToVolts(code) <= bounds[i], or bounds.length for +Inf. O(4096 + buckets): the conversion is
 * monotonic in the code (increasing when scale >= 0, decreasing otherwise), so one sweep suffices.
 */
export function fillBucketTable(table: Uint8Array, base: number, conv: ChannelConversion, bounds: Float64Array, nb: number): void {
  var b = 0;
  var code: number;
  var v: number;
  if (conv.scale >= 0) {
    for (code = 0; code < CODES; code++) {
      v = codeToVolts(code, conv.fullScaleMv, conv.scale, conv.offset);
      while (b < nb && v > bounds[b]) b++;
      table[base + code] = b;
    }
  } else {
    for (code = CODES - 1; code >= 0; code--) {
      v = codeToVolts(code, conv.fullScaleMv, conv.scale, conv.offset);
      while (b < nb && v > bounds[b]) b++;
      table[base + code] = b;
    }
  }
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
  /** Samples refused or overwritten. taken = aggregated + buffered + dropped, exactly. */
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
  /** code -> bucket tables, 4096 entries per distinct conversion; tabBase[ch] is the channel's offset. */
  table: Uint8Array;
  tabBase: Int32Array;
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
  /** The aggregator's own snapshot (for a single scraper at a time). */
  snap: Snapshot;
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
    this.tabBase = new Int32Array(nch);
    // Channels with the same conversion share one 4 KB table.
    var owner = new Int32Array(nch);
    var tables = 0;
    for (i = 0; i < nch; i++) {
      var c = spec.channels[i];
      this.fullScaleMv[i] = c.fullScaleMv;
      this.scale[i] = c.scale;
      this.offset[i] = c.offset;
      owner[i] = -1;
      for (j = 0; j < i; j++) {
        if (owner[j] === j && this.fullScaleMv[j] === c.fullScaleMv && this.scale[j] === c.scale && this.offset[j] === c.offset) {
          owner[i] = j;
          this.tabBase[i] = this.tabBase[j];
          break;
        }
      }
      if (owner[i] < 0) {
        owner[i] = i;
        this.tabBase[i] = tables * CODES;
        tables++;
      }
    }
    this.table = new Uint8Array(tables * CODES);
    for (i = 0; i < nch; i++) {
      if (owner[i] === i) fillBucketTable(this.table, this.tabBase[i], spec.channels[i], this.bounds, nb);
    }
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
    this.snap = new Snapshot(nch, nb);
    this.lastDrain = -1;
  }

  /** Number of distinct code->bucket tables (4096 bytes each). */
  tableCount(): number {
    return this.table.length / CODES;
  }

  /** True when `now` lies in another window than the open one: time for a boundary drain. */
  windowDue(now: number): boolean {
    return this.openWin >= 0 && Math.floor(now / this.windowSeconds) !== this.openWin;
  }

  /**
   * Folds every sample buffered in `ring` (same channel count) into the aggregates, then rolls the
   * window if `now` is in a later one. Returns the number of samples aggregated. No allocation.
   */
  drain(ring: SampleRing, now: number): number {
    var total = 0;
    var win = Math.floor(now / this.windowSeconds);
    if (this.openWin < 0 || win < this.openWin) this.openWin = win;
    var seg = ring.seg;
    var codes = ring.codes;
    var wr = ring.wr;
    var table = this.table;
    var hist = this.hist;
    var checked = ring.policy === OVERWRITE_OLDEST;
    var hw = this.nb + 1;
    for (var ch = 0; ch < this.nch; ch++) {
      var end = wr[ch];
      var i = ring.skipLapped(ch, end);
      var start = i;
      var base = ch * seg;
      var j = i % seg;
      var tb = this.tabBase[ch];
      var hb = ch * hw;
      var n = 0;
      var bad = 0;
      var lo = this.sumLo[ch];
      var on = this.openN[ch];
      var mn = on > 0 ? this.openMin[ch] : 65535;
      var mx = on > 0 ? this.openMax[ch] : 0;
      var lc = -1;
      var c = 0;
      // at most two contiguous runs of slots: [j, seg) and then [0, ...) after the wrap; in each, slot p holds
      // sample index p + (i - j), so sample i of slot p is lapped once wr[ch] > p + lim (lim = i - j + seg)
      while (i < end) {
        var stop = j + (end - i);
        if (stop > seg) stop = seg;
        var p = base + j;
        var pend = base + stop;
        if (checked) {
          var lim = i - j + seg - base;
          for (; p < pend; p++) {
            c = codes[p];
            // The producer may have lapped this slot since we computed `end`: only trust the value if, after
            // reading it, its sample is still within the last seg samples.
            if (wr[ch] > p + lim) bad++;
            else {
              lo += c;
              if (c < mn) mn = c;
              if (c > mx) mx = c;
              hist[hb + table[tb + c]]++;
              lc = c;
            }
          }
        } else {
          // REFUSE_NEWEST: the producer never writes an unread slot.
          for (; p < pend; p++) {
            c = codes[p];
            lo += c;
            if (c < mn) mn = c;
            if (c > mx) mx = c;
            hist[hb + table[tb + c]]++;
          }
          lc = c;
        }
        i += stop - j;
        j = 0;
      }
      n = end - start - bad;
      if (bad > 0) ring.lost[ch] = ring.lost[ch] + bad;
      ring.rd[ch] = end;
      if (n > 0) {
        if (lo >= SUM_SPLIT) {
          var carry = Math.floor(lo / SUM_SPLIT);
          this.sumHi[ch] = this.sumHi[ch] + carry;
          lo = lo - carry * SUM_SPLIT;
        }
        this.sumLo[ch] = lo;
        this.count[ch] = this.count[ch] + n;
        this.last[ch] = lc;
        this.openN[ch] = on + n;
        this.openMin[ch] = mn;
        this.openMax[ch] = mx;
        total += n;
      }
    }
    if (win > this.openWin) this.closeWindow(win);
    this.lastDrain = now;
    return total;
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
    var s = into || this.snap;
    var seg = ring.seg;
    var ch: number;
    for (ch = 0; ch < this.nch; ch++) {
      var w = ring.wr[ch];
      var f = ring.ref[ch];
      var r = ring.rd[ch];
      var l = ring.lost[ch];
      var pending = w - r;
      s.taken[ch] = w + f;
      s.aggregated[ch] = this.count[ch];
      s.buffered[ch] = pending > seg ? seg : pending;
      s.dropped[ch] = f + l + (pending > seg ? pending - seg : 0);
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
