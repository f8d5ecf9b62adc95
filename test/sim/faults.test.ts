// Faults (host-sim/faults.mjs), watchdog, ESP32.setAtten and Storage capacity on the virtual clock.
import { describe, it, expect } from "vitest";
import { codeDeviceBooter } from "./helpers.js";

const boot = codeDeviceBooter({ costModel: false });

describe("faults", () => {
  it("stall: the clock jumps, then a 10 ms interval catches up in one burst (all calls see the late time)", async () => {
    const d = await boot("var t = []; setInterval(function(){ t.push(getTime()); }, 10);");
    d.schedule([{ at: 0.105, fault: "stall", ms: 500 }]);
    d.advance(100); // 10 calls on time
    expect(d.evaluate("t.length")).toBe(10);
    d.advance(10);
    // the loop was blocked from 0.105 s to 0.605 s: the 50 calls due meanwhile fire at once at 0.605 s
    expect(d.evaluate("t.length")).toBe(60);
    expect(d.evaluate("t.slice(10).every(function (x) { return x === 0.605; })")).toBe(true);
    d.advance(10);
    expect(d.evaluate("t[60]")).toBe(0.61); // no drift afterwards: back on the 10 ms grid
  });

  it("clock-step: getTime() jumps by N s, timers keep their virtual schedule", async () => {
    const d = await boot("var t = []; setInterval(function(){ t.push(getTime()); }, 100);");
    d.advance(300);
    d.fault("clock-step", { seconds: 3600 });
    expect(d.evaluate("getTime()")).toBe(3600.3);
    d.advance(300);
    expect(d.evaluate("t.join(',')")).toBe("0.1,0.2,0.3,3600.4,3600.5,3600.6");
    d.fault("clock-step", { seconds: -3600.5 });
    d.advance(100);
    expect(d.evaluate("t.length")).toBe(7); // one call per 100 ms whatever the wall clock does
    expect(d.evaluate("t[6]")).toBe(0.2);
  });

  it("power-cycle: Storage kept, code re-run, old timers gone, E.on('init') handlers run again", async () => {
    const d = await boot(
      `var S = require("Storage");
var boots = (S.readJSON("boots.json", true) || 0) + 1; S.writeJSON("boots.json", boots);
var ticks = 0; setInterval(function(){ ticks++; }, 100);
E.on("init", function () { S.write("init" + boots, "x"); });
var ram = "fresh";`
    );
    d.advance(1000);
    d.evaluate('ram = "changed"');
    expect(d.evaluate("ticks")).toBe(10);
    d.schedule([{ at: 0.05, fault: "power-cycle" }]);
    d.advance(100);
    expect(d.evaluate("boots")).toBe(2);
    expect(d.evaluate("ram")).toBe("fresh");
    expect(d.evaluate("ticks")).toBe(0); // the new interval started at 1.05 s; the old one is gone
    d.advance(100);
    expect(d.evaluate("ticks")).toBe(1);
    expect(d.evaluate('require("Storage").list().sort().join(",")')).toBe("boots.json,init1,init2");
    expect(d.bootCount).toBe(2);
  });

  it("watchdog not kicked: reboot with a console line; auto mode is kicked by the idle loop", async () => {
    const code = `var S = require("Storage"); var boots = (S.readJSON("b", true) || 0) + 1; S.writeJSON("b", boots);
if (boots === 1) E.enableWatchdog(2, false);`;
    const d = await boot(code);
    d.advance(1999);
    expect(d.evaluate("boots")).toBe(1);
    d.advance(2);
    expect(d.evaluate("boots")).toBe(2);
    expect(d.console).toContain("WATCHDOG TIMEOUT: not kicked for 2 s, rebooting");
    d.advance(10000); // the new boot did not enable it: no more reboots
    expect(d.evaluate("boots")).toBe(2);

    const k = await boot("E.enableWatchdog(1, false); setInterval(function(){ E.kickWatchdog(); }, 500);");
    k.advance(5000);
    expect(k.bootCount).toBe(1);
    const a = await boot("E.enableWatchdog(1);"); // auto: the idle loop kicks it
    a.advance(5000);
    expect(a.bootCount).toBe(1);
    a.fault("stall", { ms: 1500 }); // a blocked loop cannot kick it
    expect(a.bootCount).toBe(2);
    expect(a.console[a.console.length - 1]).toBe("WATCHDOG TIMEOUT: not kicked for 1 s, rebooting");
  });

  it("memory pressure: process.memory().free drops by the reserved JsVars, and comes back", async () => {
    const d = await boot("");
    const free = () => d.evaluate("process.memory(false).free") as number;
    const before = free();
    d.fault("memory-pressure", { jsVars: 5000 });
    expect(before - free()).toBe(5000);
    d.fault("memory-release");
    expect(free()).toBe(before);
  });

  it("E.getErrorFlags() returns and clears the flags", async () => {
    const d = await boot("");
    d.errorFlags.push("LOW_MEMORY", "MEMORY");
    expect(d.evaluate("E.getErrorFlags().join(',')")).toBe("LOW_MEMORY,MEMORY");
    expect(d.evaluate("E.getErrorFlags().length")).toBe(0);
  });

  it("process.env carries BOARD and VERSION from the board profile", async () => {
    const d = await boot("", { board: "esp32-c3" });
    expect(d.evaluate("process.env.BOARD + ' ' + process.env.VERSION")).toBe("ESP32C3 2v29");
  });

  it("bad fault names and parameters are rejected", async () => {
    const d = await boot("");
    expect(() => d.fault("meteor")).toThrow(/unknown fault "meteor"/);
    expect(() => d.fault("stall", {})).toThrow(/stall needs 'ms'/);
  });
});

