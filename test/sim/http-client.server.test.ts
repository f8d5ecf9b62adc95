// require("http").request/get in the simulator (host-sim/http.mjs, client side): Espruino's request head,
// chunked streaming with 'drain', the response object (statusCode as a string), the close sequence, errors,
// the socket budget and no connection without Wi-Fi. Servers here are Node servers on 127.0.0.1.
import { describe, it, expect, afterEach } from "vitest";
import net from "node:net";
import { codeDevice, until } from "./helpers.js";
import type { SimDevice } from "../../host-sim/index.mjs";

interface Got {
  raw: string;
  sock: net.Socket;
}

/** A raw TCP server: `answer(raw, sock)` decides when to respond (called on every data event). */
async function rawServer(answer: (g: Got) => void): Promise<{ port: number; got: Got[]; close: () => Promise<void> }> {
  const got: Got[] = [];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    socks.add(sock);
    const g: Got = { raw: "", sock };
    got.push(g);
    sock.on("data", (b) => {
      g.raw += b.toString("latin1");
      answer(g);
    });
    sock.on("error", () => {});
    sock.on("close", () => socks.delete(sock));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    port,
    got,
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/** A free port nobody listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const LOG = `var log = []; function L(s) { log.push(s); }
var http = require("http");`;

let dev: SimDevice | undefined;
afterEach(async () => {
  await dev?.stop();
  dev = undefined;
});

async function boot(code: string, opts: Record<string, unknown> = {}): Promise<SimDevice> {
  dev = codeDevice(LOG + "\n" + code, opts);
  await dev.boot();
  return dev;
}

const log = (d: SimDevice) => d.evaluate("log.join('|')") as string;

describe("http.request (client)", () => {
  it("get(url): Espruino's head, statusCode as a string, data/end/close on the response, nothing on the request", async () => {
    const s = await rawServer((g) => {
      if (g.raw.includes("\r\n\r\n")) g.sock.end("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello");
    });
    try {
      const d = await boot(`var rq = http.get("http://127.0.0.1:${s.port}/p/q?x=1", function (res) {
        L("cb " + typeof res.statusCode + " " + res.statusCode + " " + res.statusMessage + " " + res.headers["X-A"] + " this=" + (this === rq));
        res.on("data", function (x) { L("data " + x); });
        res.on("end", function () { L("end"); });
        res.on("close", function (e) { L("close " + e); });
      });`);
      await until(() => log(d).includes("close"), "response closed");
      expect(log(d)).toBe("cb string 200 OK b this=true|data hello|end|close false");
      expect(s.got[0].raw).toBe(
        "GET /p/q?x=1 HTTP/1.1\r\nUser-Agent: Espruino " + d.board.version + "\r\nConnection: close\r\nHost: 127.0.0.1:" + s.port + "\r\n\r\n"
      );
      expect(d.net.clients.size).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("chunked PUT streamed one piece per 'drain' (no 'drain' after end()), <= 536 bytes per pass, headers in order", async () => {
    const s = await rawServer((g) => {
      if (g.raw.endsWith("0\r\n\r\n")) g.sock.end("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    });
    try {
      const d = await boot(`var n = 0, piece = "";
      for (var i = 0; i < 100; i++) piece += "x";
      var rq = http.request({ host: "127.0.0.1", port: ${s.port}, path: "/m", method: "PUT",
        headers: { "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Authorization": "Bearer t" } }, function (res) {
        L("cb " + res.statusCode);
        res.on("close", function () { L("close"); });
      });
      rq.on("drain", function () {
        L("drain");
        if (n < 3) { n++; rq.write(piece + n); } else if (n === 3) { n++; rq.end(); }
      });
      rq.write(piece + "0");`);
      const tx: number[] = [];
      d.on("tx", (i: { bytes: number }) => tx.push(i.bytes));
      await until(() => log(d).includes("close"), "closed");
      expect(log(d)).toBe("drain|drain|drain|drain|cb 202|close");
      const raw = s.got[0].raw;
      const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
      expect(head.split("\r\n")).toEqual([
        "PUT /m HTTP/1.1", "User-Agent: Espruino " + d.board.version, "Connection: close", "Content-Type: text/plain",
        "Transfer-Encoding: chunked", "Authorization: Bearer t", "Host: 127.0.0.1:" + s.port,
      ]);
      const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
      expect(body).toBe(["0", "1", "2", "3"].map((k) => "65\r\n" + "x".repeat(100) + k + "\r\n").join("") + "0\r\n\r\n");
      for (const b of tx) expect(b).toBeLessThanOrEqual(536);
    } finally {
      await s.close();
    }
  });

  it("a large write goes out in 536-byte sends with one 'drain' at the end", async () => {
    const s = await rawServer((g) => {
      if (g.raw.length >= 3000 && g.raw.includes("\r\n\r\n")) g.sock.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    });
    try {
      const tx: number[] = [];
      const d = codeDevice(LOG + `\nvar big = ""; for (var i = 0; i < 300; i++) big += "0123456789";
        var rq = http.request({ host: "127.0.0.1", port: ${s.port}, path: "/", method: "POST", headers: {} }, function (res) { res.on("close", function () { L("close"); }); });
        rq.on("drain", function () { L("drain"); rq.end(); });
        rq.write(big);`);
      dev = d;
      d.on("tx", (i: { bytes: number }) => tx.push(i.bytes));
      await d.boot();
      await until(() => log(d).includes("close"), "closed");
      expect(log(d)).toBe("drain|close");
      expect(Math.max(...tx)).toBe(536);
      expect(tx.reduce((a, b) => a + b, 0)).toBe(s.got[0].raw.length);
    } finally {
      await s.close();
    }
  });

  it("connection refused: 'error' {code -8, unsent data} on the request, then the response's end and close(true); no callback", async () => {
    const port = await deadPort();
    const d = await boot(`var rq = http.request({ host: "127.0.0.1", port: ${port}, path: "/", method: "PUT", headers: {} }, function (res) {
        L("cb"); res.on("close", function (e) { L("close " + e); });
      });
      rq.on("error", function (e) { L("error " + e.code + " " + e.message); });
      rq.on("close", function () { L("req close"); });
      rq.write("x");`);
    await until(() => d.net.clients.size === 0, "closed");
    await until(() => log(d).length > 0, "events");
    expect(log(d)).toBe("error -8 unsent data");
    expect(() => d.evaluate("rq.write('y')")).toThrow(/This socket is closed/);
  });

  it("the server closes without answering: 'error' {code -15, no response}", async () => {
    const s = await rawServer((g) => {
      if (g.raw.includes("\r\n\r\n")) g.sock.end();
    });
    try {
      const d = await boot(`var rq = http.get({ host: "127.0.0.1", port: ${s.port}, path: "/" }, function (res) { L("cb"); });
        rq.on("error", function (e) { L("error " + e.code + " " + e.message); });`);
      await until(() => log(d).length > 0, "error event");
      expect(log(d)).toBe("error -15 no response");
    } finally {
      await s.close();
    }
  });

  it("a chunked response is de-chunked into 'data'", async () => {
    const s = await rawServer((g) => {
      if (g.raw.includes("\r\n\r\n")) g.sock.end("HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    });
    try {
      const d = await boot(`http.get("http://127.0.0.1:${s.port}/", function (res) {
        var b = ""; res.on("data", function (x) { b += x; });
        res.on("close", function () { L(res.statusCode + " " + res.statusMessage + " " + b); });
      });`);
      await until(() => log(d).length > 0, "closed");
      expect(log(d)).toBe("500 Internal Server Error abcde");
    } finally {
      await s.close();
    }
  });

  it("no Wi-Fi IP with unreachableWithoutWifi: write() throws 'Unable to create socket' after 'Connect failed (err 113)'", async () => {
    const s = await rawServer(() => {});
    try {
      const d = await boot(`var rq = http.request({ host: "127.0.0.1", port: ${s.port}, path: "/", method: "GET", headers: {} }, function () { L("cb"); });
        rq.on("error", function (e) { L("error " + e.message); });
        try { rq.end(); } catch (e) { L("threw " + e.message); }`, { unreachableWithoutWifi: true });
      d.advance(10);
      await until(() => d.net.clients.size === 0, "closed");
      expect(log(d)).toBe("threw Unable to create socket");
      expect(d.console.join("\n")).toContain("ERROR: Connect failed (err 113)");
      expect(s.got.length).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("client sockets count against the board's socket budget", async () => {
    const s = await rawServer(() => {});
    try {
      const d = await boot(`var n = 0, rs = [];
        for (var i = 0; i < 4; i++) {
          try { var r = http.request({ host: "127.0.0.1", port: ${s.port}, path: "/", method: "GET", headers: {} }, function () {}); r.end(); rs.push(r); n++; }
          catch (e) { L(i + " " + e.message); }
        }`, { board: { name: "tiny", sockets: 3 } });
      expect(d.evaluate("n")).toBe(3);
      expect(log(d)).toBe("3 Unable to create socket");
      expect(d.net.socketsInUse()).toBe(3);
    } finally {
      await s.close();
    }
  });

  it("request() argument errors are Espruino's", async () => {
    const d = await boot("");
    expect(() => d.evaluate("http.request(5, function(){})")).toThrow("Expecting Options to be an Object but it was Integer");
    expect(() => d.evaluate("http.request({}, 1)")).toThrow("Expecting Callback Function but got Integer");
  });
});
