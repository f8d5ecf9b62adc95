// tools/console.mjs as a process: one-line errors with exit 2 for bad arguments, --help with the exit status.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const tool = join(import.meta.dirname, "..", "..", "tools", "console.mjs");
const run = (args: string[]) => spawnSync(process.execPath, [tool, ...args], { encoding: "utf8", timeout: 10_000, input: "" });

describe("npm run console arguments", () => {
  it("bad arguments: one line naming the problem, exit 2, nothing opened", () => {
    for (const [args, line] of [
      [["--bogus"], "console: unknown argument --bogus\n"],
      [["--port"], "console: --port needs a value\n"],
      [[], "console: --port /dev/ttyUSB0|tcp://HOST:PORT is required\n"],
      [["-p", "tcp://127.0.0.1:1", "--baud", "fast"], "console: --baud must be a positive number\n"],
    ] as const) {
      const r = run([...args]);
      expect([r.status, r.stderr], args.join(" ")).toEqual([2, line]);
    }
  });

  it("--help lists the options and the exit status", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    for (const s of ["--port, -p", "--baud, -b", "Exit status: 0 "]) expect(r.stdout).toContain(s);
  });
});
