// Native work in the socket layer (host-sim/http.mjs + natives.mjs): Espruino copies the unsent remainder after
// every <= 536-byte send, so one whole-body res.end() costs O(n²/536) character copies; streaming does not.
import { describe, it, expect } from "vitest";
import { COPY_PER_CHAR } from "../../host-sim/natives.mjs";
import { loadCalibration } from "../../host-sim/cost.mjs";
import { codeDevice, rawExchange } from "./helpers.js";

/** Characters copied when `total` bytes leave in sends of `chunk`: the remainder after each send. */
function copied(total: number, chunk: number): number {
  let n = 0;
  for (let left = total - chunk; left > 0; left -= chunk) n += left;
  return n;
}

describe("socket layer copy of the unsent remainder", () => {
  it("a 6 000-byte res.end() is charged COPY_PER_CHAR per remaining character after every 536-byte send", async () => {
    const d = codeDevice(
      "var body = ''; for (var i = 0; i < 600; i++) body += '0123456789';" +
        "require('http').createServer(function (req, res) { res.writeHead(200); res.end(body); }).listen(80);",
      { board: "esp32-devkitc" }
    );
    try {
      await d.boot();
      const n0 = d.cost.stats.nativeInstructions;
      const r = await rawExchange(d.hostPort(80) as number, ["GET / HTTP/1.1\r\n\r\n"]);
      expect(r.text.endsWith("0123456789")).toBe(true);
      const total = Buffer.byteLength(r.text, "latin1");
      expect(total).toBeGreaterThan(6000);
      // plus the HTTP callback's entry (a calibrated construct, charged at run time)
      expect(d.cost.stats.nativeInstructions - n0).toBe(copied(total, 536) * COPY_PER_CHAR + loadCalibration().constructs.callback);
    } finally {
      await d.stop();
    }
  });

  it("a costModel: false device charges nothing for the same response", async () => {
    const d = codeDevice(
      "var body = ''; for (var i = 0; i < 600; i++) body += '0123456789';" +
        "require('http').createServer(function (req, res) { res.writeHead(200); res.end(body); }).listen(80);",
      { board: "esp32-devkitc", costModel: false }
    );
    try {
      await d.boot();
      const r = await rawExchange(d.hostPort(80) as number, ["GET / HTTP/1.1\r\n\r\n"]);
      expect(r.text.length).toBeGreaterThan(6000);
      expect(d.cost.stats.nativeInstructions).toBe(0);
      expect(d.cost.stats.chargedMs).toBe(0);
    } finally {
      await d.stop();
    }
  });
});
