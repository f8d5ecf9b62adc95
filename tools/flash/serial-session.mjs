// One serial connection for a whole flash. Opening a serial port resets an ESP32 (DTR/RTS drive EN and GPIO0), so
// the port is opened once: the tool's own queries use it, and the stock CLI reaches it through a loopback TCP
// bridge (`-p tcp://127.0.0.1:N`). Details: docs/host-tools.md "tools/flash/serial-session.mjs".
import net from "node:net";
import { openLink } from "./link.mjs";

/**
 * Bytes written to the port at a time, each write drained (tcdrain) before the next: the stock CLI without its
 * upload pauses sends a whole bundle in a second, and a burst that overfills the tty's output buffer could stall
 * the serial binding's write for good (seen on socat's pty about one flash in ten).
 */
const WRITE_CHUNK = 1024;

/** What a reset prints: the ESP32 ROM's first lines, or Espruino's banner. */
const RESET_TEXT = /rst:0x[0-9a-f]+|ets [A-Z][a-z]{2} |\(c\) \d{4} G\.Williams/;

/**
 * @typedef {object} SerialSession
 * @property {() => Promise<string>} bridge starts the loopback bridge for the CLI and returns `tcp://127.0.0.1:N`;
 *   it takes one connection and then stops listening, so nobody else on the host reaches the console
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
  // every write (the CLI's through the bridge, the tool's own queries) goes through one queue, in order
  /** @type {Buffer[]} */
  const queue = [];
  let pumping = false;
  const pump = async () => {
    pumping = true;
    while (queue.length) {
      let b = /** @type {Buffer} */ (queue.shift());
      if (b.length > WRITE_CHUNK) {
        queue.unshift(b.subarray(WRITE_CHUNK));
        b = b.subarray(0, WRITE_CHUNK);
      }
      link.write(b);
      if (link.drain) await link.drain();
    }
    pumping = false;
  };
  /** @param {string | Buffer} d */
  const send = (d) => {
    queue.push(typeof d === "string" ? Buffer.from(d, "latin1") : d);
    if (!pumping) void pump();
  };
  let lastByteAt = Date.now();
  let recent = "";
  link.onData((b) => {
    lastByteAt = Date.now();
    recent = (recent + b.toString("latin1")).slice(-4096);
  });
  /** @type {net.Socket | null} */
  let client = null;
  let accepted = 0;
  /** @type {net.Server | undefined} */
  let server;
  link.onData((b) => {
    if (client && !client.destroyed) client.write(b);
  });
  /** @returns {Promise<string>} */
  const bridge = () => {
    const srv = net.createServer((s) => {
      srv.close(); // the CLI's connection is the only one; what is accepted stays open
      if (client) return void s.destroy();
      accepted++;
      client = s;
      s.setNoDelay(true);
      s.on("data", (b) => send(b));
      s.on("error", () => {});
      s.on("close", () => {
        if (client === s) client = null;
      });
    });
    server = srv;
    return new Promise((resolve, reject) => {
      srv.once("error", reject);
      srv.listen({ host: "127.0.0.1", port: 0 }, () => resolve("tcp://127.0.0.1:" + /** @type {net.AddressInfo} */ (srv.address()).port));
    });
  };
  return {
    bridge,
    borrow() {
      /** @type {(() => void)[]} */
      const off = [];
      return {
        write: send,
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
      if (server?.listening) await new Promise((r) => server?.close(() => r(undefined)));
      await link.close();
    },
  };
}
