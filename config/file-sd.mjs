// Prometheus file_sd targets writer, shared by `npm run targets` (tools/targets.mjs) and the simulator's fleet mode.
// Details: docs/host-tools.md "config/file-sd.mjs".
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

/** Boards the firmware is built for (validated by name). */
export const BOARDS = Object.freeze(["esp32-devkitc", "esp32-c3", "espruino-wifi"]);

/**
 * @typedef {object} Device
 * @property {string} address  "host" or "host:port" (IPv6 as "[addr]:port")
 * @property {string} device   unique device name
 * @property {string} location
 * @property {string} board    one of BOARDS
 * @property {number} [line]   source line, for error messages
 * @property {string} [console] the board's Espruino console (tcp://HOST:PORT), for a flash over the network
 */

/**
 * @typedef {object} TargetGroup
 * @property {string[]} targets
 * @property {{ device: string, location: string, board: string }} labels
 */

export class FileSdError extends Error {
  /**
   * @param {string} message
   * @param {number} row
   * @param {string} field
   */
  constructor(message, row, field) {
    super(message);
    this.name = "FileSdError";
    this.row = row;
    this.field = field;
  }
}

// device: a name usable in URLs, file names and dashboards; location: the same plus spaces and '/'.
const DEVICE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const LOCATION_RE = /^[A-Za-z0-9][A-Za-z0-9_. /-]{0,62}$/;
const HOST_LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;

/**
 * Normalises "host[:port]" to "host:port" (default port 80). Returns an error text instead of throwing.
 * @param {string} address
 * @returns {{ ok: true, value: string } | { ok: false, error: string }}
 */
export function normalizeAddress(address) {
  if (typeof address !== "string" || address === "") return { ok: false, error: "is empty" };
  if (/\s/.test(address)) return { ok: false, error: "contains whitespace" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address) || address.includes("/")) {
    return { ok: false, error: "must be host[:port], without scheme or path" };
  }
  let host;
  let port = "80";
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    if (end < 0) return { ok: false, error: "has an unclosed '[' (IPv6 addresses are written [addr]:port)" };
    host = address.slice(1, end);
    const rest = address.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return { ok: false, error: "has text after ']' that is not ':port'" };
      port = rest.slice(1);
    }
    if (!host.includes(":") || !IPV6_RE.test(host)) return { ok: false, error: "has an invalid IPv6 address" };
    host = "[" + host + "]";
  } else {
    const parts = address.split(":");
    if (parts.length > 2) return { ok: false, error: "has more than one ':' (write IPv6 addresses as [addr]:port)" };
    host = parts[0];
    if (parts.length === 2) port = parts[1];
    if (host === "") return { ok: false, error: "has an empty host" };
    const v4 = IPV4_RE.exec(host);
    if (v4) {
      if (v4.slice(1).some((o) => Number(o) > 255)) return { ok: false, error: "has an IPv4 octet above 255" };
    } else if (/^[\d.]+$/.test(host)) {
      return { ok: false, error: "has a malformed IPv4 address" };
    } else if (host.length > 253 || !host.split(".").every((l) => HOST_LABEL_RE.test(l))) {
      return { ok: false, error: "has an invalid host name" };
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return { ok: false, error: "has an invalid port " + JSON.stringify(port) + " (1-65535)" };
  }
  return { ok: true, value: host + ":" + Number(port) };
}

/**
 * @param {unknown} d
 * @param {number} i
 */
function rowOf(d, i) {
  const line = d && typeof d === "object" ? /** @type {{ line?: unknown }} */ (d).line : undefined;
  return typeof line === "number" && Number.isInteger(line) && line > 0
    ? { row: line, where: "line " + line }
    : { row: i + 1, where: "row " + (i + 1) };
}

/**
 * Validates the devices and returns the file_sd structure (one target group per device, input order kept).
 * Throws FileSdError naming the row and field of the first problem.
 * @param {ReadonlyArray<Device>} devices
 * @returns {TargetGroup[]}
 */
export function toFileSd(devices) {
  if (!Array.isArray(devices)) throw new TypeError("toFileSd: devices must be an array");
  /** @type {Map<string, string>} */
  const seenDevice = new Map();
  /** @type {Map<string, string>} */
  const seenAddress = new Map();
  /** @type {TargetGroup[]} */
  const groups = [];
  devices.forEach((d, i) => {
    const { row, where } = rowOf(d, i);
    /**
     * @param {string} field
     * @param {string} problem
     * @returns {never}
     */
    const fail = (field, problem) => {
      throw new FileSdError(where + ": field `" + field + "` " + problem, row, field);
    };
    if (!d || typeof d !== "object") fail("address", "is missing (the row is not an object)");
    for (const field of ["address", "device", "location", "board"]) {
      const v = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (d))[field];
      if (v === undefined || v === null || v === "") fail(field, "is missing or empty");
      if (typeof v !== "string") fail(field, "must be a string");
    }
    const addr = normalizeAddress(d.address);
    if (!addr.ok) fail("address", JSON.stringify(d.address) + " " + addr.error);
    if (!DEVICE_RE.test(d.device)) {
      fail("device", JSON.stringify(d.device) + " must be 1-63 characters [A-Za-z0-9_.-], starting with a letter or digit");
    }
    if (!LOCATION_RE.test(d.location) || d.location.endsWith(" ")) {
      fail("location", JSON.stringify(d.location) + " must be 1-63 characters [A-Za-z0-9_. /-], starting with a letter or digit, no trailing space");
    }
    if (!BOARDS.includes(d.board)) {
      fail("board", JSON.stringify(d.board) + " is not a known board (one of " + BOARDS.join(", ") + ")");
    }
    const prevDevice = seenDevice.get(d.device);
    if (prevDevice) fail("device", JSON.stringify(d.device) + " is a duplicate (first on " + prevDevice + ")");
    seenDevice.set(d.device, where);
    const prevAddr = seenAddress.get(addr.value);
    if (prevAddr) fail("address", JSON.stringify(addr.value) + " is a duplicate (first on " + prevAddr + ")");
    seenAddress.set(addr.value, where);
    groups.push({ targets: [addr.value], labels: { device: d.device, location: d.location, board: d.board } });
  });
  return groups;
}

/**
 * Validates, then writes the file_sd JSON to `path` atomically: a temp file in the same directory, fsync, rename.
 * Prometheus never sees a half-written file; on any error the temp file is removed and `path` is untouched.
 * @param {string} path
 * @param {ReadonlyArray<Device>} devices
 * @returns {TargetGroup[]}
 */
export function writeFileSd(path, devices) {
  const groups = toFileSd(devices);
  const text = JSON.stringify(groups, null, 2) + "\n";
  const dir = dirname(path);
  if (!existsSync(dir)) throw new Error("cannot write " + path + ": directory " + dir + " does not exist");
  // write-file-atomic: a temp file beside it (`devices.json.<hash>`, outside Prometheus's `targets/*.json` pattern),
  // fsync, rename; the temp file is removed when anything fails
  writeFileAtomic.sync(path, text, { mode: 0o644 });
  return groups;
}
