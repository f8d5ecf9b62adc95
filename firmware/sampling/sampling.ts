// Sampling entry point for the runtime: startSampling(registry, config, profile) arms the configured
// sampler strategy (samplers.ts), a main-loop housekeeping timer (window-boundary drains + liveness), and
// the scrape-time collector "sampler" that turns the ring + aggregator into the metrics.
// Details: docs/design.md "firmware/sampling/sampling.ts".
import type { Registry } from "../metrics/registry.js";
import type { Counter, Gauge, Histogram, Metric } from "../metrics/metric.js";
import type { DeviceConfig } from "../../config/device-config.js";
import type { DeviceProfile } from "../../config/device-file.js";
import { SampleRing, OVERWRITE_OLDEST, REFUSE_NEWEST } from "./ring-buffer.js";
import { Aggregator, codeToVolts, codeSumToVolts } from "./aggregator.js";
import { SamplerCore, arm, disarm, missedTicks, lateTicks, settleClock, commitClocks, forgiveClocks } from "./samplers.js";
import { releaseWaves } from "./waveform.js";
import { ClockWatch, WATCH_PERIOD_S } from "./clock-watch.js";
import type { ArmLimits } from "./samplers.js";
import { setAdcAttenuation, after, every, cancelTimer, timeReader, nativeSum } from "../platform.js";

/** Shortest stall limit, seconds. */
export var MIN_STALL_S = 2;
/**
 * Longest housekeeping period, seconds. The clock watch drains every second; housekeeping drains at window
 * boundaries and, this often, brings back a clock watch Espruino removed (the ring then holds ~2 s).
 */
export var HOUSEKEEPING_S = 5;

/** Consistent completeness counts of one channel (since the first startSampling on this registry). */
export interface SampleTotals {
  taken: number;
  aggregated: number;
  buffered: number;
  dropped: number;
}


var HELP_TAKEN = "ADC samples read.";
var HELP_AGG = "ADC samples folded into the statistics.";
var HELP_DROPPED = "ADC samples lost (ring full, or invalid).";
var HELP_INVALID = "ADC readings that were not a number.";
var HELP_BUFFERED = "ADC samples waiting in the ring buffer.";
var HELP_VOLTS = "Sampled ADC voltages.";
var HELP_LAST = "Latest ADC voltage.";
var HELP_MIN = "Lowest ADC voltage of the last window.";
var HELP_MAX = "Highest ADC voltage of the last window.";
var HELP_MISSED = "Sampler ticks that never ran.";
var HELP_LATE = "Sampler ticks that ran late.";
var HELP_STEPS = "Wall-clock steps seen (e.g. SNTP).";
var HELP_ERRORS = "Exceptions caught in sampler callbacks.";
var HELP_RESTARTS = "Stalled samplers re-armed.";
var HELP_STALLED = "1 while the sampler is stalled.";

/** The running instance (startSampling stops it before starting anew: re-running boot never leaks). */
var active: SamplingHandle | null = null;

/** espruino_adc_volts; when a previous start registered it with other buckets, it is replaced (and restarts at 0). */
function histogramFamily(reg: Registry, buckets: number[], preset: string[][]): Histogram {
  var o = { name: "espruino_adc_volts", help: HELP_VOLTS, labelNames: ["channel"], buckets: buckets, preset: preset, fixed: true };
  try {
    return reg.histogram(o);
  } catch (e) {
    reg.unregister("espruino_adc_volts");
  }
  return reg.histogram(o);
}

/** Housekeeping body: window-boundary drain, liveness check, reschedule. */
function housekeep(h: SamplingHandle): void {
  var time = h.time;
  var now = time();
  h.hkId = -1;
  if (!h.running) return;
  var agg = h.agg;
  // the window boundary (the clock watch drains every second in between; this drain also covers its absence)
  agg.drain(h.core.ring, now);
  // the clock watch is an interval too: if Espruino removed it, start a new one (2 housekeeping runs without it)
  if (h.watch.runs !== h.watchSeen) {
    h.watchSeen = h.watch.runs;
    h.watchIdle = 0;
  } else if (++h.watchIdle > 1) h.startWatch(now);
  h.schedule(now);
}

