// Builds test/fixtures/firmware/sampling-main.ts through the real firmware pipeline (rollup + typescript +
// terser with TERSER_OPTIONS, test/dialect/pipeline.ts) once per test file, and boots it in SimDevice with
// a board profile and config in Storage. Scrapes go through the fixture's global hook `__t` (family by
// family, so a test can advance the clock between two families) or over HTTP.
import { readFileSync } from "node:fs";
import { SimDevice } from "../../host-sim/index.mjs";
import { buildFixture, type BuiltFixture } from "../dialect/pipeline.js";

let built: Promise<BuiltFixture> | undefined;
export function fixtureBundle(): Promise<BuiltFixture> {
  built ??= buildFixture("test/fixtures/firmware/sampling-main.ts");
  return built;
}

export const PROFILE = JSON.parse(readFileSync("boards/esp32-devkitc.json", "utf8"));

export interface Booted {
  dev: SimDevice;
  /** Renders a whole body through the hook; `between(i)` runs after family i (to advance the clock mid-scrape). */
  scrape(between?: (i: number) => void): string;
  eval<T = unknown>(code: string): T;
}

export async function boot(opts: {
  config: Record<string, unknown>;
  signals?: Record<string, unknown>;
  profile?: Record<string, unknown>;
  simBoard?: Record<string, unknown>;
  costModel?: boolean;
  minified?: boolean;
}): Promise<Booted> {
  const b = await fixtureBundle();
  const profile = opts.profile ?? PROFILE;
  const dev = new SimDevice({
    bundle: opts.minified === false ? b.readable : b.minified,
    board: (opts.simBoard ?? profile) as never,
    storage: { "board.json": profile, "telemetry.config.json": { schema: 1, port: 8080, ...opts.config } },
    signals: (opts.signals ?? {}) as never,
    costModel: opts.costModel ?? false,
    hostPort: 0,
  });
  await dev.boot();
  const ev = <T,>(code: string) => dev.evaluate(code) as T;
  return {
    dev,
    eval: ev,
    scrape(between) {
      ev("__t.open(0)");
      let out = "";
      for (let i = 0; ; i++) {
        const c = ev<string | null>("__t.next()");
        if (c === null) break;
        out += c;
        between?.(i);
      }
      return out;
    },
  };
}

/** Parses a text-format body into `name{labels}` -> value (values as numbers, NaN kept). */
export function parse(body: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of body.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    const v = line.slice(sp + 1);
    m.set(line.slice(0, sp), v === "NaN" ? NaN : v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v));
  }
  return m;
}

export function val(m: Map<string, number>, key: string): number {
  const v = m.get(key);
  if (v === undefined) throw new Error("no series " + key + " in\n" + [...m.keys()].join("\n"));
  return v;
}

/** taken = aggregated + buffered + dropped for a channel; returns the four values. */
export function completeness(m: Map<string, number>, ch: string): { taken: number; aggregated: number; buffered: number; dropped: number } {
  const l = '{channel="' + ch + '"}';
  return {
    taken: val(m, "espruino_adc_samples_taken_total" + l),
    aggregated: val(m, "espruino_adc_samples_aggregated_total" + l),
    buffered: val(m, "espruino_adc_samples_buffered" + l),
    dropped: val(m, "espruino_adc_samples_dropped_total" + l),
  };
}

/** The ADC code the simulated ESP32 returns for `volts` at full scale `fs` volts (independent of the firmware). */
export function codeOf(volts: number, fs = 3.6): number {
  const raw = Math.round((volts / fs) * 4096);
  return raw < 0 ? 0 : raw > 4095 ? 4095 : raw;
}
