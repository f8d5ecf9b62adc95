// `npm run targets` / `node tools/targets.mjs` as a process: exact output for the shipped example CSV, exit code 2
// with a file:line: field message for each kind of bad input, and never an output file on error.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const tool = join(root, "tools/targets.mjs");
const exampleCsv = join(root, "deploy/prometheus/devices.example.csv");

function runTool(args: string[]) {
  const r = spawnSync(process.execPath, [tool, ...args], { cwd: root, encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXPECTED_EXAMPLE = `[
  {
    "targets": [
      "10.0.10.21:80"
    ],
    "labels": {
      "device": "boiler-room-1",
      "location": "plant-a",
      "board": "esp32-devkitc"
    }
  },
  {
    "targets": [
      "10.0.10.22:8080"
    ],
    "labels": {
      "device": "boiler-room-2",
      "location": "plant-a",
      "board": "esp32-devkitc"
    }
  },
  {
    "targets": [
      "esp-c3-roof.lan:80"
    ],
    "labels": {
      "device": "roof-weather",
      "location": "plant-a/roof",
      "board": "esp32-c3"
    }
  },
  {
    "targets": [
      "10.0.20.5:80"
    ],
    "labels": {
      "device": "pump-house",
      "location": "plant-b",
      "board": "espruino-wifi"
    }
  }
]
`;

describe("targets CLI", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "targets-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("turns the example CSV into the exact file_sd JSON (stdout and --out)", () => {
    const r = runTool([exampleCsv]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(EXPECTED_EXAMPLE);
    const out = join(dir, "devices.json");
    const w = runTool([exampleCsv, "--out", out]);
    expect(w.status).toBe(0);
    expect(w.stderr).toBe("targets: wrote 4 target(s) to " + out + "\n");
    expect(readFileSync(out, "utf8")).toBe(EXPECTED_EXAMPLE);
  });

  it("runs as `npm run targets`", () => {
    const out = join(dir, "npm.json");
    const r = spawnSync("npm", ["run", "--silent", "targets", "--", exampleCsv, "--out", out], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(EXPECTED_EXAMPLE);
  });

  const H = "address,device,location,board\n";
  const cases: Array<[string, string, string]> = [
    ["duplicate device", H + "10.0.0.1,a,lab,esp32-c3\n\n10.0.0.2,a,lab,esp32-c3\n", ':4: field `device` "a" is a duplicate (first on line 2)'],
    ["duplicate address", H + "10.0.0.1,a,lab,esp32-c3\n10.0.0.1:80,b,lab,esp32-c3\n", ':3: field `address` "10.0.0.1:80" is a duplicate (first on line 2)'],
    ["bad address", "# fleet\n" + H + "10.0.0.1:99999,a,lab,esp32-c3\n", ':3: field `address` "10.0.0.1:99999" has an invalid port "99999" (1-65535)'],
    ["address with scheme", H + "http://10.0.0.1,a,lab,esp32-c3\n", ':2: field `address` "http://10.0.0.1" must be host[:port], without scheme or path'],
    ["missing column", "address,device,board\n10.0.0.1,a,esp32-c3\n", ":1: missing column `location` in the header"],
    ["unknown board", H + "10.0.0.1,a,lab,esp32-c3\r\n10.0.0.2,b,lab,arduino\r\n", ':3: field `board` "arduino" is not a known board (one of esp32-devkitc, esp32-c3, espruino-wifi)'],
    ["empty device", H + "10.0.0.1,,lab,esp32-c3\n", ":2: field `device` is missing or empty"],
    ["bad device name", H + '10.0.0.1,"a b",lab,esp32-c3\n', ':2: field `device` "a b" must be 1-63 characters [A-Za-z0-9_.-], starting with a letter or digit'],
    ["wrong field count", H + "10.0.0.1,a,lab\n", ":2: expected 4 fields (address,device,location,board), got 3"],
    ["unterminated quote", H + '10.0.0.1,"a,lab,esp32-c3\n', ":2: quote not closed"],
  ];
  for (const [name, csv, msg] of cases) {
    it("bad input: " + name + " -> exit 2, message with line and field, no output file", () => {
      const sub = mkdtempSync(join(dir, "case-"));
      const csvPath = join(sub, "devices.csv");
      const out = join(sub, "devices.json");
      writeFileSync(csvPath, csv);
      const r = runTool([csvPath, "--out", out]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("targets: " + csvPath + msg + "\n");
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(sub)).toEqual(["devices.csv"]);
    });
  }

  it("an error keeps an existing output file unchanged", () => {
    const csvPath = join(dir, "bad.csv");
    const out = join(dir, "keep.json");
    writeFileSync(out, "[]\n");
    writeFileSync(csvPath, H + "10.0.0.1,a,lab,nope\n");
    expect(runTool([csvPath, "--out", out]).status).toBe(2);
    expect(readFileSync(out, "utf8")).toBe("[]\n");
  });
});