describe("ESP32.setAtten and analogRead quantisation", () => {
  // raw = clamp(round(volts / fullScale * 4096), 0, 4095); analogRead = raw / 4096
  const code = (v: number, fs: number) => Math.min(4095, Math.max(0, Math.round((v / fs) * 4096)));

  it("the same 0.9 V reads as different codes per attenuation; other values mean 11 dB; reset() restores 11 dB", async () => {
    const d = await boot("", { signals: { D34: 0.9 } });
    const read = () => Math.round((d.evaluate("analogRead(D34)") as number) * 4096);
    expect(read()).toBe(code(0.9, 3.6)); // default 11 dB
    for (const [mv, fs] of [[1000, 1.0], [1340, 1.34], [2000, 2.0], [3600, 3.6], [1500, 3.6]] as const) {
      d.evaluate("ESP32.setAtten(D34, " + mv + ")");
      expect(read()).toBe(code(0.9, fs));
    }
    d.evaluate("ESP32.setAtten(D34, 1000)");
    expect(read()).toBe(code(0.9, 1.0));
    d.evaluate("reset()");
    d.advance(1);
    expect(read()).toBe(code(0.9, 3.6));
  });

  it("a power cycle restores 11 dB; a signal above full scale clamps to 4095", async () => {
    const d = await boot("", { signals: { D32: 1.2 } });
    d.evaluate("ESP32.setAtten(D32, 1000)");
    expect(Math.round((d.evaluate("analogRead(D32)") as number) * 4096)).toBe(4095);
    d.fault("power-cycle");
    expect(Math.round((d.evaluate("analogRead(D32)") as number) * 4096)).toBe(code(1.2, 3.6));
  });
});

describe("Storage capacity and names", () => {
  it("a write beyond the board's capacity throws 'Unable to find or create file'; erase frees space", async () => {
    const d = await boot("var S = require('Storage');", { board: { storageBytes: 4096 } });
    // each file costs 32 header bytes + data rounded up to 4
    d.evaluate("S.write('a', E.toString(new Uint8Array(2000)))"); // 2032
    expect(d.evaluate("S.getFree()")).toBe(4096 - 2032);
    expect(() => d.evaluate("S.write('b', E.toString(new Uint8Array(2040)))")).toThrow("Unable to find or create file");
    expect(d.evaluate("S.list().join(',')")).toBe("a");
    d.evaluate("S.write('b', E.toString(new Uint8Array(2030)))"); // 2064: exactly full
    expect(d.evaluate("S.getFree()")).toBe(0);
    d.evaluate("S.erase('a')");
    d.evaluate("S.write('c', 'x', 0, 100)"); // offset/size form reserves the whole size
    expect(d.evaluate("S.getFree()")).toBe(4096 - 2064 - 132);
    expect(() => d.evaluate("S.write('" + "n".repeat(29) + "', '1')")).toThrow("File name too long");
    d.evaluate("S.write('" + "n".repeat(28) + "', '1')");
  });

  it("the ESP32 profile has 896 KB of Storage", async () => {
    const d = await boot("var S = require('Storage');");
    expect(d.storage.capacity).toBe(896 * 1024);
    expect(d.evaluate("S.getFree()")).toBe(896 * 1024);
  });
});