function watchFactory(h: SamplingHandle): () => void {
  return function () {
    try {
      h.watchRun();
    } catch (e) {
      h.core.errors++;
    }
  };
}

function housekeepingFactory(h: SamplingHandle): () => void {
  return function () {
    try {
      housekeep(h);
    } catch (e) {
      h.core.errors++;
      h.hkId = -1;
      h.schedule(h.time());
    }
  };
}

/** What the runtime gets back from startSampling. */
export class SamplingHandle {
  /** Strategy running now ("waveform", "timer" or "interval"; after any fallback). */
  strategy: string;
  core: SamplerCore;
  agg: Aggregator;
  reg: Registry;
  /** channel names (the `channel` label values) */
  names: string[];
  /** the per-channel families: taken, aggregated, dropped, invalid, buffered, volts, last, min, max (FAM_* order) */
  fams: Metric[];
  /** ix[f * nch + ch]: channel ch's series in fams[f] (looked up once at start: labels() builds strings) */
  ix: Int16Array;
  missed: Counter;
  late: Counter;
  steps: Counter;
  errors: Counter;
  restarts: Counter;
  stalledG: Gauge;
  /** Published totals before this start (per channel; histogram rows nb + 2: counts, +Inf, sum). */
  base: Float64Array;
  histBase: Float64Array;
  base0: Float64Array;
  lim: ArmLimits;
  /** Stall limit L, seconds. */
  limit: number;
  /** getTime() of the last re-arm; stalled flag of the last judged check. */
  lastRearm: number;
  /** getTime() a clock that has not ticked since the last (re-)arm counts as quiet from: the start, or the last tick
   *  before the re-arm */
  since: number;
  /** true when the last liveness check found no tick within the stall limit (for /healthz and the status page) */
  isStalled: boolean;
  /** the monotonic reference (clock-watch.ts), its interval, housekeeping's view of it */
  watch: ClockWatch;
  watchId: number;
  watchFn: () => void;
  watchSeen: number;
  watchIdle: number;
  /** clock steps the watch confirmed (the ticks count only a step there and back, which it cannot see) */
  wsteps: number;
  /** each clock's last tick (prev) at the previous settled run; settled runs without a tick; watch run of the last
   *  re-arm and of the last confirmed step */
  seen: Float64Array;
  quietRuns: number;
  rearmRun: number;
  stepRun: number;
  nRestarts: number;
  hkId: number;
  hkFn: () => void;
  time: () => number;
  running: boolean;
  out: SampleTotals;

