// require("Wifi") against a scriptable access point (host-sim/wifi.mjs), on the virtual clock.
import { describe, it, expect } from "vitest";
import { codeDeviceBooter } from "./helpers.js";

const boot = codeDeviceBooter({ costModel: false });

const LOG = `var W = require("Wifi"), log = [];
W.on("associated", function (d) { log.push("associated " + d.ssid + " ch" + d.channel + " @" + getTime()); });
W.on("connected", function (d) { log.push("connected " + d.ip + " @" + getTime()); });
W.on("disconnected", function (d) { log.push("disconnected " + d.reason + " " + d.msg + " @" + getTime()); });
function cb(err) { log.push("cb " + err + " @" + getTime()); }
`;

describe("Wifi", () => {
  it("connect: associated, then cb(null) and connected at virtual times; getIP/getDetails with RSSI", async () => {
    const d = await boot(LOG + 'W.connect("lab", {password: "secret123"}, cb);', { wifi: { ssid: "lab", password: "secret123", rssi: -67, ip: "10.1.2.3" } });
    expect(d.evaluate("W.getDetails().status")).toBe("Unknown reason");
    expect(d.evaluate("W.getIP().ip")).toBe("0.0.0.0");
    d.advance(1199);
    expect(d.evaluate("log.length")).toBe(0); // events are asynchronous
    d.advance(2000);
    expect(d.evaluate("log.join('|')")).toBe("associated lab ch6 @1.2|cb null @1.5|connected 10.1.2.3 @1.5");
    expect(d.evaluate("W.getIP().ip")).toBe("10.1.2.3");
    expect(d.evaluate("JSON.stringify(W.getDetails())")).toBe('{"ssid":"lab","password":"secret123","status":"connected","authMode":"wpa2","rssi":-67}');
    d.setAccessPoint({ rssi: -80 });
    expect(d.evaluate("W.getDetails().rssi")).toBe(-80);
    expect(d.evaluate("W.getStatus().rssi")).toBe(-80);
  });

  it("wrong password: no callback, 'disconnected' with reason 202 AUTH_FAIL", async () => {
    const d = await boot(LOG + 'W.connect("sim-ap", {password: "nope"}, cb);');
    d.advance(5000);
    expect(d.evaluate("log.join('|')")).toBe("disconnected 202 AUTH_FAIL @1.5");
    expect(d.evaluate("W.getDetails().status")).toBe("AUTH_FAIL");
  });

  it("no such AP / AP unavailable: 'disconnected' with reason 201 NO_AP_FOUND", async () => {
    const d = await boot(LOG + 'W.connect("elsewhere", {password: "simpassword"}, cb);');
    d.advance(3000);
    expect(d.evaluate("log.join('|')")).toBe("disconnected 201 NO_AP_FOUND @2.5");
    d.setAccessPoint({ available: false });
    d.evaluate('log = []; W.connect("sim-ap", {password: "simpassword"}, cb);');
    d.advance(3000);
    expect(d.evaluate("log.join('|')")).toBe("disconnected 201 NO_AP_FOUND @5.5");
  });

  it("callbackErrors (ESP8266-style) reports the failure through cb", async () => {
    const d = await boot(LOG + 'W.connect("sim-ap", {password: "nope"}, cb);', { wifi: { callbackErrors: true } });
    d.advance(2000);
    expect(d.evaluate("log.join('|')")).toBe("cb bad password @1.5|disconnected 202 AUTH_FAIL @1.5");
  });

  it("wifi-drop fault: 'disconnected' BEACON_TIMEOUT, no auto-reconnect; connect from the handler works after restore", async () => {
    const d = await boot(
      LOG +
        `var tries = 0;
W.on("disconnected", function () { tries++; setTimeout(function () { W.connect("sim-ap", {password: "simpassword"}, cb); }, 1000); });
W.connect("sim-ap", {password: "simpassword"}, cb);`
    );
    d.advance(2000);
    expect(d.evaluate("W.getIP().ip")).toBe("192.168.1.100");
    d.schedule([
      { at: 1, fault: "wifi-drop" },
      { at: 8, fault: "wifi-restore" },
    ]);
    d.advance(1000); // t = 3 s: dropped
    expect(d.evaluate("log[log.length - 1]")).toBe("disconnected 200 BEACON_TIMEOUT @3");
    expect(d.evaluate("W.getIP().ip")).toBe("0.0.0.0");
    d.advance(6000); // reconnect attempts fail while the AP is away (t=4 -> fails at 6.5, retry 7.5 -> 10)
    expect(d.evaluate("log.filter(function (l) { return l.indexOf('NO_AP_FOUND') >= 0; }).length")).toBe(1);
    d.advance(10000); // restored at t=10: the retry scheduled by the handler connects
    expect(d.evaluate("W.getIP().ip")).toBe("192.168.1.100");
    expect(d.evaluate("log.filter(function (l) { return l.indexOf('connected 192') === 0; }).length")).toBe(2);
  });

  it("disconnect(): 'disconnected' ASSOC_LEAVE and the callback; argument checks throw like the board", async () => {
    const d = await boot(LOG + 'W.connect("sim-ap", {password: "simpassword"}, cb);');
    d.advance(2000);
    d.evaluate("var dc = 0; W.disconnect(function () { dc++; });");
    d.advance(1);
    expect(d.evaluate("dc")).toBe(1);
    expect(d.evaluate("log[log.length - 1]")).toBe("disconnected 8 ASSOC_LEAVE @2.001"); // queued, delivered on the next idle pass
    expect(() => d.evaluate("W.connect(1)")).toThrow("No SSID provided");
    expect(() => d.evaluate('W.connect("x", {password: 5})')).toThrow(/options.password/);
    expect(() => d.evaluate('W.connect("x", {}, 5)')).toThrow(/Expecting callback function/);
    d.evaluate('W.setHostname("sensor-1")');
    expect(d.evaluate("W.getHostname()")).toBe("sensor-1");
  });
});

describe("Espruino WiFi board: require(\"Wifi\") is the built-in AT driver (1v96+)", () => {
  const EW = `var W = require("Wifi"), log = [];
function cb(err) { log.push("cb " + err + " @" + getTime()); }
`;
  it("connect calls back null, or the AT driver's error; no getDetails/getStatus; EspruinoWiFi is not built in", async () => {
    const ok = await boot(EW + 'W.connect("lab", {password: "secret123"}, cb);', { board: "espruino-wifi", wifi: { ssid: "lab", password: "secret123" } });
    ok.advance(3000);
    expect(ok.evaluate("log.join('|')")).toBe("cb null @1.5");
    expect(ok.evaluate("[typeof W.getDetails, typeof W.getStatus, typeof W.setHostname, typeof W.getIP].join()")).toBe("undefined,undefined,function,function");
    const bad = await boot(EW + 'W.connect("lab", {password: "nope"}, cb);', { board: "espruino-wifi", wifi: { ssid: "lab", password: "secret123" } });
    bad.advance(3000);
    expect(bad.evaluate("log.join('|')")).toBe("cb WiFi connect failed: FAIL @1.5");
    const old = await boot("var r; try { require('EspruinoWiFi'); r = 'loaded'; } catch (e) { r = e.message; }", { board: "espruino-wifi" });
    expect(old.evaluate("r")).toBe("Module EspruinoWiFi not found");
    const esp32 = await boot("var W = require('Wifi');");
    expect(esp32.evaluate("typeof W.getDetails")).toBe("function");
  });
});
