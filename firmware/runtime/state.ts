// The running instance: everything one boot created, kept on global.__telemetry so a re-run of the boot
// code can stop it (timers, server, sampler, Wi-Fi handlers) before starting again.
import type { Registry } from "../metrics/registry.js";
import type { DeviceProfile } from "../../config/device-file.js";
import type { SamplingHandle } from "../sampling/sampling.js";
import type { RuntimeCollector, SelfMetrics } from "./self-metrics.js";
import type { WifiCtl } from "./wifi.js";
import type { PushCtl } from "./push.js";

export var GLOBAL_NAME = "__telemetry";

export interface Runtime {
  /** boot time (getTime), seconds */
  t0: number;
  boots: number;
  reg: Registry;
  m: SelfMetrics;
  col: RuntimeCollector;
  /** the board profile while booting; null once boot is done (see boot.ts) */
  profile: DeviceProfile | null;
  /** the profile's name ("unknown" without a valid profile), for the status page */
  board: string;
  /** the valid config while booting; after boot only what the status page shows (rate, each channel's pin and unit) */
  config: { sampleRateHz: number; channels: { pin: string; unit: string }[] } | null;
  /** config errors and start-up failures, shown on / */
  errors: string[];
  /** bearer token ("" = no auth) */
  token: string;
  /** auth was asked for but has no valid token: /metrics and / answer 401 to everyone (fails closed) */
  locked: boolean;
  /** true: always the text format (config exposition "text") */
  textOnly: boolean;
  port: number;
  srv: EspNetServer | null;
  /** the board's socket budget, the listener included (profile.sockets) */
  sockets: number;
  sampling: SamplingHandle | null;
  wifi: WifiCtl | null;
  /** /metrics responses being streamed, and the cap */
  streams: number;
  maxStreams: number;
  /** 1 while a push body is being streamed (a scrape then resumes its collection instead of collecting) */
  pb: number;
  /** push mode (null: off) */
  push: PushCtl | null;
  /** main-loop interval (watchdog kick, error flags), listen retry timer */
  loop: number;
  retry: number;
  device: string;
  location: string;
  /** set by the top-level run; the E.on('init') of the same power-up clears it instead of booting again */
  fresh: boolean;
  stopped: boolean;
  /** stops this instance (idempotent); a function of the bundle that started it */
  stop: () => void;
}