  constructor(reg: Registry, config: DeviceConfig, profile: DeviceProfile) {
    var nch = config.channels.length;
    var nb = config.buckets.length;
    var i: number;
    var pins: string[] = [];
    var names: string[] = [];
    var convs = [];
    for (i = 0; i < nch; i++) {
      var c = config.channels[i];
      pins.push(c.pin);
      names.push(c.name);
      convs.push({ fullScaleMv: c.attenuationMv, scale: c.scale, offset: c.offset });
      // re-applied at every start: Espruino's reset() restores 11 dB
      if (profile.adc.attenuation) setAdcAttenuation(c.pin, c.attenuationMv);
    }
    var ring = new SampleRing(nch, config.ringCapacity, config.overflow === "refuse-newest" ? REFUSE_NEWEST : OVERWRITE_OLDEST);
    this.agg = new Aggregator({ channels: convs, buckets: config.buckets, windowSeconds: config.windowSeconds, sum: nativeSum() });
    this.reg = reg;
    this.names = names;
    this.time = timeReader();
    this.running = true;
    this.out = { taken: 0, aggregated: 0, buffered: 0, dropped: 0 };
    var tl = profile.strategies.timer;
    var il = profile.strategies.interval;
    this.lim = { timerMinVersion: tl && tl.minVersion ? tl.minVersion : "", intervalMinTickUs: il ? il.minTickUs : 0 };

    // ---- metrics: get-or-create, every channel pre-initialised
    var preset: string[][] = [];
    for (i = 0; i < nch; i++) preset.push([names[i]]);
    var ln = ["channel"];
    var taken = reg.counter({ name: "espruino_adc_samples_taken_total", help: HELP_TAKEN, labelNames: ln, preset: preset, fixed: true });
    var aggd = reg.counter({ name: "espruino_adc_samples_aggregated_total", help: HELP_AGG, labelNames: ln, preset: preset, fixed: true });
    var dropped = reg.counter({ name: "espruino_adc_samples_dropped_total", help: HELP_DROPPED, labelNames: ln, preset: preset, fixed: true });
    var invalid = reg.counter({ name: "espruino_adc_samples_invalid_total", help: HELP_INVALID, labelNames: ln, preset: preset, fixed: true });
    var buffered = reg.gauge({ name: "espruino_adc_samples_buffered", help: HELP_BUFFERED, labelNames: ln, preset: preset, fixed: true });
    var volts = histogramFamily(reg, config.buckets, preset);
    var last = reg.gauge({ name: "espruino_adc_last_volts", help: HELP_LAST, labelNames: ln, preset: preset, fixed: true });
    var min = reg.gauge({ name: "espruino_adc_min_volts", help: HELP_MIN, labelNames: ln, preset: preset, fixed: true });
    var max = reg.gauge({ name: "espruino_adc_max_volts", help: HELP_MAX, labelNames: ln, preset: preset, fixed: true });
    this.missed = reg.counter({ name: "espruino_sampler_ticks_missed_total", help: HELP_MISSED });
    this.late = reg.counter({ name: "espruino_sampler_ticks_late_total", help: HELP_LATE });
    this.steps = reg.counter({ name: "espruino_clock_steps_total", help: HELP_STEPS });
    this.errors = reg.counter({ name: "espruino_sampler_errors_total", help: HELP_ERRORS });
    this.restarts = reg.counter({ name: "espruino_sampler_restarts_total", help: HELP_RESTARTS });
    this.stalledG = reg.gauge({ name: "espruino_sampler_stalled", help: HELP_STALLED });
    var fams = [taken, aggd, dropped, invalid, buffered, volts, last, min, max] as unknown as Metric[];
    var ix = new Int16Array(fams.length * nch);
    var hw = nb + 2;
    this.base = new Float64Array(4 * nch);
    this.histBase = new Float64Array(nch * hw);
    for (i = 0; i < nch; i++) {
      var lv = [names[i]];
      for (var f = 0; f < fams.length; f++) {
        // a label set refused by a series limit (a restart with new channel names on a full registry) has no series
        var kid = fams[f].labels(lv);
        if (typeof kid.i !== "number") throw new Error("channel " + names[i] + ": " + fams[f].name + " refused a series (series limit)");
        ix[f * nch + i] = kid.i;
      }
      for (f = 0; f < 4; f++) this.base[4 * i + f] = fams[f].v[ix[f * nch + i]];
      volts.labels(lv).read(this.histBase, i * hw);
    }
    this.fams = fams;
    this.ix = ix;
    this.base0 = new Float64Array(5);
    this.base0[0] = this.missed.get();
    this.base0[1] = this.steps.get();
    this.base0[2] = this.errors.get();
    this.base0[3] = this.restarts.get();
    this.base0[4] = this.late.get();
    this.nRestarts = 0;

    // ---- sampler
    var now = this.time();
    this.core = new SamplerCore(ring, pins, config.sampleRateHz, config.samplesPerTick, config.sampler);
    this.strategy = arm(this.core, this.lim);
    this.limit = 0;
    this.setLimits();
    this.lastRearm = now;
    this.since = now;
    this.isStalled = false;
    this.agg.drain(ring, now); // opens the first window now
    this.hkId = -1;
    this.hkFn = housekeepingFactory(this);
    this.wsteps = 0;
    this.seen = new Float64Array(nch);
    this.quietRuns = 0;
    this.rearmRun = 0;
    this.stepRun = -1;
    this.watchId = -1;
    this.watchFn = watchFactory(this);
    this.watch = new ClockWatch(now);
    this.watchSeen = 0;
    this.watchIdle = 0;
    this.startWatch(now);
  }

