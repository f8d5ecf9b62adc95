// tools/targets.mjs in-process: the CSV parser and main() with captured output (the spawned CLI, exit codes and
// `npm run targets` are covered by targets-cli.server.test.ts).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CsvError, main, parseDevicesCsv } from "../../tools/targets.mjs";

describe("parseDevicesCsv", () => {
  it("splits plain, quoted and escaped-quote fields; a # inside a field is text", () => {
    expect(parseDevicesCsv('address,device,location,board\n"10.0.0.1", b ,"room ""3"", #2",esp32-c3\n')).toEqual([
      { address: "10.0.0.1", device: "b", location: 'room "3", #2', board: "esp32-c3", line: 2 },
    ]);
  });
  it("handles comments, blank lines, CRLF, a BOM, any column order and quoted fields", () => {
    const csv = "\uFEFF# inventory\r\n\r\nboard,device,address,location\r\n# a comment row\r\nesp32-c3,a,10.0.0.1,\"lab, west\"\r\n  \r\nesp32-devkitc,b,h:81,lab\r\n";
    expect(parseDevicesCsv(csv)).toEqual([
      { address: "10.0.0.1", device: "a", location: "lab, west", board: "esp32-c3", line: 5 },
      { address: "h:81", device: "b", location: "lab", board: "esp32-devkitc", line: 7 },
    ]);
  });
  it("accepts a last line without newline and header names in any case", () => {
    expect(parseDevicesCsv("Address,Device,Location,Board\n1.2.3.4,a,l,esp32-c3")).toHaveLength(1);
  });
  const bad: Array<[string, string, RegExp]> = [
    ["missing column", "address,device,board\n1.2.3.4,a,esp32-c3\n", /^line 1: missing column `location` in the header$/],
    ["unknown column", "address,device,location,board,owner\n", /^line 1: unknown column "owner"/],
    ["duplicate column", "address,device,location,board,device\n", /^line 1: column `device` appears twice$/],
    ["short row", "address,device,location,board\n1.2.3.4,a,l\n", /^line 2: expected 4 fields \(address,device,location,board\), got 3$/],
    ["long row", "# c\naddress,device,location,board\n1.2.3.4,a,l,esp32-c3,x\n", /^line 3: expected 4 fields .* got 5$/],
    ["no header", "# only comments\n\n", /^line 1: no header line/],
    ["no rows", "address,device,location,board\n", /no device rows after the header/],
    ["stray CR", "address,device,location,board\n1.2.3.4,a\r,l,esp32-c3\n", /^line 2: stray carriage return$/],
    ["an unterminated quote", "address,device,location,board\n\"abc,a,l,esp32-c3\n", /^line 2: quote not closed$/],
    ["text after a closing quote", "address,device,location,board\n\"a\"b,a,l,esp32-c3\n", /^line 2: invalid closing quote$/],
    ["a stray quote", "address,device,location,board\nx,a\"b,l,esp32-c3\n", /^line 2: invalid opening quote$/],
  ];
  for (const [name, csv, re] of bad) {
    it("rejects " + name, () => {
      let err: unknown;
      try {
        parseDevicesCsv(csv);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CsvError);
      expect((err as Error).message).toMatch(re);
    });
  }
});

describe("main", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "targets-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    return { code, stdout, stderr };
  }

  it("prints the JSON to stdout without --out", () => {
    const csv = join(dir, "d.csv");
    writeFileSync(csv, "address,device,location,board\n10.0.0.1,a,lab,esp32-c3\n");
    const r = run([csv]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ targets: ["10.0.0.1:80"], labels: { device: "a", location: "lab", board: "esp32-c3" } }]);
  });

  it("usage errors exit 2", () => {
    expect(run([]).code).toBe(2);
    expect(run(["a.csv", "b.csv"]).code).toBe(2);
    expect(run(["a.csv", "--out"]).code).toBe(2);
    expect(run(["--bogus"]).stderr).toMatch(/unknown option --bogus/);
    const missing = run([join(dir, "nope.csv")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv/);
  });

  it("a validation error exits 2 as file:line: field … and writes nothing", () => {
    const csv = join(dir, "d.csv");
    const out = join(dir, "out.json");
    writeFileSync(csv, "address,device,location,board\n10.0.0.1,a,lab,esp32-c3\n10.0.0.2,b,lab,esp8266\n");
    const r = run([csv, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "targets: " + csv + ':3: field `board` "esp8266" is not a known board (one of esp32-devkitc, esp32-c3, espruino-wifi)\n',
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["d.csv"]);
  });

  it("--out=path writes the file", () => {
    const csv = join(dir, "d.csv");
    const out = join(dir, "out.json");
    writeFileSync(csv, "address,device,location,board\n10.0.0.1,a,lab,esp32-c3\n");
    expect(run([csv, "--out=" + out]).code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toHaveLength(1);
  });
});
