// One serial connection for a whole flash. Opening a serial port resets an ESP32 (DTR/RTS drive EN and GPIO0), so
// the port is opened once: the tool's own queries use it, and the stock CLI reaches it through a loopback TCP
// bridge (`-p tcp://127.0.0.1:N`). Details: docs/host-tools.md "tools/flash/serial-session.mjs".
import net from "node:net";
import { openLink } from "./link.mjs";

/** What a reset prints: the ESP32 ROM's first lines, or Espruino's banner. */
const RESET_TEXT = /rst:0x[0-9a-f]+|ets [A-Z][a-z]{2} |\(c\) \d{4} G\.Williams/;

/**
 * @typedef {object} SerialSession
 * @property {string} cliPort `tcp://127.0.0.1:N`, the bridge the CLI is given
 * @property {() => import("./link.mjs").Link} borrow a view of the link whose close() only removes its own listeners
 * @property {(o: { quietMs: number, maxMs: number }) => Promise<boolean>} settle waits until the console has been
 *   quiet for `quietMs` (at most `maxMs`); true when what it printed meanwhile looks like a reset
 * @property {() => number} clients how many CLI connections the bridge accepted
 * @property {() => Promise<void>} close
 */

/**
 * @param {string} port serial device path
 * @param {{ baud: number, root: string, timeoutMs?: number }} opts
 * @returns {Promise<SerialSession>}
 */
export async function openSerialSession(port, opts) {
  const link = await openLink(port, { baud: opts.baud, root: opts.root, timeoutMs: opts.timeoutMs ?? 3000 });
  let lastByteAt = Date.now();
  let recent = "";
  link.onData((b) => {
    lastByteAt = Date.now();
    recent = (recent + b.toString("latin1")).slice(-4096);
  });
  /** @type {net.Socket | null} */
  let client = null;
  let accepted = 0;
  const server = net.createServer((s) => {
    if (client) return void s.destroy(); // one CLI at a time, as on the port itself
    accepted++;
    client = s;
    s.setNoDelay(true);
    s.on("data", (b) => link.write(b));
    s.on("error", () => {});
    s.on("close", () => {
      if (client === s) client = null;
    });
  });
  link.onData((b) => {
    if (client && !client.destroyed) client.write(b);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve(undefined));
  });
  const address = /** @type {net.AddressInfo} */ (server.address());
  return {
    cliPort: "tcp://127.0.0.1:" + address.port,
    borrow() {
      /** @type {(() => void)[]} */
      const off = [];
      return {
        write: (d) => link.write(d),
        onData: (l) => {
          const f = link.onData(l);
          off.push(f);
          return f;
        },
        onClose: (l) => {
          const f = link.onClose(l);
          off.push(f);
          return f;
        },
        close: async () => void off.splice(0).forEach((f) => f()),
      };
    },
    async settle({ quietMs, maxMs }) {
      const t0 = Date.now();
      recent = "";
      lastByteAt = Math.max(lastByteAt, t0);
      while (Date.now() - lastByteAt < quietMs && Date.now() - t0 < maxMs) await new Promise((r) => setTimeout(r, 20));
      return RESET_TEXT.test(recent);
    },
    clients: () => accepted,
    async close() {
      client?.destroy();
      await new Promise((r) => server.close(() => r(undefined)));
      await link.close();
    },
  };
}
