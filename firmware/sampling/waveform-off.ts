// The waveform strategy left out: the bundle `npm run flash` writes for a config whose sampler is not "waveform"
// (dist/firmware-core.min.js) is built with this module in place of waveform.ts (rollup.config.mjs).
import type { SamplerCore } from "./samplers.js";

/** Not in this bundle: arm() falls back to the interval sampler (and says so), as when a board has no Waveform. */
export function waveBufLen(_s: SamplerCore): number {
  return 1;
}

export function startWaves(_s: SamplerCore): boolean {
  return false;
}

export function stopWaves(_s: SamplerCore): void {}

export function releaseWaves(_s: SamplerCore): void {}
