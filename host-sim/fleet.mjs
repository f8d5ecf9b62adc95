// Fleet mode: N simulated devices in one Node process, each with its own realm, clock, Storage (seeded
// config with its own name and location), signal and host port.
// Details: docs/simulator.md "host-sim/fleet.mjs".
import { SimDevice } from "./device.mjs";
import { fromSpecFile } from "./signals.mjs";
import { parseSchedule } from "./faults.mjs";
import { toFileSd, writeFileSd } from "../config/file-sd.mjs";
import { provisionStorage, CONFIG_FILE, SECRETS_FILE } from "./provision.mjs";

export { CONFIG_FILE, SECRETS_FILE };
export const DEFAULT_SAMPLE_RATE_HZ = 10;

/**
 * @typedef {object} FleetOptions
 * @property {number} devices
 * @property {number} [first]           index of the first device in the whole fleet (default 0; a worker's slice)
 * @property {number} [total]           size of the whole fleet, for names and signal phases (default `devices`)
 * @property {number} [basePort]        0 (default): ephemeral host ports; else device i listens on basePort + i
 * @property {string} [bundle]
 * @property {string} [board]
 * @property {Record<string, unknown>} [config]   base telemetry.config.json
 * @property {unknown} [secrets]                  telemetry.secrets.json content
 * @property {{json: unknown, baseDir?: string, name?: string}} [signals]  signal spec file content
 * @property {unknown} [faults]                   fault schedule (array or {schedule})
 * @property {number} [sampleRateHz]
 * @property {"realtime" | "virtual"} [clock]     default "realtime"
 * @property {boolean} [costModel]               default false
 * @property {boolean} [unreachableWithoutWifi]  SimDevice option: sockets refuse clients while Wi-Fi is down
 * @property {number} [memoryRefreshMs]  SimDevice option (default 5000): process.memory() walks the heap at most
 *   once per 5 s of host time, so a scrape does not pay for a walk
 * @property {string} [namePrefix]               default "sim-"
 * @property {string} [locationPrefix]           default "sim-lab"
 * @property {(started: number, total: number) => void} [onProgress]  after every 50 devices and at the end
 * @property {(name: string, line: string) => void} [onConsole]
 *
 * @typedef {object} FleetDevice
 * @property {string} name
 * @property {string} location
 * @property {string} board
 * @property {SimDevice} device
 * @property {number} hostPort
 * @property {string} address   "127.0.0.1:PORT"
 */

/**
 * @param {number} i @param {number} n @param {FleetOptions} o
 */
export function deviceIdentity(i, n, o) {
  const name = (o.namePrefix ?? "sim-") + String(i + 1).padStart(Math.max(3, String(n).length), "0");
  const location = (o.locationPrefix ?? "sim-lab") + "/row-" + String(Math.floor(i / 20) + 1).padStart(2, "0");
  return { name, location };
}

/**
 * Signal spec of device i: sines without a phase get 2*pi*i/n.
 * @param {number} i @param {number} n @param {FleetOptions} o
 */
export function signalSpecFor(i, n, o) {
  const phase = (2 * Math.PI * i) / n;
  if (!o.signals) return { json: { D32: { type: "sine", offset: 1.65, amplitude: 1, period: 60, phase } }, baseDir: undefined, name: "default signals" };
  const json = /** @type {Record<string, any>} */ (JSON.parse(JSON.stringify(o.signals.json)));
  if (json && typeof json === "object") {
    for (const pin of Object.keys(json)) {
      const s = json[pin];
      if (s && typeof s === "object" && s.type === "sine" && s.phase === undefined) s.phase = phase;
    }
  }
  return { json, baseDir: o.signals.baseDir, name: o.signals.name };
}

/**
 * Starts the fleet. On any failure (e.g. a busy port) every started device is stopped and the error
 * (with `.code`, `.port`) is rethrown.
 * @param {FleetOptions} o
 */
export async function startFleet(o) {
  const count = o.devices;
  if (!Number.isInteger(count) || count < 1) throw new Error("devices must be a positive integer");
  const first = o.first ?? 0;
  const n = o.total ?? count;
  const basePort = o.basePort ?? 0;
  const schedule = o.faults === undefined ? undefined : parseSchedule(o.faults);
  /** @type {FleetDevice[]} */
  const list = [];
  const t0 = performance.now();
  try {
    for (let i = first; i < first + count; i++) {
      const { name, location } = deviceIdentity(i, n, o);
      const config = {
        schema: 1,
        channels: [{ name: "ch0", pin: "D32" }],
        ...(o.config ?? {}),
      };
      const storage = provisionStorage({
        board: o.board,
        config,
        secrets: o.secrets,
        overrides: {
          sampleRateHz: o.sampleRateHz ?? /** @type {any} */ (o.config)?.sampleRateHz ?? DEFAULT_SAMPLE_RATE_HZ,
          device: name,
          location,
        },
      });
      const sig = signalSpecFor(i, n, o);
      const port = basePort ? basePort + i : 0;
      const device = new SimDevice({
        bundle: o.bundle,
        board: o.board,
        name,
        clock: o.clock ?? "realtime",
        startTime: Date.now() / 1000,
        hostPort: port,
        storage,
        signals: fromSpecFile(sig.json, { baseDir: sig.baseDir, name: sig.name }),
        costModel: o.costModel ?? false,
        unreachableWithoutWifi: o.unreachableWithoutWifi ?? false,
        memoryRefreshMs: o.memoryRefreshMs ?? 5000,
        wifi: { ip: "10.77." + Math.floor((i + 1) / 250) + "." + (((i + 1) % 250) + 1) },
        onConsole: o.onConsole ? (line) => /** @type {NonNullable<FleetOptions["onConsole"]>} */ (o.onConsole)(name, line) : undefined,
      });
      const entry = { name, location, board: device.board.name, device, hostPort: 0, address: "" };
      list.push(entry);
      try {
        await device.boot();
      } catch (e) {
        throw Object.assign(e instanceof Error ? e : new Error(String(e)), { port, device: name });
      }
      const hp = [...device.ports.values()][0];
      if (!hp) throw Object.assign(new Error(name + ": the firmware did not start an HTTP server (see its console)"), { device: name });
      entry.hostPort = hp;
      entry.address = "127.0.0.1:" + hp;
      if (schedule) device.schedule(schedule);
      const started = i + 1 - first;
      if (started % 50 === 0 || started === count) o.onProgress?.(started, count);
    }
  } catch (e) {
    await Promise.all(list.map((d) => d.device.stop()));
    throw e;
  }
  return fleetHandle(list, performance.now() - t0, async () => void (await Promise.all(list.map((d) => d.device.stop()))));
}

/**
 * What startFleet() and startFleetThreads() return: the devices, file_sd targets, stop().
 * @template {{name: string, location: string, board: string, address: string}} D
 * @param {D[]} list @param {number} startMs @param {() => Promise<void>} stop
 */
export function fleetHandle(list, startMs, stop) {
  const targets = () => list.map((d) => ({ address: d.address, device: d.name, location: d.location, board: d.board }));
  return {
    devices: list,
    startMs,
    targets: () => toFileSd(targets()),
    /** @param {string} path */
    writeTargets: (path) => writeFileSd(path, targets()),
    stop,
  };
}