  setLimits(): void {
    var T = this.core.period;
    this.limit = 3 * T > MIN_STALL_S ? 3 * T : MIN_STALL_S;
  }

  /** (Re)starts the clock watch's interval with a fresh reference; counted steps are kept. */
  startWatch(now: number): void {
    if (this.watchId >= 0) cancelTimer(this.watchId);
    this.watch = new ClockWatch(now);
    this.watchSeen = 0;
    this.watchIdle = 0;
    this.rearmRun = 0;
    this.stepRun = -1;
    this.quietRuns = 0;
    this.watchId = every(WATCH_PERIOD_S * 1000, this.watchFn);
  }

  /**
   * One run of the clock watch: drains the ring (once a second: the ring holds ~2 s of samples by default), then
   * steps, then (when getTime() agrees with the timers) missed ticks and liveness.
   */
  watchRun(): void {
    if (!this.running) return;
    var now = this.time();
    this.agg.drain(this.core.ring, now);
    var s = this.core;
    var w = this.watch;
    var step = w.run(now);
    if (step !== 0) {
      this.stepRun = w.runs;
      this.wsteps++;
      if (step > 0) forgiveClocks(s, step);
    }
    if (!w.settled) return;
    commitClocks(s);
    this.check(now);
  }

  /** Schedules the housekeeping timer: at the next window boundary (+1 ms) or in HOUSEKEEPING_S, whichever is first. */
  schedule(now: number): void {
    if (!this.running) return;
    if (this.hkId >= 0) cancelTimer(this.hkId);
    var W = this.agg.windowSeconds;
    var next = (Math.floor(now / W) + 1) * W - now;
    if (next > HOUSEKEEPING_S) next = HOUSEKEEPING_S;
    this.hkId = after(Math.ceil(next * 1000) + 1, this.hkFn);
  }

  /** Liveness check at a settled watch run (see the header); `now` = getTime(). Re-arms a stalled sampler. */
  check(now: number): void {
    var s = this.core;
    var n = s.clocks.length;
    var quiet = false;
    // a clock whose last tick (prev: every tick sets it) has not moved since the previous settled run: quiet
    for (var i = 0; i < n; i++) {
      var got = s.clocks[i].prev;
      if (got === this.seen[i]) quiet = true;
      this.seen[i] = got;
    }
    this.quietRuns = quiet ? this.quietRuns + 1 : 0;
    var runs = this.watch.runs;
    // how long nothing ticked: on getTime() unless a step was confirmed since, else on the watch's runs; from the
    // oldest last tick (a clock's prev; one that has not ticked since the last arm, prev -1 or the re-arm's time,
    // counts from `since`)
    var wall = this.stepRun < 0 || runs - this.stepRun > this.quietRuns + 1;
    var quietS = this.quietRuns * WATCH_PERIOD_S;
    var oldest = now;
    for (var j = 0; j < n; j++) {
      var p = s.clocks[j].prev;
      if (p < 0 || p === this.lastRearm) p = this.since;
      if (p < oldest) oldest = p;
    }
    if (quiet && wall) quietS = now - oldest;
    this.isStalled = quiet && quietS > this.limit;
    if (!this.isStalled || (runs - this.rearmRun) * WATCH_PERIOD_S <= this.limit) return;
    // stalled: count the ticks lost so far, then re-arm (from the last tick, or from the previous re-arm when
    // nothing ticked since: never counted twice)
    var T = s.period;
    var since = runs - this.rearmRun < this.quietRuns ? runs - this.rearmRun : this.quietRuns;
    for (var c = 0; c < n; c++) {
      var from = s.clocks[c].prev > this.lastRearm ? s.clocks[c].prev : this.lastRearm;
      var q = wall ? now - from : since * WATCH_PERIOD_S;
      if (q > 0) {
        settleClock(s, c);
        s.clocks[c].missed += Math.floor(q / T);
        s.clocks[c].prev = now; // counted up to now (check() tells this prev from a tick: it is lastRearm)
        this.seen[c] = now;
      }
    }
    disarm(s);
    this.strategy = arm(s, this.lim);
    // a fallback makes new clocks (prev -1): they are quiet from here, not ticked
    for (c = 0; c < s.clocks.length; c++) this.seen[c] = s.clocks[c].prev;
    this.setLimits();
    this.lastRearm = now;
    this.since = oldest;
    this.rearmRun = runs;
    this.nRestarts++;
  }

