// The one place the runtime imports the sampler from (firmware/sampling/sampling.ts, agreed signature
// startSampling(registry, config, profile): SamplingHandle); the runtime depends on sampling-api.ts only.
import { startSampling as start } from "../sampling/sampling.js";
import type { StartSampling } from "./sampling-api.js";

export var startSampling: StartSampling = start;
