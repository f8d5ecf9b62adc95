// The three sampler strategies and the per-tick code. Everything is allocated when a sampler is armed;
// a tick allocates nothing (no closures, no strings, typed arrays only) and never throws out of its
// callback (the body runs in try/catch and an exception is counted in `errors`).
// Details: docs/design.md "firmware/sampling/samplers.ts".
import { SampleRing, REFUSE_NEWEST } from "./ring-buffer.js";
import { TickClock } from "./tick-clock.js";
import { waveBufLen, startWaves, stopWaves, releaseWaves } from "./waveform.js";
import {
  analogReader,
  timeReader,
  every,
  cancelTimer,
  hwTimerExec,
  hwTimerRemove,
  firmwareVersion,
  log,
} from "../platform.js";

export var STRATEGY_WAVEFORM = "waveform";
export var STRATEGY_TIMER = "timer";
export var STRATEGY_INTERVAL = "interval";

/** Most samples per channel and tick (config validator limit). */
export var MAX_SAMPLES_PER_TICK = 64;

/** Parses "2v29" / "2v29.12" into major * 1000 + minor; -1 when it is not a version. */
export function versionNumber(v: string): number {
  var i = 0;
  var major = 0;
  var minor = 0;
  var digits = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) {
    major = major * 10 + (v.charCodeAt(i) - 48);
    i++;
    digits++;
  }
  if (digits < 1 || i >= v.length || v.charAt(i) !== "v") return -1;
  i++;
  digits = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) {
    minor = minor * 10 + (v.charCodeAt(i) - 48);
    i++;
    digits++;
  }
  if (digits < 1) return -1;
  return major * 1000 + minor;
}

/** True when Espruino version `have` is at least `want` (an unparsable `have` is assumed too old). */
export function versionAtLeast(have: string, want: string): boolean {
  var h = versionNumber(have);
  var w = versionNumber(want);
  return h >= 0 && h >= w;
}

/**
 * The tick callback of the timer/interval strategies for `s`, made at each arm (its clock and samples per tick are
 * fixed until the next): reads samplesPerTick readings of every channel into the ring as they are, with no test
 * or conversion per sample (the drain does that, aggregator.ts). A tick whose getTime() moved forward by less than
 * the clock's x since the previous one only sets prev; any other goes through TickClock.tick(). The common config
 * (one sample per tick, overwrite-oldest) gets a tick without the loop and the test the others need, which moves
 * one count for all channels (ring.shared). docs/design.md "The sample path".
 */
function tickFactory(s: SamplerCore): () => void {
  // what never changes until the next arm is read once here, not at every tick
  var time = s.time, read = s.read, pins = s.pins, n = s.nch, c = s.clocks[0], spt = s.spt;
  var ring = s.ring, vals = ring.readings, wr = ring.wr, rd = ring.rd, ref = ring.ref, seg = ring.seg;
  var refuse = ring.policy === REFUSE_NEWEST;
  // every channel at the same sample index (push() has not run since the last arm, or ran for all alike): one slot
  // index for all, and one count (ring.shared) moved after the reads, so a read that throws stores nothing
  var w0 = wr[0];
  var even = true;
  for (var i = 1; i < n; i++) if (wr[i] !== w0) even = false;
  if (spt === 1 && !refuse && even)
    return function () {
      try {
        var t = time();
        var d = t - c.prev;
        if (d * (d - c.x) < 0) c.prev = t;
        else c.tick(t);
        var b = (w0 + ring.shared) % seg;
        for (var ch = n; ch--; ) vals[ch * seg + b] = read(pins[ch]);
        ring.shared++;
      } catch (e) {
        s.errors++;
      }
    };
  return function () {
    try {
      var t = time();
      var d = t - c.prev;
      if (d * (d - c.x) < 0) c.prev = t;
      else c.tick(t);
      var sh = ring.shared;
      for (var k = spt; k > 0; k--)
        for (var ch = n; ch--; ) {
          if (refuse && wr[ch] + sh - rd[ch] >= seg) ref[ch] = ref[ch] + 1;
          else {
            // wr moves after the read: a read that throws stores nothing (a store's target is evaluated first)
            vals[ch * seg + ((wr[ch] + sh) % seg)] = read(pins[ch]);
            wr[ch]++;
          }
        }
    } catch (e) {
      s.errors++;
    }
  };
}

