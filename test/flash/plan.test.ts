// Argument parsing of the flash tool: secrets never come from argv, and an unknown flag's value is never echoed.
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../../tools/flash/plan.mjs";

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
