// One slice of a threaded fleet (host-sim/fleet-threads.mjs): starts its devices in this thread, reports them,
// forwards progress and console lines, and stops them when asked.
import { parentPort, workerData } from "node:worker_threads";
import { startFleet } from "./fleet.mjs";

const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
/** @type {Awaited<ReturnType<typeof startFleet>> | undefined} */
let fleet;
let stopping = false;
port.on("message", async (m) => {
  if (m.type !== "stop") return;
  stopping = true;
  if (!fleet) return; // still starting: stopped as soon as startFleet() returns
  await fleet.stop();
  port.close();
});
try {
  fleet = await startFleet({
    ...workerData.options,
    onProgress: (/** @type {number} */ started) => port.postMessage({ type: "progress", started }),
    onConsole: workerData.console ? (/** @type {string} */ name, /** @type {string} */ line) => port.postMessage({ type: "console", name, line }) : undefined,
  });
  if (stopping) {
    await fleet.stop();
    port.close();
  } else port.postMessage({ type: "ready", devices: fleet.devices.map((d) => ({ name: d.name, location: d.location, board: d.board, hostPort: d.hostPort, address: d.address })) });
} catch (e) {
  const err = /** @type {Error & {code?: string, port?: number, device?: string}} */ (e);
  port.postMessage({ type: "failed", message: err.message, detail: { code: err.code, port: err.port, device: err.device } });
  port.close();
}