  /** The scrape-time collector body: drain, then set every family from the ring and the aggregates. */
  collect(): void {
    this.agg.drain(this.core.ring, this.time());
    this.publish();
  }

  /**
   * Sets every family from the aggregates and the ring's accounting. Only the producer's counters (wr, ref) can
   * move while this runs (a timer tick between two statements); each is read once per channel, so
   * taken = aggregated + buffered + dropped holds exactly in what is published (the consumer's rd and lost, and the
   * aggregates, change only in a drain, which runs in main-loop code as this does). No copy of the aggregates.
   * The values are written into the families' value arrays, not through setTotal()/setFrom(): these families are
   * the sampler's own, their label sets fixed at start, and every counter is a base plus counts that only grow, so
   * the checks those methods make for a collector's data cannot fail here; they cost 9 of the 10 M instructions a
   * scrape's collectors took on the real interpreter (docs/design.md "Publishing").
   */
  publish(): void {
    var fm = this.fams, ix = this.ix, agg = this.agg, s = this.core;
    var nb = agg.nb, ring = s.ring, seg = ring.seg, closed = agg.closedFrom >= 0;
    var hw = nb + 2;
    var b = this.base;
    var hb = this.histBase;
    var n = agg.nch;
    var taken = fm[0].v, aggd = fm[1].v, dropped = fm[2].v, invalid = fm[3].v, buffered = fm[4].v;
    var hv = fm[5].v, lastV = fm[6].v, minV = fm[7].v, maxV = fm[8].v;
    for (var ch = 0; ch < n; ch++) {
      var w = ring.wr[ch] + ring.shared;
      var f = ring.ref[ch];
      var pending = w - ring.rd[ch];
      var count = agg.count[ch];
      taken[ix[ch]] = b[4 * ch] + w + f;
      aggd[ix[n + ch]] = b[4 * ch + 1] + count;
      dropped[ix[2 * n + ch]] = b[4 * ch + 2] + f + ring.lost[ch] + ring.invalid[ch] + (pending > seg ? pending - seg : 0);
      invalid[ix[3 * n + ch]] = b[4 * ch + 3] + ring.invalid[ch];
      buffered[ix[4 * n + ch]] = pending > seg ? seg : pending;
      var fs = agg.fullScaleMv[ch];
      var sl = agg.scale[ch];
      var off = agg.offset[ch];
      // the histogram child's row: bucket counts (+Inf last), then the sum
      var at = ix[5 * n + ch] * hw;
      for (var j = 0; j <= nb; j++) hv[at + j] = hb[ch * hw + j] + agg.hist[ch * (nb + 1) + j];
      hv[at + nb + 1] = hb[ch * hw + nb + 1] + codeSumToVolts(agg.sumHi[ch], agg.sumLo[ch], count, fs, sl, off);
      lastV[ix[6 * n + ch]] = agg.last[ch] >= 0 ? codeToVolts(agg.last[ch], fs, sl, off) : NaN;
      var lo = NaN;
      var hi = NaN;
      if (closed && agg.closedN[ch] > 0) {
        lo = codeToVolts(agg.closedMin[ch], fs, sl, off);
        hi = codeToVolts(agg.closedMax[ch], fs, sl, off);
      }
      minV[ix[7 * n + ch]] = sl < 0 ? hi : lo;
      maxV[ix[8 * n + ch]] = sl < 0 ? lo : hi;
    }
    // families without labels: their one value is v[0]
    var b0 = this.base0;
    (this.missed as unknown as Metric).v[0] = b0[0] + missedTicks(s);
    (this.steps as unknown as Metric).v[0] = b0[1] + this.wsteps + s.steps + s.clocks[0].steps;
    (this.errors as unknown as Metric).v[0] = b0[2] + s.errors;
    (this.restarts as unknown as Metric).v[0] = b0[3] + this.nRestarts;
    (this.late as unknown as Metric).v[0] = b0[4] + lateTicks(s);
    (this.stalledG as unknown as Metric).v[0] = this.isStalled ? 1 : 0;
  }

