// Fleet mode on worker threads: the fleet split into `workers` slices, each slice an in-process fleet
// (host-sim/fleet.mjs startFleet) on its own thread, so that one event loop no longer carries every device.
// Details: docs/simulator.md "host-sim/fleet-threads.mjs".
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { fleetHandle } from "./fleet.mjs";

const WORKER = new URL("./fleet-worker.mjs", import.meta.url);

/** Worker threads for `devices` devices when the caller says "auto": one per core above 100 devices, else none. */
export function autoWorkers(/** @type {number} */ devices) {
  return devices > 100 ? Math.min(availableParallelism(), Math.ceil(devices / 50)) : 0;
}

/**
 * @typedef {Omit<import("./fleet.mjs").FleetOptions, "onProgress" | "onConsole" | "first" | "total"> & {
 *   workers: number,
 *   onProgress?: (started: number, total: number) => void,
 *   onConsole?: (name: string, line: string) => void,
 *   onWorkerExit?: (message: string) => void,
 * }} ThreadedFleetOptions
 * @typedef {{ name: string, location: string, board: string, hostPort: number, address: string }} RemoteDevice
 */

/**
 * Starts the fleet on `workers` threads (slices as even as possible). Any worker failing to start stops them all
 * and rejects with its error (message, code, port, device).
 * @param {ThreadedFleetOptions} o
 */
export async function startFleetThreads(o) {
  const { workers: w, onProgress, onConsole, onWorkerExit, ...options } = o;
  let stopping = false;
  const n = options.devices;
  if (!Number.isInteger(w) || w < 1) throw new Error("workers must be a positive integer");
  const t0 = performance.now();
  const slices = Array.from({ length: Math.min(w, n) }, (_, k) => {
    const first = Math.floor((k * n) / Math.min(w, n));
    return { first, count: Math.floor(((k + 1) * n) / Math.min(w, n)) - first };
  });
  let started = 0;
  /** @type {Worker[]} */
  const threads = [];
  const stopAll = () => {
    stopping = true;
    return Promise.all(threads.map((t) => stopWorker(t)));
  };
  try {
    const lists = await Promise.all(
      slices.map(({ first, count }) => {
        const t = new Worker(WORKER, { workerData: { options: { ...options, devices: count, first, total: n }, console: !!onConsole } });
        threads.push(t);
        return new Promise((resolve, reject) => {
          let last = 0;
          let ready = false;
          /** @type {Error | undefined} */
          let failure;
          t.on("message", (m) => {
            if (m.type === "progress") {
              started += m.started - last;
              last = m.started;
              onProgress?.(started, n);
            } else if (m.type === "console") onConsole?.(m.name, m.line);
            else if (m.type === "ready") {
              ready = true;
              resolve(/** @type {RemoteDevice[]} */ (m.devices));
            }
            else if (m.type === "failed") reject(Object.assign(new Error(m.message), m.detail));
          });
          t.on("error", (e) => {
            failure = e;
            if (!ready) reject(e);
          });
          t.on("exit", (code) => {
            if (!ready) return reject(failure ?? new Error("fleet worker exited (" + code + ") before its devices started"));
            // after it started: its devices are gone, which must not go unnoticed
            if (!stopping) onWorkerExit?.("fleet worker thread for devices " + (first + 1) + "-" + (first + count) + " ended (" + (failure ? failure.message : "exit " + code) + "): its devices are gone");
          });
        });
      }),
    );
    const list = /** @type {RemoteDevice[]} */ (lists.flat());
    return { ...fleetHandle(list, performance.now() - t0, async () => void (await stopAll())), workers: threads.length };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Asks a worker to stop its devices and waits for it to exit (terminated after 10 s). @param {Worker} t */
function stopWorker(t) {
  return new Promise((resolve) => {
    if (t.threadId < 0) return resolve(undefined);
    const kill = setTimeout(() => void t.terminate(), 10_000);
    t.once("exit", () => {
      clearTimeout(kill);
      resolve(undefined);
    });
    t.postMessage({ type: "stop" });
  });
}
