// Espruino's HTTP server framing, checked over real sockets on 127.0.0.1 (see host-sim/http.mjs header for
// the socketserver.c facts matched).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { SimDevice } from "../../host-sim/index.mjs";
import { codeDevice, rawExchange, splitResponse, until } from "./helpers.js";

const SERVER = `
var http = require("http");
var big = "";
for (var i = 0; i < 100; i++) big += "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHI\\n";
http.createServer(function (req, res) {
  console.log("req " + req.method + " " + req.url);
  var u = req.url;
  if (u === "/code/418") { res.writeHead(418, { "Content-Type": "text/plain" }); res.end("teapot"); }
  else if (u === "/code/500") { res.writeHead(500, {}); res.end("x"); }
  else if (u === "/chunked") { res.writeHead(200, { "Transfer-Encoding": "chunked" }); res.write("hello "); res.end("world"); }
  else if (u === "/big") { res.writeHead(200, { "Content-Type": "text/plain" }); res.end(big); }
  else if (u === "/drain") {
    var n = 0;
    res.writeHead(200, {});
    res.on("drain", function () { n++; if (n < 5) res.write("part" + n + "\\n"); else res.end("done\\n"); });
    res.write("start\\n");
  }
  else if (u.indexOf("/headers") === 0) { res.writeHead(200, {}); res.end(JSON.stringify({ m: req.method, u: req.url, h: req.headers })); }
  else if (u === "/post") {
    var body = "";
    req.on("data", function (d) { body += d; });
    req.on("end", function () { res.writeHead(200, {}); res.end(body.length + ":" + body); });
  }
  else if (u === "/setheader") { res.setHeader("X-A", "1"); res.setHeader("Connection", "keep-alive"); res.writeHead(201, { "X-B": "2" }); res.end(); }
  else if (u === "/twice") { res.writeHead(200, {}); res.writeHead(500, {}); res.end("ok"); }
  else { var w = res.write("w="); res.end(String(w)); }
}).listen(80);
`;

let dev: SimDevice;
let port: number;
const tx: Array<{ conn: number; bytes: number }> = [];

beforeAll(async () => {
  dev = codeDevice(SERVER);
  dev.on("tx", (info: { conn: number; bytes: number }) => tx.push(info));
  await dev.boot();
  port = dev.hostPort(80) as number;
  expect(port).toBeGreaterThan(0);
});
afterAll(async () => {
  await dev?.stop();
});

const get = (path: string, extra = "") => rawExchange(port, ["GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n"]);

describe("Espruino HTTP framing", () => {
  it("status line is always 'OK'; Server and Connection: close come first; no Content-Length", async () => {
    const r = await get("/code/418");
    expect(r.text).toBe("HTTP/1.1 418 OK\r\nServer: Espruino 2v29\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nteapot");
    const r500 = await get("/code/500");
    expect(r500.text).toBe("HTTP/1.1 500 OK\r\nServer: Espruino 2v29\r\nConnection: close\r\n\r\nx");
  });

  it("chunked encoding only when the firmware set Transfer-Encoding: chunked; each write is one chunk", async () => {
    const r = await get("/chunked");
    expect(r.text).toBe(
      "HTTP/1.1 200 OK\r\nServer: Espruino 2v29\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"
    );
    const plain = await get("/code/418");
    expect(plain.text).not.toMatch(/Transfer-Encoding|Content-Length/i);
  });

  it("res.write returns false (Espruino's documented value) and headers default to 200", async () => {
    const r = await get("/other");
    expect(r.text).toBe("HTTP/1.1 200 OK\r\nServer: Espruino 2v29\r\nConnection: close\r\n\r\nw=false");
  });

  it("setHeader headers come before writeHead's, same name replaced in place", async () => {
    const r = await get("/setheader");
    expect(r.text).toBe("HTTP/1.1 201 OK\r\nServer: Espruino 2v29\r\nConnection: keep-alive\r\nX-A: 1\r\nX-B: 2\r\n\r\n");
  });

  it("a second writeHead prints an error and changes nothing", async () => {
    const r = await get("/twice");
    expect(splitResponse(r.text).head[0]).toBe("HTTP/1.1 200 OK");
    expect(dev.console).toContain("ERROR: Headers have already been sent");
  });

  it("sends at most 536 bytes per connection per idle-loop pass", async () => {
    tx.length = 0;
    const r = await get("/big");
    const { body } = splitResponse(r.text);
    expect(body.length).toBe(5600);
    const conns = new Set(tx.map((t) => t.conn));
    expect(conns.size).toBe(1);
    const total = tx.reduce((s, t) => s + t.bytes, 0);
    expect(total).toBe(r.text.length);
    expect(tx.every((t) => t.bytes <= 536)).toBe(true);
    expect(tx.length).toBe(Math.ceil(r.text.length / 536));
    expect(r.reads).toBeGreaterThanOrEqual(1);
  });

  it("'drain' fires each time the send buffer empties, until end()", async () => {
    const r = await get("/drain");
    expect(splitResponse(r.text).body).toBe("start\npart1\npart2\npart3\npart4\ndone\n");
  });

  it("request: method, raw url with query, headers keep the client's case", async () => {
    const r = await get("/headers?a=1&b=2", "x-LoWer:   spaced value\r\nEmpty:\r\n");
    const o = JSON.parse(splitResponse(r.text).body);
    expect(o.m).toBe("GET");
    expect(o.u).toBe("/headers?a=1&b=2");
    expect(o.h).toEqual({ Host: "x", "x-LoWer": "spaced value" });
  });

  it("the request callback fires only after the whole header block arrived; body comes as data events", async () => {
    const before = dev.console.filter((l) => l === "req POST /post").length;
    const acceptedBefore = dev.net.stats.accepted;
    const r = await rawExchange(port, [
      "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n",
      async () => {
        await until(() => dev.net.stats.accepted > acceptedBefore, "accepted");
        for (let i = 0; i < 50; i++) await new Promise((res) => setImmediate(res));
        expect(dev.console.filter((l) => l === "req POST /post").length).toBe(before);
      },
      "\r\nhello",
      async () => {
        await until(() => dev.console.filter((l) => l === "req POST /post").length > before, "request callback");
      },
      " world",
    ]);
    expect(splitResponse(r.text).body).toBe("11:hello world");
  });

  it("parallel requests are independent", async () => {
    const rs = await Promise.all([get("/code/418"), get("/chunked"), get("/big"), get("/drain")]);
    expect(rs.map((r) => splitResponse(r.text).head[0])).toEqual(["HTTP/1.1 418 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
    expect(splitResponse(rs[2].text).body.length).toBe(5600);
  });
});

// The socket budget (listener included; a request never ended holds its socket, extra clients are reset as
// lwIP does) is tested in sockets.server.test.ts.
