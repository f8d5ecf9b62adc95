// Live reference check: the built firmware (dist/firmware.min.js) boots in the simulator, is scraped over
// HTTP in both formats, and its families are diffed against docs/metrics.md: every exposed family is
// documented with the same type, labels and help, and every row marked implemented is exposed; every device metric
// the dashboard and the rules query is served.
import { PIECE_CHARS } from "../../firmware/exposition/cursor.js";
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionStorage } from "../../host-sim/provision.mjs";
import { SimDevice } from "../../host-sim/index.mjs";
import { promtoolCheckMetrics } from "../support/system-tools.js";
import { docsTable, omParse, textParse } from "./helpers.js";
import type { DocRow, ParsedFamily } from "./helpers.js";
import { analyse, defined, PROMETHEUS_SERIES, queries, recordNames, ruleExprs, rulesText, substitute } from "../prometheus/dashboard-queries.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const rows = docsTable(readFileSync(ROOT + "docs/metrics.md", "utf8"));
const OM_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

let device: SimDevice;
let base: string;

beforeAll(async () => {
  execFileSync(process.execPath, [ROOT + "tools/build.mjs", "--if-needed", "--quiet"], { cwd: ROOT, stdio: "inherit" });
  // a provisioned device (board profile, demo config with push mode, secrets): every documented family is live
  const push = { url: "http://127.0.0.1:9", intervalSeconds: 86400 };
  device = new SimDevice({ bundle: ROOT + "dist/firmware.min.js", storage: provisionStorage({ overrides: { push } }) });
  await device.boot();
  base = "http://127.0.0.1:" + device.hostPort(80);
});

afterAll(async () => {
  if (device) await device.stop();
});

/** Parsed family name of a documented metric (the python parsers drop a counter's _total). */
function parsedName(row: DocRow): string {
  return row.type === "counter" ? row.name.replace(/_total$/, "") : row.name;
}

function labelsOf(f: ParsedFamily): string[] {
  const names = new Set<string>();
  for (const s of f.samples) for (const k of Object.keys(s[1])) if (k !== "le") names.add(k);
  return [...names];
}

function diff(fams: ParsedFamily[]): void {
  expect(device.errors).toEqual([]);
  for (const f of fams) {
    const row = rows.find((r) => parsedName(r) === f.name);
    expect(row, "exposed family " + f.name + " is not in docs/metrics.md").toBeDefined();
    expect(f.type, f.name).toBe(row!.type);
    expect(f.help, f.name).toBe(row!.help);
    // a labelled family without series yet shows no labels; otherwise they must be exactly the documented ones
    if (f.samples.length) expect(labelsOf(f).sort(), f.name).toEqual([...row!.labels].sort());
  }
  for (const row of rows.filter((r) => r.status === "implemented")) {
    expect(fams.map((f) => f.name), row.name + " is marked implemented but not exposed").toContain(parsedName(row));
  }
}

/** Raw HTTP/1.1 exchange; returns the head and the body's chunks (Transfer-Encoding: chunked). */
function rawChunks(port: number, accept?: string): Promise<{ head: string; chunks: string[] }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const bufs: Buffer[] = [];
    sock.on("data", (b) => bufs.push(b));
    sock.on("error", reject);
    sock.on("close", () => {
      const all = Buffer.concat(bufs).toString("latin1");
      const split = all.indexOf("\r\n\r\n");
      const head = all.substring(0, split);
      let rest = all.substring(split + 4);
      const chunks: string[] = [];
      for (;;) {
        const eol = rest.indexOf("\r\n");
        const size = parseInt(rest.substring(0, eol), 16);
        if (!(size > 0)) break;
        chunks.push(rest.substr(eol + 2, size));
        rest = rest.substring(eol + 2 + size + 2);
      }
      resolve({ head, chunks });
    });
    sock.write("GET /metrics HTTP/1.1\r\nHost: device\r\n" + (accept ? "Accept: " + accept + "\r\n" : "") + "\r\n");
  });
}

