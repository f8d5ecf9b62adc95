// Device option `unreachableWithoutWifi` (host-sim/device.mjs, host-sim/http.mjs): while the Wi-Fi station has
// no IP the host cannot reach the board's sockets (new clients reset, open connections reset); the listener
// stays bound and serves again once the firmware has reconnected. Default off: Wi-Fi does not gate sockets.
import { describe, it, expect, afterEach } from "vitest";
import net from "node:net";
import { SimDevice } from "../../host-sim/index.mjs";
import { codeDevice, splitResponse, until } from "./helpers.js";

const CODE = `var W = require("Wifi"), held = [], closed = 0;
function join() { W.connect("sim-ap", {password: "simpassword"}); }
W.on("disconnected", function () { setTimeout(join, 1000); });
join();
require("http").createServer(function (req, res) {
  if (req.url === "/hold") { held.push(res); res.on("close", function () { closed++; }); }
  else res.end("ok");
}).listen(80);
`;

/** Connects, sends a GET and reports how the connection ended: the bytes received, or the error code. */
function probe(port: number, path = "/"): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    sock.on("connect", () => sock.write("GET " + path + " HTTP/1.1\r\n\r\n"));
    sock.on("data", (b) => chunks.push(b));
    sock.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    sock.on("close", () => resolve({ text: Buffer.concat(chunks).toString("latin1"), error }));
  });
}

const devices: SimDevice[] = [];
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

describe("unreachableWithoutWifi", () => {
  it("no IP yet: reset; connected: served; wifi-drop resets open and new clients; after reconnecting: served", async () => {
    const d = codeDevice(CODE, { unreachableWithoutWifi: true });
    devices.push(d);
    await d.boot();
    const p = d.hostPort(80) as number;
    // before DHCP (connect takes 1.5 s of device time) the board is not on the network
    const early = await probe(p);
    expect(early).toEqual({ text: "", error: "ECONNRESET" });
    expect(d.net.stats.refused).toBe(1);
    d.advance(2000);
    expect(d.wifi.state).toBe("connected");
    expect(splitResponse((await probe(p)).text).body).toBe("ok");

    // an open request, then the AP disappears: the open connection is reset on the next idle pass
    const open = probe(p, "/hold");
    await until(() => d.evaluate("held.length") === 1, "request held");
    d.fault("wifi-drop");
    d.advance(10);
    expect(d.wifi.state).toBe("off");
    const cut = await open;
    expect(cut.text).toBe("");
    expect(cut.error).toBe("ECONNRESET");
    await until(() => {
      d.advance(1);
      return d.evaluate("closed") === 1;
    }, "device saw the held connection close");
    expect(d.net.socketsHeld()).toBe(1); // only the listener
    expect(await probe(p)).toEqual({ text: "", error: "ECONNRESET" });

    // AP back: the firmware's next attempt (1 s after a NO_AP_FOUND) joins, and the same port serves again
    d.fault("wifi-restore");
    d.advance(8000);
    expect(d.wifi.state).toBe("connected");
    expect(d.hostPort(80)).toBe(p);
    expect(splitResponse((await probe(p)).text).body).toBe("ok");
  });

  it("default (option off): sockets are reachable whatever Wi-Fi does", async () => {
    const d = codeDevice(CODE);
    devices.push(d);
    await d.boot();
    const p = d.hostPort(80) as number;
    expect(splitResponse((await probe(p)).text).body).toBe("ok"); // before the station has an IP
    d.advance(2000);
    d.fault("wifi-drop");
    d.advance(10);
    expect(d.wifi.state).toBe("off");
    expect(splitResponse((await probe(p)).text).body).toBe("ok");
    expect(d.net.stats.refused).toBe(0);
  });
});
