// The board's socket budget over real sockets (host-sim/http.mjs header: lwIP resets a client when all
// netconns are taken). Node would accept every client; the board has `sockets` in total, the listener included.
import { describe, it, expect } from "vitest";
import net from "node:net";
import { codeDevice, rawExchange, splitResponse, until } from "./helpers.js";

/** Connects and reports how the connection ended: the bytes received, or the error code. */
function probe(port: number, request: string): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    sock.on("connect", () => sock.write(request));
    sock.on("data", (b) => chunks.push(b));
    sock.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    sock.on("close", () => resolve({ text: Buffer.concat(chunks).toString("latin1"), error }));
  });
}

describe("socket budget", () => {
  it("requests never ended hold their sockets; with all taken the next client is reset; ending one frees it", async () => {
    // 3 sockets: the listener + 2 connections
    const d = codeDevice(
      "var held = []; require('http').createServer(function (req, res) { held.push(res); }).listen(80);",
      { board: { name: "tiny", sockets: 3 } }
    );
    try {
      await d.boot();
      const p = d.hostPort(80) as number;
      const a = rawExchange(p, ["GET /a HTTP/1.1\r\n\r\n"]);
      const b = rawExchange(p, ["GET /b HTTP/1.1\r\n\r\n"]);
      await until(() => d.evaluate("held.length") === 2, "two requests held");
      expect(d.net.socketsHeld()).toBe(3);
      // the budget is full: a third client is reset by the stack (Node would have served it)
      const c = await probe(p, "GET /c HTTP/1.1\r\n\r\n");
      expect(c.text).toBe("");
      expect(c.error).toBe("ECONNRESET");
      expect(d.net.stats.refused).toBe(1);
      expect(d.evaluate("held.length")).toBe(2);
      // held sockets stay held however long we wait
      d.advance(60_000);
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      expect(d.net.socketsHeld()).toBe(3);
      // ending one request frees its socket: the next client is served
      d.evaluate("held[0].end('first')");
      expect(splitResponse((await a).text).body).toBe("first");
      await until(() => d.net.socketsHeld() === 2, "socket released");
      const e = probe(p, "GET /e HTTP/1.1\r\n\r\n");
      await until(() => d.evaluate("held.length") === 3, "third request accepted");
      d.evaluate("held[2].end('third'); held[1].end('second')");
      expect(splitResponse((await e).text).body).toBe("third");
      expect(splitResponse((await b).text).body).toBe("second");
    } finally {
      await d.stop();
    }
  });

  it("the ESP32 profile has 10 sockets: 9 unended requests fill it, the 10th client is reset", async () => {
    const d = codeDevice("var held = []; require('http').createServer(function (req, res) { held.push(res); }).listen(80);", {
      board: "esp32-devkitc",
    });
    try {
      await d.boot();
      const p = d.hostPort(80) as number;
      expect(d.board.sockets).toBe(10);
      const pending = [];
      for (let i = 0; i < 9; i++) pending.push(rawExchange(p, ["GET /" + i + " HTTP/1.1\r\n\r\n"]));
      await until(() => d.evaluate("held.length") === 9, "nine held");
      const tenth = await probe(p, "GET /x HTTP/1.1\r\n\r\n");
      expect(tenth.error).toBe("ECONNRESET");
      d.evaluate("held.forEach(function (r) { r.end('ok'); })");
      const all = await Promise.all(pending);
      expect(all.every((r) => splitResponse(r.text).body === "ok")).toBe(true);
    } finally {
      await d.stop();
    }
  });
});
