// npm run targets -- devices.csv [--out deploy/prometheus/targets/devices.json]
// Details: docs/host-tools.md "tools/targets.mjs".
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseCsv } from "csv-parse/sync";
import { pathToFileURL } from "node:url";
import { FileSdError, toFileSd, writeFileSd } from "../config/file-sd.mjs";

export const COLUMNS = Object.freeze(["address", "device", "location", "board"]);
/** Optional: the board's Espruino console, tcp://HOST:PORT, for `npm run flash:fleet` (default tcp://HOST:23). */
export const OPTIONAL_COLUMNS = Object.freeze(["console"]);

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
 * Parses the inventory CSV (csv-parse: comments, blank lines, BOM, quoting, CRLF) into device rows, each with
 * its source `line`. Checks the header and field counts; the values themselves are validated by toFileSd.
 * @param {string} text
 * @returns {import("../config/file-sd.mjs").Device[]}
 */
export function parseDevicesCsv(text) {
  const lines = text.split("\n");
  lines.forEach((raw, idx) => {
    if ((raw.endsWith("\r") ? raw.slice(0, -1) : raw).includes("\r")) throw new CsvError("line " + (idx + 1) + ": stray carriage return", idx + 1);
  });
  /** @type {{record: string[], info: {lines: number}}[]} */
  let records;
  try {
    // CRLF and LF may be mixed (a stray CR is refused above): as LF, csv-parse's line numbers are the file's
    records = /** @type {any} */ (parseCsv(text.split("\r\n").join("\n"), { bom: true, comment: "#", comment_no_infix: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true }));
  } catch (e) {
    const err = /** @type {Error & {lines?: number}} */ (e);
    const line = typeof err.lines === "number" ? err.lines : 1;
    // csv-parse says "Quote Not Closed: ... at line 3": keep what it says before the position
    throw new CsvError("line " + line + ": " + err.message.replace(/ at line \d+.*$/s, "").replace(/:.*$/s, "").toLowerCase(), line);
  }
  /** @type {string[] | undefined} */
  let header;
  /** @type {import("../config/file-sd.mjs").Device[]} */
  const rows = [];
  for (const { record: fields, info } of records) {
    const line = info.lines;
    if (fields.length === 1 && fields[0] === "") continue; // a line of spaces
    if (!header) {
      header = fields.map((f) => f.toLowerCase());
      for (const f of header) {
        if (!COLUMNS.includes(f) && !OPTIONAL_COLUMNS.includes(f)) {
          throw new CsvError("line " + line + ": unknown column " + JSON.stringify(f) + " (expected " + COLUMNS.join(",") + ", optionally " + OPTIONAL_COLUMNS.join(",") + ")", line);
        }
        if (header.indexOf(f) !== header.lastIndexOf(f)) {
          throw new CsvError("line " + line + ": column `" + f + "` appears twice", line);
        }
      }
      for (const c of COLUMNS) {
        if (!header.includes(c)) throw new CsvError("line " + line + ": missing column `" + c + "` in the header", line);
      }
      continue;
    }
    if (fields.length !== header.length) {
      throw new CsvError("line " + line + ": expected " + header.length + " fields (" + header.join(",") + "), got " + fields.length, line);
    }
    /** @type {Record<string, string>} */
    const rec = {};
    header.forEach((h, k) => (rec[h] = fields[k]));
    rows.push({ address: rec.address, device: rec.device, location: rec.location, board: rec.board, line, ...(rec.console ? { console: rec.console } : {}) });
  }
  if (!header) throw new CsvError("line 1: no header line (expected " + COLUMNS.join(",") + ")", 1);
  if (rows.length === 0) throw new CsvError("no device rows after the header", lines.length);
  return rows;
}

const USAGE = "usage: npm run targets -- devices.csv [--out deploy/prometheus/targets/devices.json]";
const HELP = USAGE + `

Turns a fleet inventory CSV (columns address, device, location, board; docs/host-tools.md "tools/targets.mjs")
into a Prometheus file_sd targets file.
  --out, -o FILE   write the targets there atomically (default: print them on stdout)
  --help, -h       this text

Exit status: 0 written; 2 bad arguments or a bad CSV (file:line: field and problem; nothing written); 1 the
output could not be written.`;

/**
 * @param {string[]} argv  arguments after the script name
 * @param {{ stdout: (s: string) => void, stderr: (s: string) => void }} io
 * @returns {number} exit code
 */
export function main(argv, io) {
  /** @type {{values: {out?: string, help?: boolean}, positionals: string[]}} */
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { out: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const err = /** @type {Error & {code?: string}} */ (e);
    const opt = /'([^']+)'/.exec(err.message)?.[1] ?? "";
    const why =
      err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? "unknown option " + opt
      : err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ? "--out needs a path"
      : err.message;
    io.stderr("targets: " + why + "\n" + USAGE + "\n");
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(HELP + "\n");
    return 0;
  }
  const out = parsed.values.out;
  if (out === "") {
    io.stderr("targets: --out needs a path\n" + USAGE + "\n");
    return 2;
  }
  if (parsed.positionals.length > 1) {
    io.stderr("targets: more than one input file\n" + USAGE + "\n");
    return 2;
  }
  const input = parsed.positionals[0];
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
