// Unit tests for config/file-sd.mjs, the file_sd writer shared by `npm run targets` and the simulator's fleet mode.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BOARDS, FileSdError, normalizeAddress, toFileSd, writeFileSd } from "../../config/file-sd.mjs";

const good = [
  { address: "10.0.0.21", device: "boiler-1", location: "plant-a", board: "esp32-devkitc" },
  { address: "esp-roof.lan:8080", device: "roof", location: "plant-a/roof", board: "esp32-c3" },
  { address: "[fe80::1]:81", device: "pump", location: "plant b", board: "espruino-wifi" },
];

function errorOf(fn: () => unknown): FileSdError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FileSdError) return e;
    throw e;
  }
  throw new Error("expected a FileSdError");
}

describe("toFileSd", () => {
  it("returns one target group per device, port defaulting to 80, input order kept", () => {
    expect(toFileSd(good)).toEqual([
      { targets: ["10.0.0.21:80"], labels: { device: "boiler-1", location: "plant-a", board: "esp32-devkitc" } },
      { targets: ["esp-roof.lan:8080"], labels: { device: "roof", location: "plant-a/roof", board: "esp32-c3" } },
      { targets: ["[fe80::1]:81"], labels: { device: "pump", location: "plant b", board: "espruino-wifi" } },
    ]);
  });

  it("returns an empty list for no devices and ignores extra properties", () => {
    expect(toFileSd([])).toEqual([]);
    const [g] = toFileSd([{ ...good[0], line: 4, extra: "x" } as never]);
    expect(Object.keys(g.labels).sort()).toEqual(["board", "device", "location"]);
  });

  it("knows exactly the three boards", () => {
    expect([...BOARDS]).toEqual(["esp32-devkitc", "esp32-c3", "espruino-wifi"]);
  });

  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["empty address", { address: "" }, "address", /is missing or empty/],
    ["scheme", { address: "http://10.0.0.1" }, "address", /without scheme or path/],
    ["path", { address: "10.0.0.1/metrics" }, "address", /without scheme or path/],
    ["port 0", { address: "10.0.0.1:0" }, "address", /invalid port "0"/],
    ["port too big", { address: "10.0.0.1:65536" }, "address", /invalid port/],
    ["empty port", { address: "10.0.0.1:" }, "address", /invalid port ""/],
    ["octet", { address: "10.0.0.256" }, "address", /octet above 255/],
    ["short ipv4", { address: "10.0.1" }, "address", /malformed IPv4/],
    ["bad host", { address: "bad_host:80" }, "address", /invalid host name/],
    ["bare ipv6", { address: "fe80::1" }, "address", /more than one ':'/],
    ["space", { address: "10.0.0.1 :80" }, "address", /whitespace/],
    ["device chars", { device: "boiler 1" }, "device", /must be 1-63 characters/],
    ["device quote", { device: 'a"b' }, "device", /must be 1-63 characters/],
    ["empty location", { location: "" }, "location", /is missing or empty/],
    ["location newline", { location: "a\nb" }, "location", /must be 1-63 characters/],
    ["location trailing space", { location: "lab " }, "location", /no trailing space/],
    ["unknown board", { board: "esp8266" }, "board", /"esp8266" is not a known board \(one of esp32-devkitc, esp32-c3, espruino-wifi\)/],
    ["board case", { board: "ESP32-C3" }, "board", /not a known board/],
    ["number", { device: 7 }, "device", /must be a string/],
  ];
  for (const [name, patch, field, re] of bad) {
    it("rejects " + name + " naming the row and field", () => {
      const devices = [good[0], { ...good[1], ...patch }];
      const e = errorOf(() => toFileSd(devices as never));
      expect(e.row).toBe(2);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(new RegExp("^row 2: field `" + field + "` "));
      expect(e.message).toMatch(re);
    });
  }

  it("uses the row's source line when given", () => {
    const e = errorOf(() => toFileSd([{ ...good[0], board: "uno", line: 17 }]));
    expect(e.row).toBe(17);
    expect(e.message).toMatch(/^line 17: field `board`/);
  });

  it("rejects a duplicate device, naming both rows", () => {
    const e = errorOf(() => toFileSd([good[0], good[1], { ...good[2], device: "boiler-1" }]));
    expect(e.field).toBe("device");
    expect(e.message).toBe('row 3: field `device` "boiler-1" is a duplicate (first on row 1)');
  });

  it("rejects a duplicate address after normalisation (default port)", () => {
    const e = errorOf(() => toFileSd([good[0], { ...good[1], address: "10.0.0.21:80" }]));
    expect(e.field).toBe("address");
    expect(e.message).toBe('row 2: field `address` "10.0.0.21:80" is a duplicate (first on row 1)');
  });

  it("normalizeAddress strips leading zeros from the port", () => {
    expect(normalizeAddress("h:0080")).toEqual({ ok: true, value: "h:80" });
    expect(normalizeAddress("127.0.0.1")).toEqual({ ok: true, value: "127.0.0.1:80" });
  });
});

describe("writeFileSd", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "file-sd-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes pretty JSON ending in a newline and leaves no temp file", () => {
    const path = join(dir, "devices.json");
    const groups = writeFileSd(path, good);
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(groups);
    expect(readdirSync(dir)).toEqual(["devices.json"]);
  });

  it("replaces an existing file whole", () => {
    const path = join(dir, "devices.json");
    writeFileSync(path, "old");
    writeFileSd(path, [good[0]]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(["devices.json"]);
  });

  it("on invalid devices writes nothing and keeps the old file", () => {
    const path = join(dir, "devices.json");
    writeFileSync(path, "old");
    expect(() => writeFileSd(path, [{ ...good[0], board: "nope" }])).toThrow(FileSdError);
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["devices.json"]);
  });

  it("on an I/O error throws and leaves no temp file", () => {
    const path = join(dir, "missing-dir", "devices.json");
    expect(() => writeFileSd(path, good)).toThrow("cannot write " + path + ": directory " + join(dir, "missing-dir") + " does not exist");
    expect(existsSync(join(dir, "missing-dir"))).toBe(false);
    // rename onto a directory fails after the temp file was written: it must be cleaned up
    const asDir = join(dir, "taken");
    mkdirSync(asDir);
    expect(() => writeFileSd(asDir, good)).toThrow();
    expect(readdirSync(dir)).toEqual(["taken"]);
  });
});