describe("live scrape of the built firmware matches docs/metrics.md", () => {
  it("streams a family per chunk, a large one in chunks of about PIECE_CHARS characters (one res.write per drain), then the last chunk", async () => {
    const port = device.hostPort(80) as number;
    const text = await rawChunks(port);
    expect(text.head).toMatch(/\r\nTransfer-Encoding: chunked(\r\n|$)/i);
    expect(text.chunks.length).toBeGreaterThan(2);
    // a chunk starts a family (its HELP and TYPE lines) or continues the one before it; no chunk holds two families
    let family = "";
    for (const c of text.chunks) {
      const types = c.split("\n").filter((l) => l.startsWith("# TYPE "));
      expect(types.length).toBeLessThanOrEqual(1);
      if (types.length) {
        expect(c.startsWith("# HELP ")).toBe(true);
        family = types[0].split(" ")[2];
      } else {
        expect(family).not.toBe("");
        for (const l of c.split("\n").filter(Boolean)) expect(l.startsWith(family)).toBe(true);
      }
      // a chunk ends at the first line past PIECE_CHARS (a histogram's last bucket, _sum and _count together)
      const lines = c.split("\n").filter(Boolean);
      expect(c.length - lines.slice(-3).join("\n").length - 1).toBeLessThan(PIECE_CHARS);
    }
    expect(text.chunks.some((c) => !c.startsWith("# HELP "))).toBe(true); // the histogram needs more than one chunk
    const om = await rawChunks(port, "application/openmetrics-text");
    expect(om.chunks.length).toBe(text.chunks.length + 1);
    expect(om.chunks[om.chunks.length - 1]).toBe("# EOF\n");
  });

  it("text format", async () => {
    const r = await fetch(base + "/metrics");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(r.headers.get("transfer-encoding")).toBe("chunked");
    const body = await r.text();
    const check = promtoolCheckMetrics(body);
    expect(check.output).toBe("");
    expect(check.status).toBe(0);
    const p = textParse(body);
    expect(p.error).toBeUndefined();
    diff(p.families!);
    const info = p.families!.find((f) => f.name === "espruino_build_info")!;
    expect(info.samples).toHaveLength(1);
    expect(info.samples[0][1].board).toBe(device.board.name as string); // the profile name, as on the status page and in targets
    expect(info.samples[0][1].board.length).toBeGreaterThan(0);
    expect(info.samples[0][1].version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.samples[0][2]).toBe(1);
  });

  it("OpenMetrics when Accept asks for it", async () => {
    const r = await fetch(base + "/metrics", { headers: { Accept: OM_ACCEPT } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    const body = await r.text();
    expect(body.endsWith("# EOF\n")).toBe(true);
    const p = omParse(body);
    expect(p.error).toBeUndefined();
    diff(p.families!);
  });

  it("every device metric the Grafana dashboard and the Prometheus rules query is served by the device", async () => {
    const served = new Set<string>();
    const text = await (await fetch(base + "/metrics")).text();
    for (const l of text.split("\n")) {
      if (l && !l.startsWith("#")) served.add(l.slice(0, l.search(/[{ ]/)));
    }
    // espruino_series_dropped_total has a series per labelled family of the user's (the firmware's own are fixed,
    // docs/metrics.md): on a device without any it is served as its HELP and TYPE lines alone
    expect(text).toContain("# TYPE espruino_series_dropped_total counter\n");
    served.add("espruino_series_dropped_total");
    const exprs = [...queries.map((q) => q.expr), ...ruleExprs(rulesText)];
    const wanted = new Set<string>();
    for (const e of exprs) {
      for (const m of analyse(substitute(e, defined)).metrics) if (!recordNames.includes(m) && !PROMETHEUS_SERIES.includes(m)) wanted.add(m);
    }
    expect(wanted.size).toBeGreaterThan(20);
    expect([...wanted].filter((m) => !served.has(m)).sort()).toEqual([]);
  });

  it("scrape counter counts both formats; 404 and 405 unchanged", async () => {
    const before = textParse(await (await fetch(base + "/metrics")).text()).families!;
    const n = before.find((f) => f.name === "espruino_scrapes")!.samples[0][2];
    const after = textParse(await (await fetch(base + "/metrics")).text()).families!;
    expect(after.find((f) => f.name === "espruino_scrapes")!.samples[0][2]).toBe(n + 1);
    const nf = await fetch(base + "/other");
    expect(nf.status).toBe(404);
    await nf.text();
    const na = await fetch(base + "/metrics", { method: "POST", body: "x" });
    expect(na.status).toBe(405);
    expect(na.headers.get("allow")).toBe("GET");
    await na.text();
  });
});
