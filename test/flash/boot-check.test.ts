// The flash tool's "is the firmware running?" check on console text as the CLI echoes it (lines measured on the
// real interpreter's Telnet console and on the simulator's), and its fallback over a fresh console connection.
import { describe, expect, it } from "vitest";
import { checkBoot, cliConsoleLines, scanBoot, screenLines } from "../../tools/flash/boot-check.mjs";
import type { Link } from "../../tools/flash/link.mjs";

const BANNER = [
  " ____                 _ ",
  "|  __|___ ___ ___ _ _|_|___ ___ ",
  "|  __|_ -| . |  _| | | |   | . |",
  "|____|___|  _|_| |___|_|_|_|___|",
  "         |_| espruino.com",
  " 2v29.277 (c) 2026 G.Williams",
  "",
  "Espruino is Open Source. Our work is supported",
  "only by sales of official boards and donations:",
  "http://espruino.com/Donate",
  "",
];
const BOOT = "espruino-telemetry 0.1.0+abc boot 1, config valid, sampling timer, listening on port 80";

/** The CLI's output around the device's lines (each echoed as "--] " + line + "\r"). */
function cli(deviceLines: string[]): string {
  return ["Espruino Command-line Tool 0.1.67", "Connecting to 'tcp://127.0.0.1:2323'", "Connected", ...deviceLines.map((l) => "--] " + l + "\r"), "Upload Complete", ""].join("\n");
}

/** A console connection that answers `load()` with `onLoad` (or stays silent). */
function fakeLink(onLoad?: string): Link & { written: string[]; closed: boolean } {
  let data: ((b: Buffer) => void) | undefined;
  const l = {
    written: [] as string[],
    closed: false,
    write(d: string | Buffer) {
      l.written.push(String(d));
      if (onLoad !== undefined && String(d).includes("load()")) setTimeout(() => data?.(Buffer.from(onLoad, "latin1")), 20);
    },
    onData(f: (b: Buffer) => void) {
      data = f;
      return () => {
        if (data === f) data = undefined;
      };
    },
    onClose() {
      return () => {};
    },
    async close() {
      l.closed = true;
    },
  };
  return l;
}

const noMask = (s: string) => s;

describe("console lines", () => {
  it("a bare \\r returns to the line start, ANSI escapes and prompts are dropped (simulator echo)", () => {
    expect(screenLines(">\r\x1b[Jwifi: off\r\n>\r\x1b[J" + BOOT + "\r\n>")).toEqual(["wifi: off", BOOT, ""]);
  });

  it("from the CLI's reset() on: lines before the first banner are the old firmware's and are left out", () => {
    const lines = cliConsoleLines(cli(["Uncaught Error: from the old firmware", ">", ...BANNER, ">", ...BANNER, BOOT]));
    expect(lines).not.toContain("Uncaught Error: from the old firmware");
    expect(lines).toContain(BOOT);
    expect(scanBoot(lines).error).toBeUndefined();
  });

  it("without a banner (the simulator) every echoed line counts; the CLI's own lines never do", () => {
    const lines = cliConsoleLines(cli([">", ">\r\x1b[JUncaught Error: Cannot read properties of null (reading 'boom')"]));
    expect(scanBoot(lines).error).toBe("Uncaught Error: Cannot read properties of null (reading 'boom')");
    expect(lines).not.toContain("Upload Complete");
  });
});

describe("scanBoot", () => {
  it("finds the boot line, its version and no warning for a valid config", () => {
    const s = scanBoot(["wifi: no ssid", "watchdog: 10 s, kicked every 1 s", BOOT]);
    expect(s).toEqual({ bootLine: BOOT, version: "0.1.0+abc", error: undefined, warnings: [] });
  });

  it("config-error variants are running firmware, with warnings", () => {
    const line = "espruino-telemetry 0.1.0+abc boot 3, 2 config error(s), not sampling, not listening yet";
    const s = scanBoot(["config error: telemetry.config.json: channels[0].pin: unknown", line]);
    expect(s.bootLine).toBe(line);
    expect(s.warnings).toEqual([
      "config error: telemetry.config.json: channels[0].pin: unknown",
      "the firmware reports 2 config error(s)",
      "the firmware is not sampling",
      "the firmware is not listening yet (retrying)",
    ]);
  });

  it("the device's own error lines: Uncaught (real interpreter, after a boot line too) and OUT OF MEMORY", () => {
    expect(scanBoot([...BANNER, "Uncaught SyntaxError: Unexpected end of Input", "    at f (:1:21)"]).error).toBe("Uncaught SyntaxError: Unexpected end of Input");
    expect(scanBoot([BOOT, "OUT OF MEMORY    at [raw] (:1:68)", "Execution Interrupted."]).error).toBe("OUT OF MEMORY    at [raw] (:1:68)");
    expect(scanBoot(["http: Uncaught in a log line is not the device's error"]).error).toBeUndefined();
  });
});

describe("checkBoot", () => {
  it("decides from the CLI's echo without touching the console", async () => {
    let opened = 0;
    const open = async () => (opened++, fakeLink());
    expect((await checkBoot(cli([...BANNER, BOOT]), { open, mask: noMask, timeoutMs: 1000 })).state).toBe("running");
    const err = await checkBoot(cli([...BANNER, "Uncaught SyntaxError: Unexpected end of Input"]), { open, mask: noMask, timeoutMs: 1000 });
    expect(err.state).toBe("error");
    expect(err.scan.error).toBe("Uncaught SyntaxError: Unexpected end of Input");
    expect(opened).toBe(0);
  });

  it("echo ended before the boot line: load() once more over a fresh connection, masked, then closed", async () => {
    const link = fakeLink("\r\n" + BANNER.join("\r\n") + "\r\nwifi: ssid LabNet\r\n" + BOOT + "\r\n>");
    const logged: string[] = [];
    const r = await checkBoot(cli([...BANNER]), { open: async () => link, mask: (s) => s.split("LabNet").join("***"), timeoutMs: 2000, listenMs: 50, log: (l) => logged.push(l) });
    expect(r.state).toBe("running");
    expect(r.source).toBe("reload");
    expect(link.written).toEqual(["\x10load()\n"]); // no Ctrl-C: twice on an empty line quits the Linux interpreter
    expect(r.lines).toContain("wifi: ssid ***");
    expect(link.closed).toBe(true);
    expect(logged.join("\n")).toContain("calling load() once more");
  });

  it("no boot line within the timeout", async () => {
    const link = fakeLink("");
    const t0 = Date.now();
    const r = await checkBoot(cli([...BANNER, "nothing else"]), { open: async () => link, mask: noMask, timeoutMs: 300, listenMs: 50 });
    expect(r.state).toBe("timeout");
    expect(r.lines).toContain("nothing else");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(link.closed).toBe(true);
  });
});
