// Helpers for the runtime suites: devices booted from the minified bundle with a seeded Storage contract,
// raw HTTP, and a small exposition parser.
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { SimDevice, deviceFile, DEVICE_FILE } from "../../host-sim/index.mjs";
import { ensureBuilt, MIN_BUNDLE, ROOT } from "../sim/helpers.js";

export { ensureBuilt, MIN_BUNDLE, ROOT };

export const PROFILE = JSON.parse(readFileSync(join(ROOT, "boards", "esp32-devkitc.json"), "utf8"));
export const SSID = "lab-ap-7f3c";
export const PASSWORD = "pw-Zq81-secret";
export const TOKEN = "tok-0123456789abcdef-XYZ";

export function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schema: 1, channels: [{ name: "a", pin: "D32" }, { name: "b", pin: "D33" }], sampleRateHz: 50, device: "dev-1", location: "lab", ...extra };
}

export interface Opts {
  /** validated on the host into the device file (null: no device file) */
  config?: Record<string, unknown> | null;
  secrets?: Record<string, unknown> | null;
  profile?: Record<string, unknown>;
  /** the device file's text as given (a damaged or foreign file), instead of profile + config */
  deviceFileText?: string;
  ap?: Record<string, unknown>;
  costModel?: boolean;
}

export function makeDevice(o: Opts = {}): SimDevice {
  const storage: Record<string, unknown> = {};
  if (o.deviceFileText !== undefined) storage[DEVICE_FILE] = o.deviceFileText;
  else if (o.config !== null) storage[DEVICE_FILE] = deviceFile(o.profile ?? PROFILE, o.config ?? config());
  if (o.secrets !== null) storage["telemetry.secrets.json"] = o.secrets ?? { ssid: SSID, password: PASSWORD };
  return new SimDevice({
    bundle: MIN_BUNDLE,
    storage,
    signals: { D32: 1.2, D33: 2.5 },
    wifi: { ssid: SSID, password: PASSWORD, ...(o.ap ?? {}) },
    costModel: o.costModel,
  });
}

export interface Reply {
  status: number;
  head: string[];
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/** Sends raw bytes, reads until close, de-chunks a chunked body. */
export function raw(port: number, request: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const bufs: Buffer[] = [];
    sock.on("data", (b) => bufs.push(b));
    sock.on("error", reject);
    sock.on("close", () => {
      const text = Buffer.concat(bufs).toString("latin1");
      const i = text.indexOf("\r\n\r\n");
      const head = text.slice(0, i).split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of head.slice(1)) {
        const c = l.indexOf(":");
        headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
      }
      let body = text.slice(i + 4);
      if ((headers["transfer-encoding"] ?? "").toLowerCase() === "chunked") {
        let rest = body;
        body = "";
        for (;;) {
          const eol = rest.indexOf("\r\n");
          const n = parseInt(rest.slice(0, eol), 16);
          if (!(n > 0)) break;
          body += rest.substr(eol + 2, n);
          rest = rest.slice(eol + 2 + n + 2);
        }
      }
      resolve({ status: Number(head[0].split(" ")[1]), head, headers, body, raw: text });
    });
    sock.on("connect", () => sock.write(request));
  });
}

export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  let h = "";
  for (const k of Object.keys(headers)) h += k + ": " + headers[k] + "\r\n";
  return raw(port, "GET " + path + " HTTP/1.1\r\nHost: d\r\n" + h + "\r\n");
}

/** Sample lines of a text body: "name{labels}" -> value. */
export function samples(body: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of body.split("\n")) {
    if (!l || l.startsWith("#")) continue;
    const sp = l.lastIndexOf(" ");
    m.set(l.slice(0, sp), Number(l.slice(sp + 1)));
  }
  return m;
}

/** Channel label values that have an espruino_adc_samples_taken_total series. */
export function channelsOf(s: Map<string, number>): string[] {
  const out: string[] = [];
  for (const k of s.keys()) {
    const m = /^espruino_adc_samples_taken_total\{channel="([^"]*)"\}$/.exec(k);
    if (m) out.push(m[1]);
  }
  return out;
}

/** taken - (aggregated + buffered + dropped) per channel (0 = every sample accounted for). */
export function unaccounted(body: string): Record<string, number> {
  const s = samples(body);
  const out: Record<string, number> = {};
  for (const ch of channelsOf(s)) {
    const l = '{channel="' + ch + '"}';
    const v = (n: string) => s.get(n + l) as number;
    out[ch] = v("espruino_adc_samples_taken_total") - (v("espruino_adc_samples_aggregated_total") + v("espruino_adc_samples_buffered") + v("espruino_adc_samples_dropped_total"));
  }
  return out;
}

/** Counts of "# TYPE" lines per family (each must be 1). */
export function typeCounts(body: string): Record<string, number> {
  const c: Record<string, number> = {};
  for (const l of body.split("\n")) if (l.startsWith("# TYPE ")) c[l.split(" ")[2]] = (c[l.split(" ")[2]] ?? 0) + 1;
  return c;
}

/** Lets the device's event pump run (host sockets) a number of Node ticks. */
export async function settle(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}
