// The waveform strategy: one Waveform input per channel, each `buffer` event copied into the ring. A bundle for a
// config whose sampler is not "waveform" is built with waveform-off.ts in its place (rollup.config.mjs).
import { newInputWaveform } from "../platform.js";
import type { SamplerCore } from "./samplers.js";

/** A Waveform `buffer` event of channel `ch`: copies the buffer that just filled into the ring. */
function bufferBody(s: SamplerCore, ch: number, buf: Uint16Array): void {
  var time = s.time;
  var t = time();
  // lost buffers are counted when the clock watch commits them (commitClocks)
  s.clocks[ch].tick(t);
  var ring = s.ring;
  var n = buf.length;
  // a 16-bit sample as a reading (the drain rounds it to 12 bits, as (v + 8) >> 4 would)
  for (var i = 0; i < n; i++) ring.push(ch, buf[i] / 65536);
}

function bufferFactory(s: SamplerCore, ch: number): (buf: Uint16Array) => void {
  return function (buf: Uint16Array) {
    // a buffer event queued before a fallback to another strategy: its samples are not this sampler's any more
    if (s.strategy !== "waveform") return;
    try {
      bufferBody(s, ch, buf);
    } catch (e) {
      s.errors++;
    }
  };
}

/** Buffer length for Waveform: about 100 ms of samples, 2..512, and at most half a ring segment. */
export function waveformBufLen(rate: number, seg: number): number {
  var n = Math.ceil(rate / 10);
  if (n > 512) n = 512;
  if (n > Math.floor(seg / 2)) n = Math.floor(seg / 2);
  if (n < 2) n = 2;
  // `| 0`: Math.ceil/floor return a float on Espruino and `new Waveform(5.0)` throws "'samples' should be a
  // integer or ArrayBuffer" after OUT OF MEMORY (measured on 2v29); the simulator cannot tell 5.0 from 5.
  return n | 0;
}

/** The buffer length of `s`'s Waveforms: the one they were made with, or the one they will be made with. */
export function waveBufLen(s: SamplerCore): number {
  return s.waves.length ? s.bufLen : waveformBufLen(s.rate, s.ring.seg);
}

/** Makes the Waveforms at the first arm, then (re)starts every channel's input; false when that is impossible. */
export function startWaves(s: SamplerCore): boolean {
  var ch: number;
  if (s.waves.length === 0) {
    for (ch = 0; ch < s.nch; ch++) {
      var w = newInputWaveform(s.bufLen);
      if (!w) return false;
      var fn = bufferFactory(s, ch);
      w.on("buffer", fn);
      s.waves.push(w);
      s.bufFns.push(fn);
    }
  }
  for (ch = 0; ch < s.nch; ch++) {
    var wv = s.waves[ch] as EspWaveform;
    try {
      if (wv.running) wv.stop();
    } catch (e) {
      // not running after all
    }
    try {
      wv.startInput(s.pins[ch], s.rate, { repeat: true });
    } catch (e) {
      return false;
    }
  }
  return true;
}

/** Stops every running Waveform (idempotent). */
export function stopWaves(s: SamplerCore): void {
  for (var ch = 0; ch < s.waves.length; ch++) {
    var w = s.waves[ch];
    try {
      if (w && w.running) w.stop();
    } catch (e) {
      // "Waveform is not running"
    }
  }
}

/** Releases the Waveform objects' listeners (after a stop, when the sampler is stopped for good). */
export function releaseWaves(s: SamplerCore): void {
  for (var ch = 0; ch < s.waves.length; ch++) {
    var w = s.waves[ch];
    if (w) w.removeAllListeners("buffer");
  }
  s.waves = [];
  s.bufFns = [];
}
