// The minified firmware on every board profile in boards/, in the simulator (host-sim, JsVar memory model),
// with the demo config the provisioning tool writes: boot, a few virtual seconds, a /metrics scrape, a few
// more seconds; then JsVars used/free per board are reported.
// Details: docs/host-tools.md "test/runtime/boards.server.test.ts".
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, expect, it } from "vitest";
import { SimDevice } from "../../host-sim/index.mjs";
import { provisionStorage } from "../../host-sim/provision.mjs";
import { ensureBuilt, get, MIN_BUNDLE, ROOT } from "./helpers.js";

const devices: SimDevice[] = [];
beforeAll(() => ensureBuilt());
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

interface Run {
  console: string;
  used: number;
  total: number;
  free: number;
  status?: number;
  body?: string;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

async function run(board: string, codeInFlash?: boolean): Promise<Run> {
  const profile = JSON.parse(readFileSync(join(ROOT, "boards", board + ".json"), "utf8"));
  const d = new SimDevice({
    bundle: MIN_BUNDLE,
    board: codeInFlash === undefined ? board : { ...profile, codeInFlash },
    storage: provisionStorage({ board }),
    wifi: { ssid: "sim-ap", password: "simpassword" },
  });
  devices.push(d);
  await d.boot();
  d.advance(3000);
  const port = d.hostPort(80) as number | undefined;
  let status: number | undefined;
  let body: string | undefined;
  if (port) {
    const r = await withTimeout(get(port, "/metrics"), 10000);
    if (r) {
      status = r.status;
      body = r.body;
    }
  }
  d.advance(2000);
  const used = d.memory.measure();
  const total = d.board.jsVars as number;
  const out = { console: String(d.console), used, total, free: total - used, status, body };
  console.log(board + (codeInFlash === false ? " (code in RAM)" : "") + ": " + used + " JsVars used of " + total + " (" + (total - used) + " free) after boot and a scrape" +
    (out.console.indexOf("OUT OF MEMORY") >= 0 ? "; OUT OF MEMORY" : ""));
  return out;
}

/** Every sample line is `name{labels} value`, every family has HELP and TYPE. */
function expectValidBody(body: string): void {
  const lines = body.split("\n").filter((l) => l);
  expect(lines.length).toBeGreaterThan(20);
  for (const l of lines) {
    if (l.startsWith("#")) expect(l).toMatch(/^# (HELP|TYPE|EOF)/);
    else expect(l).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/);
  }
  expect(body).toContain("espruino_uptime_seconds");
  expect(body).toContain("espruino_adc_samples_taken_total");
}

async function expectFits(board: string): Promise<void> {
  const r = await run(board);
  expect(r.console).not.toContain("OUT OF MEMORY");
  expect(r.status).toBe(200);
  expectValidBody(r.body as string);
  expect(r.free).toBeGreaterThanOrEqual(500);
}

it("board profiles in boards/ are the three this test knows", () => {
  const names = readdirSync(join(ROOT, "boards")).filter((f) => f.endsWith(".json") && f !== "schema.json").sort();
  expect(names).toEqual(["esp32-c3.json", "esp32-devkitc.json", "espruino-wifi.json"]);
});

it("esp32-devkitc: boots, serves valid /metrics, no OUT OF MEMORY, >= 500 JsVars free", async () => {
  await expectFits("esp32-devkitc");
}, 60000);

it("espruino-wifi: boots, serves valid /metrics, no OUT OF MEMORY, >= 500 JsVars free", async () => {
  await expectFits("espruino-wifi");
}, 60000);

it("espruino-wifi with the code held in RAM (as after a RAM upload): OUT OF MEMORY", async () => {
  const r = await run("espruino-wifi", false);
  expect(r.console).toContain("OUT OF MEMORY");
}, 60000);

it("esp32-c3: known not to fit (4095 JsVars): reports OUT OF MEMORY", async () => {
  const r = await run("esp32-c3");
  expect(r.console).toContain("OUT OF MEMORY");
}, 60000);
