// The sampling handle as the runtime uses it. startSampling(registry, config, profile) is written by the
// sampling engineer in firmware/sampling/sampling.ts; sampling-port.ts re-exports it (or a stand-in until it
// exists), so the runtime depends on this signature only.
import type { Registry } from "../metrics/registry.js";
import type { DeviceConfig } from "../../config/device-config.js";
import type { DeviceProfile } from "../../config/device-file.js";

export interface SamplingHandle {
  /** The strategy that runs ("timer", "interval", "waveform"). */
  strategy: string;
  /** Stops every timer/waveform the sampler started (idempotent). */
  stop(): void;
  /** True while samples are not being taken as configured (the sampler fell behind or stopped). */
  stalled(): boolean;
  /** Number of channels. */
  channels(): number;
  /** The `channel` label value of channel `ch`. */
  channelName(ch: number): string;
  /** Most recent voltage of channel `ch` (index), NaN before the first sample. */
  lastVolts(ch: number): number;
  /** Consistent totals of channel `ch` now (taken = aggregated + buffered + dropped); a reused object. */
  totals(ch: number): SampleTotals;
}

export interface SampleTotals {
  taken: number;
  aggregated: number;
  buffered: number;
  dropped: number;
}

export type StartSampling = (registry: Registry, config: DeviceConfig, profile: DeviceProfile) => SamplingHandle;
