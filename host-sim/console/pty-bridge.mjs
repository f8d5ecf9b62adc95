// A pseudo-terminal (/dev/pts/N, plus a stable symlink) bridged by Debian's `socat` to a TcpConsole, so that
// serial-port clients — the stock `espruino` CLI with `-p /dev/pts/N -b 115200` — talk to a simulated device.
// Details: docs/simulator.md "host-sim/console/pty-bridge.mjs".
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * @typedef {object} PtyBridgeOptions
 * @property {number} tcpPort port of the TcpConsole on 127.0.0.1
 * @property {string} linkPath where socat puts the symlink to /dev/pts/N (its directory must exist or is created)
 * @property {string} [socatPath] default "socat" (on PATH)
 * @property {number} [maxRestarts] how many times socat is restarted after a client closed the pty (default 50)
 * @property {number} [readyTimeoutMs] how long to wait for socat to create the pty (default 5000)
 * @property {(line: string) => void} [log] socat's stderr lines
 */

export class PtyBridge {
  /** @param {PtyBridgeOptions} options */
  constructor(options) {
    /** @private */ this.options = options;
    /** @type {string} the stable symlink */
    this.linkPath = resolve(options.linkPath);
    /** @type {string | undefined} the current /dev/pts/N */
    this.ptyPath = undefined;
    /** @private @type {import("node:child_process").ChildProcess | null} */ this.child = null;
    /** @private */ this.closing = false;
    /** socat processes started so far */
    this.starts = 0;
    /** @type {string[]} socat's stderr, last 200 lines */
    this.logLines = [];
  }

  /**
   * Start socat and resolve once the pty exists.
   * @returns {Promise<{ ptyPath: string, linkPath: string }>}
   */
  async start() {
    mkdirSync(dirname(this.linkPath), { recursive: true });
    await this.spawnSocat();
    return { ptyPath: /** @type {string} */ (this.ptyPath), linkPath: this.linkPath };
  }

  /** pid of the current socat, if any */
  get pid() {
    return this.child?.pid;
  }

  /** @private @returns {Promise<void>} */
  spawnSocat() {
    const o = this.options;
    const args = [
      "-d",
      "-d",
      "PTY,link=" + this.linkPath + ",raw,echo=0,wait-slave,pty-interval=0.05",
      "TCP:127.0.0.1:" + o.tcpPort,
    ];
    this.starts++;
    const child = spawn(o.socatPath ?? "socat", args, { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    return new Promise((resolvePromise, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new Error("socat did not create a pty within " + (o.readyTimeoutMs ?? 5000) + " ms: " + this.logLines.join(" | ")));
      }, o.readyTimeoutMs ?? 5000);
      let buf = "";
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (/** @type {string} */ d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.logLines.push(line);
          if (this.logLines.length > 200) this.logLines.shift();
          if (o.log) o.log(line);
          const m = /PTY is (\S+)/.exec(line);
          if (m && !settled) {
            this.ptyPath = m[1];
            // the link is created right after the message; wait until it is there
            const t0 = Date.now();
            const waitLink = () => {
              if (existsSync(this.linkPath) || Date.now() - t0 > 1000) {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                resolvePromise();
              } else setTimeout(waitLink, 5);
            };
            waitLink();
          }
        }
      });
      child.on("error", (e) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(e);
        }
      });
      child.on("exit", (code, signal) => {
        if (this.child === child) this.child = null;
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error("socat exited (" + (signal ?? code) + ") before creating a pty: " + this.logLines.join(" | ")));
          return;
        }
        // a client closed the pty: offer a fresh one on the same link
        if (!this.closing && this.starts <= (o.maxRestarts ?? 50)) {
          this.spawnSocat().catch((e) => {
            this.logLines.push("restart failed: " + (e instanceof Error ? e.message : String(e)));
          });
        }
      });
    });
  }

  /**
   * Stop socat (SIGTERM, then SIGKILL after 1 s) and stop restarting it.
   * @returns {Promise<void>}
   */
  async close() {
    this.closing = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolvePromise) => {
      const t = setTimeout(() => child.kill("SIGKILL"), 1000);
      child.once("exit", () => {
        clearTimeout(t);
        resolvePromise(undefined);
      });
      child.kill("SIGTERM");
    });
  }
}

/**
 * Start a bridge and resolve once its pty exists.
 * @param {PtyBridgeOptions} options
 */
export async function startPtyBridge(options) {
  const b = new PtyBridge(options);
  await b.start();
  return b;
}

/**
 * Write an executable `udevadm` shim into `dir` that makes `SerialPort.list()` (hence the stock CLI) list the
 * given symlinks and their current targets as serial ports (udev names `ttyUSB_sim<N>`, manufacturer
 * "host-sim pty"). Returns `dir`; prepend it to the CLI's PATH.
 * @param {string} dir
 * @param {string[]} linkPaths
 * @returns {string}
 */
export function writeUdevadmShim(dir, linkPaths) {
  mkdirSync(dir, { recursive: true });
  const q = (/** @type {string} */ s) => "'" + s.replace(/'/g, "'\\''") + "'";
  const lines = [
    "#!/bin/sh",
    "# udevadm shim from host-sim/console/pty-bridge.mjs: lists simulated serial ports for `udevadm info -e`",
    '[ "$1" = "info" ] || { echo "udevadm shim: only \'info -e\' is supported" >&2; exit 1; }',
    "n=0",
    "for link in " + linkPaths.map(q).join(" ") + "; do",
    '  [ -e "$link" ] || continue',
    '  for p in "$link" "$(readlink -f "$link")"; do',
    '    echo "P: /devices/virtual/tty/ttyUSB_sim$n"',
    '    echo "N: ttyUSB_sim$n"',
    '    echo "E: DEVNAME=$p"',
    '    echo "E: ID_VENDOR_ENC=host-sim\\x20pty"',
    '    echo ""',
    "    n=$((n+1))",
    "  done",
    "done",
    "exit 0",
    "",
  ];
  const file = join(dir, "udevadm");
  writeFileSync(file, lines.join("\n"));
  chmodSync(file, 0o755);
  return dir;
}

/**
 * The /dev/pts/N a link currently points to, or undefined.
 * @param {string} linkPath
 */
export function ptyTarget(linkPath) {
  try {
    return resolve(dirname(linkPath), readlinkSync(linkPath));
  } catch {
    return undefined;
  }
}