/** Everything a running sampler touches. One per startSampling(); arm()/disarm() may run many times. */
export class SamplerCore {
  ring: SampleRing;
  nch: number;
  /** Espruino pin names per channel ("D32"). */
  pins: string[];
  /** Samples per second per channel. */
  rate: number;
  /** Samples per channel per tick (timer/interval). */
  spt: number;
  /** Strategy running now (after any fallback). */
  strategy: string;
  /** Seconds between ticks (timer/interval) or between buffers (waveform). */
  period: number;
  /** Waveform buffer length in samples. */
  bufLen: number;
  /** Samples a missed tick of the current clocks stands for: bufLen for Waveform (a lost buffer), else 0. */
  clkLoss: number;
  /** clock steps only the ticks can prove (TickClock.steps) of clocks a strategy change replaced; the current ones
   *  are clocks[0].steps (waveform: every channel's clock sees the same step, only the first counts) */
  steps: number;
  /** Tick accounting: one clock (timer/interval) or one per channel (waveform: a buffer per channel). */
  clocks: TickClock[];
  /** Exceptions caught in tick bodies. */
  errors: number;
  read: (pin: string) => number;
  time: () => number;
  /** setInterval id or EXEC task id, -1 when none. */
  id: number;
  waves: (EspWaveform | null)[];
  /** The tick of the timer/interval strategies, made at each arm (tickFactory). */
  tickFn: (() => void) | null;
  bufFns: ((buf: Uint16Array) => void)[];
  armed: boolean;

  constructor(ring: SampleRing, pins: string[], rate: number, spt: number, strategy: string) {
    this.ring = ring;
    this.nch = pins.length;
    this.pins = pins;
    this.rate = rate;
    this.spt = spt;
    this.strategy = strategy;
    this.period = spt / rate;
    this.bufLen = 1;
    this.clkLoss = 0;
    this.steps = 0;
    this.clocks = [];
    this.errors = 0;
    this.read = analogReader();
    this.time = timeReader();
    this.id = -1;
    this.waves = [];
    this.tickFn = null;
    this.bufFns = [];
    this.armed = false;
  }
}

/**
 * Commits clock `c`'s owed ticks as missed outside a tick (re-arm, strategy change); for Waveform the lost
 * buffers' samples are counted as taken and dropped, as bufferBody does for a gap it sees.
 */
export function settleClock(s: SamplerCore, c: number): void {
  var n = s.clocks[c].settle();
  if (n > 0 && s.clkLoss > 0) s.ring.lose(c, n * s.clkLoss);
}

/** Resets tick accounting for a (re)armed strategy with `nclk` clocks of period `period`. */
function setClocks(s: SamplerCore, nclk: number, period: number, loss: number): void {
  if (s.clocks.length !== nclk || s.period !== period) {
    // A strategy change (first arm or fallback): fresh clocks, totals carried over.
    var missed = 0;
    var late = 0;
    for (var i = 0; i < s.clocks.length; i++) {
      settleClock(s, i);
      missed += s.clocks[i].missed;
      late += s.clocks[i].late;
    }
    if (s.clocks.length) s.steps += s.clocks[0].steps;
    s.clocks = [];
    for (var j = 0; j < nclk; j++) s.clocks.push(new TickClock(period));
    s.clocks[0].missed = missed;
    s.clocks[0].late = late;
  }
  s.period = period;
  s.clkLoss = loss;
}

