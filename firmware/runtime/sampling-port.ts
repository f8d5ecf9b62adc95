// The one place the runtime imports the sampler from. Until firmware/sampling/sampling.ts is committed this
// is a stand-in with the agreed signature startSampling(registry, config, profile): SamplingHandle that
// samples nothing (the runtime then serves its own metrics only).
import type { Registry } from "../metrics/registry.js";
import type { DeviceConfig } from "../config/device-config.js";
import type { BoardProfile } from "../config/board-profile.js";
import type { SamplingHandle, SampleTotals } from "./sampling-api.js";

var zero: SampleTotals = { taken: 0, aggregated: 0, buffered: 0, dropped: 0 };
function stopNothing(): void {}
function notStalled(): boolean {
  return false;
}
function lastNaN(): number {
  return NaN;
}
function noTotals(): SampleTotals {
  return zero;
}
function noName(ch: number): string {
  return "" + ch;
}

export function startSampling(registry: Registry, config: DeviceConfig, profile: BoardProfile): SamplingHandle {
  if (!registry || !config || !profile) throw new Error("startSampling: registry, config and profile are required");
  return {
    strategy: "none",
    stop: stopNothing,
    stalled: notStalled,
    channels: function () {
      return 0;
    },
    channelName: noName,
    lastVolts: lastNaN,
    totals: noTotals,
  };
}
