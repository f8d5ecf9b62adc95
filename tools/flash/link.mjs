// A tiny client for a board's Espruino console, over TCP (`tcp://host:port`) or a serial port (/dev/tty…), used by
// the flash tool for its own checks (the stock CLI resets the board before each upload, so it cannot be used to
// read anything back) and by tools/console.mjs as a raw terminal.
//
// query(): sends Ctrl-C (clears a half-typed line; prints nothing on an empty one) and one echo-off statement
// (`\x10…\n`) that prints a JSON value between markers built at run time (`"<<"+"FLASH"`), so the markers appear
// only in the answer, never in an echo of the statement; everything outside the markers is ignored.
import net from "node:net";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export class LinkError extends Error {
  /** @param {string} message @param {string} code */
  constructor(message, code) {
    super(message);
    this.name = "LinkError";
    /** REFUSED | TIMEOUT | NO_PORT | CLOSED | PARSE */
    this.code = code;
  }
}

/**
 * @typedef {object} Link
 * @property {(data: string | Buffer) => void} write
 * @property {() => Promise<void>} [drain] resolves once what was written has left (a serial port: tcdrain)
 * @property {(listener: (b: Buffer) => void) => () => void} onData  returns a function that removes the listener
 * @property {(listener: () => void) => () => void} onClose  returns a function that removes the listener
 * @property {() => Promise<void>} close
 */

/** @param {string} port */
export function isTcpPort(port) {
  return /^tcp:\/\//.test(port);
}

/**
 * A board's Telnet console: tcp://HOST:23 (an ESP32 over Wi-Fi) or :2323 (the Linux build's). Other TCP ports are
 * taken as serial bridges (ser2net, the simulator's console).
 * @param {string} port
 */
export function isTelnetPort(port) {
  return /^tcp:\/\/[^/]*:(23|2323)\/?$/.test(port);
}

/**
 * @param {string} port
 * @returns {{ host: string, port: number }}
 */
export function parseTcp(port) {
  const m = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(port);
  if (!m) throw new LinkError("bad TCP port " + JSON.stringify(port) + " (expected tcp://HOST:PORT)", "NO_PORT");
  return { host: m[1], port: Number(m[2]) };
}

/**
 * Opens a console connection.
 * @param {string} port tcp://host:port or a serial device path
 * @param {{ baud?: number, root?: string, timeoutMs?: number }} [opts]
 * @returns {Promise<Link>}
 */
export async function openLink(port, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (isTcpPort(port)) {
    const { host, port: p } = parseTcp(port);
    const sock = await new Promise((resolve, reject) => {
      const s = net.connect({ host, port: p });
      const t = setTimeout(() => {
        s.destroy();
        reject(new LinkError("no TCP connection to " + port + " within " + timeoutMs + " ms", "TIMEOUT"));
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(t);
        resolve(s);
      });
      s.once("error", (/** @type {NodeJS.ErrnoException} */ e) => {
        clearTimeout(t);
        reject(new LinkError("cannot connect to " + port + ": " + (e.code === "ECONNREFUSED" ? "connection refused" : e.message), e.code === "ECONNREFUSED" ? "REFUSED" : "CLOSED"));
      });
    });
    const s = /** @type {net.Socket} */ (sock);
    s.setNoDelay(true);
    s.on("error", () => {});
    return linkOver(s, () =>
      new Promise((r) => {
        if (s.destroyed) return r();
        s.once("close", () => r());
        s.end();
        setTimeout(() => s.destroy(), 500);
      }),
    );
  }
  // serial: the pty of a simulated board may be re-created after the previous client closed it
  const t0 = Date.now();
  while (!existsSync(port) && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 25));
  if (!existsSync(port)) throw new LinkError("serial port " + port + " does not exist", "NO_PORT");
  const req = createRequire(createRequire(join(opts.root ?? process.cwd(), "package.json")).resolve("espruino/package.json"));
  const { SerialPort } = req("serialport");
  const sp = await new Promise((resolve, reject) => {
    const s = new SerialPort({ path: port, baudRate: opts.baud ?? 115200, autoOpen: false });
    s.open((/** @type {Error | null} */ err) => (err ? reject(new LinkError("cannot open " + port + ": " + err.message, "NO_PORT")) : resolve(s)));
  });
  const s = /** @type {any} */ (sp);
  s.on("error", () => {});
  const link = linkOver(s, () =>
    new Promise((r) => {
      if (!s.isOpen) return r();
      s.close(() => r());
    }),
  );
  link.drain = () => new Promise((r) => (s.isOpen ? s.drain(() => r(undefined)) : r(undefined)));
  return link;
}

/**
 * A Link over a stream with Node's write/on("data"|"close") (a TCP socket or a serial port); strings go as latin1.
 * @param {{write(b: Buffer): unknown, on(ev: string, l: (...a: any[]) => void): unknown, off(ev: string, l: (...a: any[]) => void): unknown}} s
 * @param {() => Promise<void>} close
 * @returns {Link}
 */
function linkOver(s, close) {
  return {
    write: (d) => void s.write(typeof d === "string" ? Buffer.from(d, "latin1") : d),
    onData: (l) => {
      s.on("data", l);
      return () => void s.off("data", l);
    },
    onClose: (l) => {
      s.on("close", l);
      return () => void s.off("close", l);
    },
    close,
  };
}

/**
 * Runs `expr` (an expression whose value is JSON-stringified on the device) and returns the parsed value.
 * @param {Link} link
 * @param {string} expr
 * @param {{ timeoutMs?: number, what?: string }} [opts]
 * @returns {Promise<unknown>}
 */
export function query(link, expr, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const tag = "Q" + Math.random().toString(36).slice(2, 8);
  const start = "<<" + tag + ":";
  const end = ":" + tag + ">>";
  let buf = "";
  /** @type {(() => void)[]} */
  const off = [];
  return new Promise((resolve, reject) => {
    let done = false;
    const t = setTimeout(() => {
      if (done) return;
      done = true;
      reject(new LinkError((opts.what ?? "the device") + " did not answer within " + timeoutMs + " ms (no Espruino console?)", "TIMEOUT"));
    }, timeoutMs);
    off.push(link.onData((b) => {
      if (done) return;
      buf += b.toString("latin1");
      const i = buf.indexOf(start);
      const j = i >= 0 ? buf.indexOf(end, i) : -1;
      if (j < 0) return;
      done = true;
      clearTimeout(t);
      const text = buf.slice(i + start.length, j).replace(/\r\n/g, "\n");
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new LinkError("unparsable answer from the device: " + text.slice(0, 200), "PARSE"));
      }
    }));
    off.push(link.onClose(() => {
      if (done) return;
      done = true;
      clearTimeout(t);
      reject(new LinkError("the console closed the connection" + (buf ? ": " + JSON.stringify(buf.slice(0, 120)) : ""), "CLOSED"));
    }));
    const code = 'print("<<"+' + JSON.stringify(tag + ":") + "+JSON.stringify(" + expr + ")+" + JSON.stringify(":") + "+" + JSON.stringify(tag + ">>") + ")";
    link.write("\x03\x10" + code + "\n");
  }).finally(() => off.forEach((f) => f()));
}
