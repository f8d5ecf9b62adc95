// Argument parsing of the flash tool: secrets never come from argv, and an unknown flag's value is never echoed.
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { readFileSync } from "node:fs";
import { loadValidators } from "../../config/load.mjs";
import { codeJsVars, ERASE_FILES, flashCodeJsVars, JSVARS_PER_SOCKET, loadSecrets, parseArgs, RUNTIME_JSVARS, sizeRule, UsageError } from "../../tools/flash/plan.mjs";

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("no usage error for " + argv.join(" "));
}

describe("flash arguments", () => {
  it("refuses secrets on the command line, naming where they go instead", () => {
    expect(usageError(["--board", "esp32-devkitc", "--password=hunter2"])).toMatch(/^secrets are not taken from the command line: use --secrets FILE or /);
  });

  it("names an unknown flag without echoing its value", () => {
    const msg = usageError(["--board", "esp32-devkitc", "--wifi-psk=hunter2"]);
    expect(msg).toBe('unknown argument "--wifi-psk=…"');
    expect(msg).not.toContain("hunter2");
  });

  it("names an unknown bare flag", () => {
    expect(usageError(["--board", "esp32-devkitc", "--frobnicate"])).toBe('unknown argument "--frobnicate"');
  });
});

describe("size rule", () => {
  const profile = { name: "b", jsVars: 8190, jsVarBytes: 13, sockets: 5, storageBytes: 100000 };

  it("RAM: code estimate + sampling state + sockets against jsVars; --ignore-size may override only this", () => {
    const bytes = 60000;
    const est = codeJsVars(bytes, 13);
    expect(est).toBe(Math.ceil((bytes / (0.535 * 13)) * 0.93));
    const r = sizeRule(profile, bytes, [100], 800);
    expect(r.budget).toBe(8190 - 800 - 5 * JSVARS_PER_SOCKET - RUNTIME_JSVARS);
    expect(r.ok).toBe(est <= r.budget);
    expect(r.ok).toBe(false);
    expect(r.ramOk).toBe(false);
    expect(r.message).toBe("bundle too large for b: 60000 bytes (code held in RAM) ≈ " + est + " JsVars of code, budget " + r.budget + " (jsVars 8190 − sampling state 800 − network 500 − runtime 3500)");
    const small = sizeRule(profile, 20000, [100], 800);
    expect([small.ok, small.ramOk, small.storageOk]).toEqual([true, true, true]);
    expect([r.ramOk, r.storageOk]).toEqual([false, true]);
  });

  it("code in flash: each function costs 4 JsVars + its parameters, whatever its length", () => {
    const code = "(function(){function a(x,y){return x+y}var b=function(){return 'a long string that stays in flash'};a(1,2);b()})()";
    expect(flashCodeJsVars(code)).toEqual({ functions: 3, jsVars: 4 + (4 + 2) + 4 });
    const fits = sizeRule(profile, 60000, [100], 800, { functions: 300, jsVars: 1500 });
    expect([fits.ok, fits.codeJsVars]).toEqual([true, 1500]);
    expect(fits.message).toMatch(/^≈ 1500 of \d+ JsVars for code \(300 functions, code in flash\), \d+ bytes of Storage$/);
  });

  it("Storage: files that do not fit fail whatever RAM says (ramOk tells which)", () => {
    const r = sizeRule({ ...profile, storageBytes: 30000 }, 20000, [20000], 800);
    expect([r.ok, r.ramOk, r.storageOk]).toEqual([false, true, false]);
    expect(r.message).toMatch(/^files need \d+ bytes of Storage but b has 30000$/);
    const both = sizeRule({ ...profile, storageBytes: 30000 }, 60000, [100], 800);
    expect([both.ok, both.ramOk, both.storageOk]).toEqual([false, false, false]);
    expect(both.message).toMatch(/^files need /);
  });

  it("--ignore-size is a flag", () => {
    expect(parseArgs(["--board", "b", "--dry-run", "--ignore-size"]).ignoreSize).toBe(true);
    expect(parseArgs(["--board", "b", "--dry-run"]).ignoreSize).toBe(false);
  });
});

