// npm run targets -- devices.csv [--out deploy/prometheus/targets/devices.json]
// Details: docs/host-tools.md "tools/targets.mjs".
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { FileSdError, toFileSd, writeFileSd } from "../config/file-sd.mjs";

export const COLUMNS = Object.freeze(["address", "device", "location", "board"]);

export class CsvError extends Error {
  /**
   * @param {string} message
   * @param {number} line
   */
  constructor(message, line) {
    super(message);
    this.name = "CsvError";
    this.line = line;
  }
}

/**
 * Splits one CSV line into fields. Throws CsvError on malformed quoting.
 * @param {string} text
 * @param {number} line
 * @returns {string[]}
 */
export function splitCsvLine(text, line) {
  /** @type {string[]} */
  const fields = [];
  let i = 0;
  for (;;) {
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvError("line " + line + ": unterminated quoted field", line);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      while (text[i] === " " || text[i] === "\t") i++;
      if (i < text.length && text[i] !== ",") {
        throw new CsvError("line " + line + ": unexpected text after a closing quote in field " + (fields.length + 1), line);
      }
      fields.push(value);
    } else {
      const end = text.indexOf(",", i);
      const raw = end < 0 ? text.slice(i) : text.slice(i, end);
      if (raw.includes('"')) {
        throw new CsvError("line " + line + ": stray quote in unquoted field " + (fields.length + 1), line);
      }
      fields.push(raw.trim());
      i = end < 0 ? text.length : end;
    }
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/**
 * Parses the inventory CSV into device rows (each with its source `line`). Checks the header and field counts;
 * the values themselves are validated by toFileSd.
 * @param {string} text
 * @returns {import("../config/file-sd.mjs").Device[]}
 */
export function parseDevicesCsv(text) {
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const lines = text.split("\n");
  /** @type {string[] | undefined} */
  let header;
  /** @type {import("../config/file-sd.mjs").Device[]} */
  const rows = [];
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (content.includes("\r")) throw new CsvError("line " + line + ": stray carriage return", line);
    if (content.trim() === "" || content.startsWith("#")) return;
    const fields = splitCsvLine(content, line);
    if (!header) {
      header = fields.map((f) => f.toLowerCase());
      for (const f of header) {
        if (!COLUMNS.includes(f)) {
          throw new CsvError("line " + line + ": unknown column " + JSON.stringify(f) + " (expected " + COLUMNS.join(",") + ")", line);
        }
        if (header.indexOf(f) !== header.lastIndexOf(f)) {
          throw new CsvError("line " + line + ": column `" + f + "` appears twice", line);
        }
      }
      for (const c of COLUMNS) {
        if (!header.includes(c)) throw new CsvError("line " + line + ": missing column `" + c + "` in the header", line);
      }
      return;
    }
    if (fields.length !== header.length) {
      throw new CsvError("line " + line + ": expected " + header.length + " fields (" + header.join(",") + "), got " + fields.length, line);
    }
    /** @type {Record<string, string>} */
    const rec = {};
    header.forEach((h, k) => (rec[h] = fields[k]));
    rows.push({ address: rec.address, device: rec.device, location: rec.location, board: rec.board, line });
  });
  if (!header) throw new CsvError("line 1: no header line (expected " + COLUMNS.join(",") + ")", 1);
  if (rows.length === 0) throw new CsvError("no device rows after the header", lines.length);
  return rows;
}

const USAGE = "usage: npm run targets -- devices.csv [--out deploy/prometheus/targets/devices.json]";

/**
 * @param {string[]} argv  arguments after the script name
 * @param {{ stdout: (s: string) => void, stderr: (s: string) => void }} io
 * @returns {number} exit code
 */
export function main(argv, io) {
  /** @type {string | undefined} */
  let input;
  /** @type {string | undefined} */
  let out;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out" || a === "-o") {
      out = argv[++i];
      if (!out) {
        io.stderr("targets: --out needs a path\n" + USAGE + "\n");
        return 2;
      }
    } else if (a.startsWith("--out=")) {
      out = a.slice("--out=".length);
    } else if (a === "--help" || a === "-h") {
      io.stdout(USAGE + "\n");
      return 0;
    } else if (a.startsWith("-")) {
      io.stderr("targets: unknown option " + a + "\n" + USAGE + "\n");
      return 2;
    } else if (input === undefined) {
      input = a;
    } else {
      io.stderr("targets: more than one input file\n" + USAGE + "\n");
      return 2;
    }
  }
  if (!input) {
    io.stderr("targets: no input CSV given\n" + USAGE + "\n");
    return 2;
  }
  let text;
  try {
    text = readFileSync(input, "utf8");
  } catch (e) {
    io.stderr("targets: cannot read " + input + ": " + /** @type {Error} */ (e).message + "\n");
    return 2;
  }
  try {
    const devices = parseDevicesCsv(text);
    if (out) {
      const groups = writeFileSd(out, devices);
      io.stderr("targets: wrote " + groups.length + " target(s) to " + out + "\n");
    } else {
      io.stdout(JSON.stringify(toFileSd(devices), null, 2) + "\n");
    }
    return 0;
  } catch (e) {
    if (e instanceof CsvError || e instanceof FileSdError) {
      // messages start with "line N: …" (or "row N: …" when a row has no line): print as file:N: …
      const m = /^(?:line|row) (\d+): ([\s\S]*)$/.exec(e.message);
      io.stderr("targets: " + input + (m ? ":" + m[1] + ": " + m[2] : ": " + e.message) + "\n");
      return 2;
    }
    io.stderr("targets: " + (out ? "cannot write " + out + ": " : "") + /** @type {Error} */ (e).message + "\n");
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
}