function armTimer(s: SamplerCore, minVersion: string): boolean {
  var have = firmwareVersion();
  if (minVersion && !versionAtLeast(have, minVersion)) {
    log("sampler: timer needs " + minVersion + ", have " + (have || "?") + "; using setInterval");
    return false;
  }
  setClocks(s, 1, s.spt / s.rate, 0);
  var id = hwTimerExec((s.tickFn = tickFactory(s)), (1000 * s.spt) / s.rate);
  if (id < 0) {
    log("sampler: timer add failed; using setInterval");
    return false;
  }
  s.id = id;
  return true;
}

function armInterval(s: SamplerCore, minTickUs: number): boolean {
  // A fallback from waveform/timer may need more samples per tick to respect the interval's tick floor.
  var need = Math.ceil((minTickUs * s.rate) / 1000000);
  if (need > s.spt) s.spt = need;
  if (s.spt > MAX_SAMPLES_PER_TICK) s.spt = MAX_SAMPLES_PER_TICK;
  if (s.spt > s.ring.seg) s.spt = s.ring.seg;
  setClocks(s, 1, s.spt / s.rate, 0);
  s.id = every((1000 * s.spt) / s.rate, (s.tickFn = tickFactory(s)));
  return true;
}

/** Stops whatever is running (idempotent; timers already removed by Espruino are ignored). */
export function disarm(s: SamplerCore): void {
  stopWaves(s); // none unless the strategy is waveform
  if (s.id >= 0 && s.strategy !== STRATEGY_WAVEFORM) {
    if (s.strategy === STRATEGY_TIMER) hwTimerRemove(s.id);
    else cancelTimer(s.id);
  }
  s.id = -1;
  s.armed = false;
}

export interface ArmLimits {
  /** profile.strategies.timer.minVersion ("" when none). */
  timerMinVersion: string;
  /** profile.strategies.interval.minTickUs (0 when the profile has no interval entry). */
  intervalMinTickUs: number;
}

/**
 * Starts s.strategy; on failure falls back to "interval" (logging why). Returns the strategy that runs.
 * Re-arming the same strategy keeps its clocks (missed ticks keep counting).
 */
export function arm(s: SamplerCore, lim: ArmLimits): string {
  var ok = false;
  if (s.strategy === STRATEGY_WAVEFORM) {
    // a buffer per channel: one clock each, a missed tick is a lost buffer of bufLen samples
    s.bufLen = waveBufLen(s);
    setClocks(s, s.nch, s.bufLen / s.rate, s.bufLen);
    ok = startWaves(s);
    if (!ok) {
      log("sampler: no Waveform; using setInterval");
      stopWaves(s);
      releaseWaves(s);
    }
  } else if (s.strategy === STRATEGY_TIMER) {
    ok = armTimer(s, lim.timerMinVersion);
  }
  if (!ok) {
    s.strategy = STRATEGY_INTERVAL;
    armInterval(s, lim.intervalMinTickUs);
  }
  s.armed = true;
  return s.strategy;
}

/** Missed ticks over all clocks. */
export function missedTicks(s: SamplerCore): number {
  var n = 0;
  for (var i = 0; i < s.clocks.length; i++) n += s.clocks[i].missed;
  return n;
}

/** Late (catch-up) ticks over all clocks. */
export function lateTicks(s: SamplerCore): number {
  var n = 0;
  for (var i = 0; i < s.clocks.length; i++) n += s.clocks[i].late;
  return n;
}

/** The clock watch says the wall clock agrees with the timers: every clock's skipped ticks become missed. */
export function commitClocks(s: SamplerCore): void {
  for (var c = 0; c < s.clocks.length; c++) {
    var n = s.clocks[c].commit();
    if (n > 0 && s.clkLoss > 0) s.ring.lose(c, n * s.clkLoss);
  }
}

/** A confirmed forward clock step of `stepS` seconds: the ticks it explains were not skipped. */
export function forgiveClocks(s: SamplerCore, stepS: number): void {
  var n = Math.floor((2 * stepS + s.period) / (2 * s.period)); // round(stepS / period)
  for (var c = 0; c < s.clocks.length; c++) s.clocks[c].forgive(n);
}
