// host-sim/cli.mjs option checks that need no device: signal pins must be ADC pins of the board, and a config
// saved with a UTF-8 byte-order mark is read as the JSON it holds.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli, UsageError } from "../../host-sim/cli.mjs";
import { loadSecrets } from "../../tools/flash/plan.mjs";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("cli-options-");

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("sim CLI options", () => {
  it("--signals for a pin that is not an ADC pin of the board is a usage error naming the pin and the ADC pins", () => {
    const f = file("sig.json", '{"D99": 1.5}');
    expect(() => parseCli(["--signals", f])).toThrow(UsageError);
    expect(() => parseCli(["--signals", f])).toThrow("--signals " + f + ": pin D99 is not an ADC pin of esp32-devkitc (ADC pins: D32, D33, D34, D35, D36, D37, D38, D39)");
    expect(() => parseCli(["--signals", file("sig-c3.json", '{"D32": 1}'), "--board", "esp32-c3"])).toThrow("pin D32 is not an ADC pin of esp32-c3");
  });

  it("--signals with ADC pins (also as bare numbers) is accepted", () => {
    const o = parseCli(["--signals", file("sig-ok.json", '{"D32": 1.5, "33": {"type": "constant", "volts": 1}}')]);
    expect(o.signals?.name).toContain("sig-ok.json");
  });

  it("a config or secrets file with a UTF-8 byte-order mark is read as the JSON it holds", () => {
    const o = parseCli(["--config", file("bom.json", '\ufeff{"schema": 1, "channels": [{"name": "a", "pin": "D32"}]}')]);
    expect(o.config).toEqual({ schema: 1, channels: [{ name: "a", pin: "D32" }] });
    const s = loadSecrets(file("secrets.json", '\ufeff{"ssid": "lab", "password": "pw-12345678"}'), {});
    expect(s).toEqual({ ssid: "lab", password: "pw-12345678" });
  });
});