describe("secrets sources", () => {
  const file = join(tmpdir(), "flash-plan-secrets-" + process.pid + ".json");

  it("a --secrets file wins; the TELEMETRY_* variables it overrides are named (values never)", () => {
    writeFileSync(file, JSON.stringify({ ssid: "lab", password: "pw-from-file" }));
    const warnings: string[] = [];
    const s = loadSecrets(file, { TELEMETRY_WIFI_PASSWORD: "envpw123", TELEMETRY_PUSH_TOKEN: "abc" }, (l: string) => warnings.push(l));
    expect(s).toEqual({ ssid: "lab", password: "pw-from-file" });
    expect(warnings).toEqual(["secrets: using --secrets " + file + "; ignoring TELEMETRY_WIFI_PASSWORD, TELEMETRY_PUSH_TOKEN"]);
  });

  it("all four variables are read, pushToken included", () => {
    const env = { TELEMETRY_WIFI_SSID: "lab", TELEMETRY_WIFI_PASSWORD: "pw", TELEMETRY_BEARER_TOKEN: "0123456789abcdef", TELEMETRY_PUSH_TOKEN: "push-1" };
    expect(loadSecrets(undefined, env)).toEqual({ ssid: "lab", password: "pw", token: "0123456789abcdef", pushToken: "push-1" });
    expect(loadSecrets(undefined, {})).toBeUndefined();
  });

  it("an error names where the bad value came from, never the value", () => {
    writeFileSync(file, JSON.stringify({ token: "short-secret" }));
    expect(() => loadSecrets(file, {})).toThrow("secrets (--secrets " + file + "): token: must be 16-128 printable ASCII characters without spaces (value not shown)");
    let msg = "";
    try {
      loadSecrets(undefined, { TELEMETRY_BEARER_TOKEN: "short-secret" });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain("token = TELEMETRY_BEARER_TOKEN");
    expect(msg).not.toContain("short-secret");
  });

  it("--erase is a factory reset: every telemetry.* file the firmware writes, the boot counter and earlier firmware's files too", () => {
    expect(ERASE_FILES).toEqual(["telemetry.cfg", "telemetry.secrets.json", "telemetry.boots", ".bootcde", "telemetry.board.json", "telemetry.config.json"]);
  });
});

describe("docs/device.example.json (the README's flash example)", () => {
  it("is a valid config for esp32-devkitc, with the firmware's own validator", async () => {
    const v = await loadValidators(process.cwd());
    const profile = v.validateBoardProfile(JSON.parse(readFileSync("boards/esp32-devkitc.json", "utf8"))).profile;
    const r = v.validateDeviceConfig(JSON.parse(readFileSync("docs/device.example.json", "utf8")), profile);
    expect(r.errors).toEqual([]);
    expect(r.config.channels.map((c: { name: string }) => c.name)).toEqual(["supply", "battery"]);
  });
});

describe("--address", () => {
  it("takes HOST, HOST:PORT, [IPv6] and [IPv6]:PORT; the port defaults to 80", () => {
    const addr = (a: string) => parseArgs(["--board", "b", "--dry-run", "--address", a]).address;
    expect(addr("192.168.1.50")).toBe("192.168.1.50:80");
    expect(addr("sensor.lan:8080")).toBe("sensor.lan:8080");
    expect(addr("[::1]")).toBe("[::1]:80");
    expect(addr("[fe80::1]:9100")).toBe("[fe80::1]:9100");
  });
  it("names a bad address", () => {
    for (const a of ["host:0", "host:70000", "a b", "http://x/", "::1"]) {
      expect(usageError(["--board", "b", "--dry-run", "--address", a])).toBe("--address must be HOST[:PORT] (IPv6 as [addr]:PORT), got " + JSON.stringify(a));
    }
  });
});