  /** Newest sample of channel `ch` in volts (live from the ring, not waiting for a drain); NaN before the first. */
  lastVolts(ch: number): number {
    var ring = this.core.ring;
    if (!(ch >= 0 && ch < ring.nch)) return NaN;
    var w = ring.wr[ch] + ring.shared;
    if (w < 1) return NaN;
    var v = ring.readings[ch * ring.seg + ((w - 1) % ring.seg)];
    if (!(v >= -1 && v <= 2)) return NaN;
    var code = v * 4096 < 0 ? 0 : v * 4096 > 4095 ? 4095 : (v * 8192 + 1) >> 1;
    return codeToVolts(code, this.agg.fullScaleMv[ch], this.agg.scale[ch], this.agg.offset[ch]);
  }

  /**
   * Consistent totals of channel `ch` right now (taken = aggregated + buffered + dropped), without
   * draining. Returns one reused object: copy the fields before the next call.
   */
  totals(ch: number): SampleTotals {
    var o = this.out;
    var ring = this.core.ring;
    var b = this.base;
    var w = ring.wr[ch] + ring.shared;
    var f = ring.ref[ch];
    var r = ring.rd[ch];
    var l = ring.lost[ch] + ring.invalid[ch];
    var pending = w - r;
    var seg = ring.seg;
    o.taken = b[4 * ch] + w + f;
    o.aggregated = b[4 * ch + 1] + this.agg.count[ch];
    o.buffered = pending > seg ? seg : pending;
    o.dropped = b[4 * ch + 2] + f + l + (pending > seg ? pending - seg : 0);
    return o;
  }

  /** Stops the sampler and the housekeeping timer, publishes a final drain; the metrics stay registered. */
  stop(): void {
    if (!this.running) return;
    disarm(this.core);
    releaseWaves(this.core);
    this.running = false;
    if (this.hkId >= 0) cancelTimer(this.hkId);
    this.hkId = -1;
    if (this.watchId >= 0) cancelTimer(this.watchId);
    this.watchId = -1;
    this.reg.removeCollector("sampler");
    var now = this.time();
    this.agg.drain(this.core.ring, now);
    this.publish();
    if (active === this) active = null;
  }
}

function collectorFactory(h: SamplingHandle): { name: string; collect: (r: Registry) => void } {
  return {
    name: "sampler",
    collect: function () {
      h.collect();
      // a housekeeping timer lost to an out-of-memory abort is re-armed from here
      if (h.hkId < 0 && h.running) h.schedule(h.time());
    },
  };
}

/**
 * Starts sampling as configured (the config and profile of the device file, validated on the host). Stops a previous
 * instance first; registers (get-or-create) all sampler metrics with every channel pre-initialised and
 * adds the "sampler" collector. See SamplingHandle for what the runtime can ask.
 */
export function startSampling(registry: Registry, config: DeviceConfig, profile: DeviceProfile): SamplingHandle {
  if (active) active.stop();
  var h = new SamplingHandle(registry, config, profile);
  active = h;
  registry.addCollector(collectorFactory(h));
  h.schedule(h.time());
  return h;
}

/** The running instance, or null. */
export function activeSampling(): SamplingHandle | null {
  return active;
}
