// Pure parts of the flash tool: arguments, secrets, the size/JsVar rule, Storage files and output masking.
import { readFileSync } from "node:fs";
import { parseArgs as nodeParseArgs } from "node:util";
import { parse as acornParse } from "acorn";

/** Storage names the firmware reads (firmware/runtime/storage-contract.ts): the device file written from the
 * board profile and the config (config/device-file.ts), the secrets and the code. */
export const FILES = {
  device: "telemetry.cfg",
  secrets: "telemetry.secrets.json",
  code: ".bootcde",
};
/** A factory reset erases every telemetry.* file, the boot counter and the two JSON files earlier firmware read. */
export const ERASE_FILES = [FILES.device, FILES.secrets, "telemetry.boots", FILES.code, "telemetry.board.json", "telemetry.config.json"];

/** Secrets from the environment (never from argv) -> fields of telemetry.secrets.json (firmware/runtime/storage-contract.ts). */
export const SECRET_ENV = {
  TELEMETRY_WIFI_SSID: "ssid",
  TELEMETRY_WIFI_PASSWORD: "password",
  TELEMETRY_BEARER_TOKEN: "token",
  TELEMETRY_PUSH_TOKEN: "pushToken",
};

/** `env` without the TELEMETRY_* secret variables: for running the flash tool where no secrets may leak in (tests, bench). @param {NodeJS.ProcessEnv} env */
export function envWithoutSecrets(env) {
  const e = { ...env };
  for (const k of Object.keys(SECRET_ENV)) delete e[k];
  return e;
}

export class UsageError extends Error {
  /** @param {string} m */
  constructor(m) {
    super(m);
    this.name = "UsageError";
  }
}

/**
 * @typedef {object} FlashArgs
 * @property {string | undefined} board
 * @property {string | undefined} port
 * @property {string | undefined} config
 * @property {string | undefined} secrets
 * @property {string | undefined} bundle
 * @property {string | undefined} address
 * @property {string | undefined} out
 * @property {number} baud
 * @property {number} timeoutSec
 * @property {boolean} secretsOnly
 * @property {boolean} erase
 * @property {boolean} dryRun
 * @property {boolean} noVerify
 * @property {boolean} ignoreSize
 * @property {boolean} noUploadDelay
 * @property {boolean} noPretokenise
 * @property {boolean} help
 */

/** The flash tool's options (node:util parseArgs); HELP describes each. */
const FLASH_OPTIONS = /** @type {const} */ ({
  board: { type: "string" },
  port: { type: "string", short: "p" },
  config: { type: "string" },
  secrets: { type: "string" },
  bundle: { type: "string" },
  address: { type: "string" },
  out: { type: "string" },
  baud: { type: "string", short: "b" },
  timeout: { type: "string" },
  "secrets-only": { type: "boolean" },
  erase: { type: "boolean" },
  "dry-run": { type: "boolean" },
  "no-verify": { type: "boolean" },
  "ignore-size": { type: "boolean" },
  "no-upload-delay": { type: "boolean" },
  "no-pretokenise": { type: "boolean" },
  help: { type: "boolean", short: "h" },
});
/**
 * @param {string[]} argv
 * @returns {FlashArgs}
 */
export function parseArgs(argv) {
  /** @type {FlashArgs} */
  const a = {
    board: undefined, port: undefined, config: undefined, secrets: undefined, bundle: undefined, address: undefined, out: undefined,
    baud: 115200, timeoutSec: 180, secretsOnly: false, erase: false, dryRun: false, noVerify: false, ignoreSize: false, noUploadDelay: false, noPretokenise: false, help: false,
  };
  /** @type {{values: Record<string, string | boolean | undefined>}} */
  let parsed;
  try {
    parsed = nodeParseArgs({ args: argv, options: FLASH_OPTIONS, strict: true, allowPositionals: false });
  } catch (e) {
    const err = /** @type {Error & {code?: string}} */ (e);
    const opt = /'(-[^' ]+)/.exec(err.message)?.[1] ?? "";
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError((/--[a-z-]+/.exec(err.message)?.[0] ?? opt) + " needs a value");
    // the argument as given, named without its value: an unknown --flag=VALUE may carry a secret under a name we do not know
    const raw = argv.find((x) => x === opt || x.startsWith(opt + "=")) ?? (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" ? /'([^']*)'/.exec(err.message)?.[1] ?? "" : opt);
    if (/password|token|ssid|secret=/i.test(raw)) throw new UsageError("secrets are not taken from the command line: use --secrets FILE or " + Object.keys(SECRET_ENV).join("/"));
    const name = raw.indexOf("=") >= 0 ? raw.slice(0, raw.indexOf("=")) + "=…" : raw;
    throw new UsageError("unknown argument " + JSON.stringify(name.length > 40 ? name.slice(0, 40) + "…" : name));
  }
  const v = parsed.values;
  /** @param {string} k */
  const str = (k) => /** @type {string | undefined} */ (v[k]);
  a.board = str("board");
  a.port = str("port");
  a.config = str("config");
  a.secrets = str("secrets");
  a.bundle = str("bundle");
  a.address = str("address");
  a.out = str("out");
  if (v.baud !== undefined) a.baud = posInt("--baud", String(v.baud));
  if (v.timeout !== undefined) a.timeoutSec = posInt("--timeout", String(v.timeout));
  a.secretsOnly = v["secrets-only"] === true;
  a.erase = v.erase === true;
  a.dryRun = v["dry-run"] === true;
  a.noVerify = v["no-verify"] === true;
  a.ignoreSize = v["ignore-size"] === true;
  a.noUploadDelay = v["no-upload-delay"] === true;
  a.noPretokenise = v["no-pretokenise"] === true;
  a.help = v.help === true;
  if (a.help) return a;
  if (!a.board) throw new UsageError("--board NAME is required (a boards/*.json profile, e.g. esp32-devkitc)");
  if (a.out !== undefined && (a.port || a.secretsOnly || a.erase || a.address)) {
    throw new UsageError("--out writes the Storage files to a folder and touches no device: drop --port/--address/--secrets-only/--erase");
  }
  if (!a.port && !a.dryRun && a.out === undefined) throw new UsageError("--port is required (/dev/ttyUSB0 or tcp://HOST:PORT), or --out DIR");
  if (a.secretsOnly && a.erase) throw new UsageError("--secrets-only and --erase exclude each other");
  if (a.address !== undefined) {
    // HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; the port defaults to 80 (the firmware's default)
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^:\s/[\]]+)(?::(\d{1,5}))?$/.exec(a.address);
    if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
      throw new UsageError("--address must be HOST[:PORT] (IPv6 as [addr]:PORT), got " + JSON.stringify(a.address));
    }
    a.address = m[1] + ":" + (m[2] ?? "80");
  }
  return a;
}

/** @param {string} k @param {string} v */
function posInt(k, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(k + " must be a positive integer, got " + JSON.stringify(v));
  return n;
}

export const HELP = `npm run flash -- --board NAME --port /dev/ttyUSB0|tcp://HOST:PORT [options]

  --board NAME         board profile (boards/NAME.json) or a path to a profile
  --port P             serial device (115200 baud) or tcp://HOST:PORT of the Espruino console
  --config FILE        device config (JSON, docs/storage.md), checked here and written with the profile's facts as
                       telemetry.cfg; default: one channel on the first ADC pin
  --secrets FILE       JSON {"ssid","password","token","pushToken"} (telemetry.secrets.json); or, without it, the
                       environment variables TELEMETRY_WIFI_SSID, TELEMETRY_WIFI_PASSWORD, TELEMETRY_BEARER_TOKEN,
                       TELEMETRY_PUSH_TOKEN (never argv)
  --secrets-only       write telemetry.secrets.json only, then reboot
  --erase              factory reset: erase the telemetry.* files (boot counter included) and .bootcde, reboot
  --dry-run            print the plan (secrets masked) and the CLI command; touch nothing
  --out DIR            write the exact Storage files a flash would upload (one file per Storage name:
                       telemetry.cfg, telemetry.secrets.json (0600), .bootcde)
                       into DIR, after the same checks; touch no device
  --address HOST[:PORT] after flashing, GET /healthz and /metrics there (port 80 by default)
  --bundle FILE        firmware bundle (default dist/firmware-core.min.js, or dist/firmware.min.js when the config
                       has "push" or samples with "waveform": a feature the config does not enable stays off the
                       device)
  --baud N             serial baud rate (default 115200)
  --timeout S          hard timeout of the espruino CLI run (default 180)
  --no-verify          skip the read-back (not recommended: the CLI reports success whatever happens); the
                       check that the firmware started still runs
  --no-upload-delay    no pause after each Storage write (the stock CLI pauses 250 ms per ~1 KB chunk so that a
                       UART without flow control does not drop bytes). The default over a board's Telnet console
                       (tcp://HOST:23 or :2323), whose server reads only while the interpreter has room; use it on
                       any other flow-controlled link. Every file is CRC-checked after the flash either way
  --no-pretokenise     write the bundle's JavaScript text as .bootcde. By default it is pretokenised as the Espruino
                       IDE does it (keywords as single bytes, literals as raw tokens): smaller, lexed faster, and
                       its long string literals stay in flash instead of RAM (docs/design.md "Pretokenised code")
  --ignore-size        flash although the RAM estimate says the bundle does not fit (the estimate assumes the
                       code is held in RAM; Storage must still fit). Watch the console for OUT OF MEMORY

A flash (and --secrets-only) is done only when the firmware is seen running after the load: the console shows its
boot line ("espruino-telemetry VERSION boot N, …") and no "Uncaught" or "OUT OF MEMORY" line. The lines come from
the CLI's echo of the console; if that ended before the boot line, the tool connects again, calls load() once more
and watches for up to 20 s. An error line fails the flash with "the firmware did not start: <the device's line>".

Exit status: 0 flashed, the firmware started and verified; 2 bad arguments/config/bundle (device untouched); 3 device
unreachable or unsupported (device untouched); 1 flashing or verification failed, or the firmware did not start.`;

/**
 * telemetry.secrets.json as the firmware reads it (firmware/runtime/storage-contract.ts loadSecrets).
 * @typedef {{ ssid?: string, password?: string, token?: string, pushToken?: string }} Secrets
 */

/**
 * Secrets from a JSON file, else from the environment. Returns undefined when there are none. Errors name the
 * source (the file, or the variables). `warn` hears about TELEMETRY_* variables that a --secrets file overrides.
 * @param {string | undefined} file
 * @param {NodeJS.ProcessEnv} env
 * @param {(line: string) => void} [warn]
 * @returns {Secrets | undefined}
 */
export function loadSecrets(file, env, warn) {
  /** @type {unknown} */
  let s;
  if (file) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new UsageError("cannot read --secrets " + file + ": " + (/** @type {NodeJS.ErrnoException} */ (e).code ?? "error"));
    }
    try {
      s = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // without a UTF-8 byte-order mark
    } catch {
      throw new UsageError("--secrets " + file + " is not valid JSON"); // no excerpt: it holds secrets
    }
    const ignored = Object.keys(SECRET_ENV).filter((n) => env[n] !== undefined && env[n] !== "");
    if (ignored.length && warn) warn("secrets: using --secrets " + file + "; ignoring " + ignored.join(", "));
  } else {
    /** @type {Record<string, string>} */
    const o = {};
    for (const [name, field] of Object.entries(SECRET_ENV)) {
      const v = env[name];
      if (v !== undefined && v !== "") o[field] = v;
    }
    if (Object.keys(o).length === 0) return undefined;
    s = o;
  }
  const errors = checkSecrets(s);
  if (errors.length) {
    const from = file ? "--secrets " + file : Object.entries(SECRET_ENV).map(([n, f]) => f + " = " + n).join(", ");
    throw new UsageError("secrets (" + from + "): " + errors.join("; "));
  }
  return /** @type {Secrets} */ (s);
}

/**
 * The firmware's rules (values never shown): ssid 1-32, password 0-64, token 16-128 printable ASCII, no spaces.
 * @param {unknown} s @returns {string[]}
 */
export function checkSecrets(s) {
  /** @type {string[]} */
  const e = [];
  if (!s || typeof s !== "object" || Array.isArray(s)) return ["must be a JSON object {ssid, password, token}"];
  const o = /** @type {Record<string, unknown>} */ (s);
  for (const k of Object.keys(o)) if (k !== "ssid" && k !== "password" && k !== "token" && k !== "pushToken") e.push(JSON.stringify(k) + ": unknown field (known: ssid, password, token, pushToken)");
  if (o.ssid !== undefined && (typeof o.ssid !== "string" || o.ssid.length < 1 || o.ssid.length > 32)) e.push("ssid: must be a string of 1-32 characters (value not shown)");
  if (o.password !== undefined && (typeof o.password !== "string" || o.password.length > 64)) e.push("password: must be a string of 0-64 characters (value not shown)");
  if (o.token !== undefined && (typeof o.token !== "string" || !/^[\x21-\x7e]{16,128}$/.test(o.token))) {
    e.push("token: must be 16-128 printable ASCII characters without spaces (value not shown)");
  }
  if (o.pushToken !== undefined && (typeof o.pushToken !== "string" || !/^[\x21-\x7e]{1,256}$/.test(o.pushToken))) {
    e.push("pushToken: must be 1-256 printable ASCII characters without spaces (value not shown)");
  }
  return e;
}

/**
 * Every string that would reveal a secret: the values, their JSON-escaped forms, and the base64 of the file.
 * @param {Secrets | undefined} s
 * @param {string | undefined} fileText
 * @returns {string[]}
 */
export function secretStrings(s, fileText) {
  /** @type {string[]} */
  const out = [];
  const add = (/** @type {unknown} */ v) => {
    if (typeof v !== "string" || v.length < 3) return; // too short to mask without destroying the output
    out.push(v, JSON.stringify(v).slice(1, -1), Buffer.from(v, "utf8").toString("base64").replace(/=+$/, ""));
  };
  if (s) {
    add(s.ssid);
    add(s.password);
    add(s.token);
  }
  if (fileText) out.push(Buffer.from(fileText, "latin1").toString("base64"));
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/**
 * A function that masks secrets in text (also every atob("…") payload, where the CLI puts Storage data).
 * @param {string[]} secrets
 */
export function makeMasker(secrets) {
  return (/** @type {string} */ text) => {
    let t = text.replace(/atob\("[^"]*"\)/g, 'atob("…")');
    for (const s of secrets) if (s) t = t.split(s).join("***");
    return t;
  };
}

/** The plan's view of secrets: field names, values masked. @param {Secrets | undefined} s */
export function maskedSecrets(s) {
  if (!s) return "none (telemetry.secrets.json left as it is)";
  /** @type {string[]} */
  const parts = [];
  for (const k of /** @type {const} */ (["ssid", "password", "token", "pushToken"])) if (s[k] !== undefined) parts.push(k + "=***");
  return parts.join(", ");
}

/**
 * RAM estimate of the firmware code, in JsVars, when Espruino holds it as text (code uploaded to RAM, or a board
 * that does not memory-map Storage). Measured on the real interpreter: a 15 835-byte minified
 * program occupied 2 116 JsVars of 14 bytes after a RAM upload, i.e. 0.535 x jsVarBytes characters per JsVar;
 * running it from Storage on a build without memory-mapped Storage saved about 7% more. So:
 * ceil(bytes / (0.535 x jsVarBytes) x 0.93).
 * @param {number} bytes @param {number} jsVarBytes
 */
export function codeJsVars(bytes, jsVarBytes) {
  return Math.ceil((bytes / (0.535 * jsVarBytes)) * 0.93);
}

/**
 * RAM estimate of the firmware code when it runs from memory-mapped Storage (.bootcde on ESP32 and STM32, see
 * host-sim/boards.mjs codeRunsFromFlash): the text stays in flash and every function created costs its function
 * JsVar, a code name, a NativeString into flash, a scope link and one JsVar per parameter (host-sim/memory.mjs).
 * Counted over every function in the bundle, as if each were created once.
 * @param {string} code  the bundle text
 * @returns {{ functions: number, jsVars: number }}
 */
export function flashCodeJsVars(code) {
  const ast = acornParse(code, { ecmaVersion: 5, allowReserved: true });
  let functions = 0;
  let jsVars = 0;
  /** @param {any} node */
  const visit = (node) => {
    if (!node || typeof node.type !== "string") return;
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") {
      functions++;
      jsVars += 4 + node.params.length;
    }
    for (const k of Object.keys(node)) {
      const v = node[k];
      if (Array.isArray(v)) for (const c of v) visit(c);
      else if (v && typeof v === "object" && typeof v.type === "string") visit(v);
    }
  };
  visit(ast);
  return { functions, jsVars };
}

/**
 * JsVars of the firmware's own state besides code and sampling: the registry with ~36 families, self-metrics,
 * Wi-Fi and HTTP server objects, timers. Measured in the simulator (test/runtime/boards.server.test.ts, demo
 * config, after boot and a scrape): 5 876 used on esp32-devkitc = 1 469 code stubs + 891 sampling + ~3 500.
 */
export const RUNTIME_JSVARS = 3500;

/** JsVars kept for the network stack and HTTP: 100 per socket of the profile (request, response, buffers). */
export const JSVARS_PER_SOCKET = 100;

/** Flash bytes of a Storage file (host-sim/storage.mjs, Espruino jsflash.c): 32-byte header + data aligned to 4. */
export function storageCost(/** @type {number} */ size) {
  return 32 + ((size + 3) & ~3);
}

/**
 * The size rule. RAM: code estimate (flashCodeJsVars when the board runs code from memory-mapped Storage, else
 * codeJsVars) + the config's sampling state (validateDeviceConfig's jsVars estimate) + sockets x JSVARS_PER_SOCKET
 * + RUNTIME_JSVARS must fit the profile's jsVars. Storage: the four files must fit the
 * profile's storageBytes (when it has one); the pre-flight also checks the device's Storage.getFree().
 * @param {{ jsVars: number, jsVarBytes: number, sockets: number, storageBytes?: number, name: string }} profile
 * @param {number} bundleBytes
 * @param {number[]} dataFileBytes
 * @param {number} samplingJsVars
 * @param {{ functions: number, jsVars: number }} [inFlash]  the code runs from memory-mapped Storage
 *   (flashCodeJsVars of the bundle): its estimate replaces the text-in-RAM one
 * `ramOk: false` with `storageOk: true` (only the RAM estimate fails) is what --ignore-size overrides; Storage
 * always has to fit (`storageOk: false` is reported first, whatever RAM says).
 * @returns {{ ok: boolean, ramOk: boolean, storageOk: boolean, codeJsVars: number, budget: number, storageNeeded: number, message: string }}
 */
export function sizeRule(profile, bundleBytes, dataFileBytes, samplingJsVars, inFlash) {
  const est = inFlash ? inFlash.jsVars : codeJsVars(bundleBytes, profile.jsVarBytes);
  const what = inFlash ? inFlash.functions + " functions, code in flash" : "code held in RAM";
  const net = profile.sockets * JSVARS_PER_SOCKET;
  const budget = profile.jsVars - samplingJsVars - net - RUNTIME_JSVARS;
  const storageNeeded = [bundleBytes, ...dataFileBytes].reduce((s, n) => s + storageCost(n), 0);
  if (profile.storageBytes !== undefined && storageNeeded > profile.storageBytes) {
    return { ok: false, ramOk: est <= budget, storageOk: false, codeJsVars: est, budget, storageNeeded, message: "files need " + storageNeeded + " bytes of Storage but " + profile.name + " has " + profile.storageBytes };
  }
  if (est > budget) {
    return {
      ok: false, ramOk: false, storageOk: true, codeJsVars: est, budget, storageNeeded,
      message: "bundle too large for " + profile.name + ": " + bundleBytes + " bytes (" + what + ") ≈ " + est + " JsVars of code, budget " + budget +
        " (jsVars " + profile.jsVars + " − sampling state " + samplingJsVars + " − network " + net + " − runtime " + RUNTIME_JSVARS + ")",
    };
  }
  return { ok: true, ramOk: true, storageOk: true, codeJsVars: est, budget, storageNeeded, message: "≈ " + est + " of " + budget + " JsVars for code (" + what + "), " + storageNeeded + " bytes of Storage" };
}

/**
 * "2v29" / "2v29.12" as a comparable number (2v29 -> 229.0, 2v29.12 -> 229.12); NaN if not a version.
 * @param {unknown} v
 */
export function versionValue(v) {
  const m = /^(\d+)v(\d\d)(?:\.(\d+))?/.exec(String(v));
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number(m[2]) + (m[3] ? Number("0." + m[3]) : 0);
}

/**
 * The lowest Espruino version the flash accepts: the profile's version (its facts, .bootcde semantics and
 * save() refusal are for it) and the chosen sampler's minVersion, whichever is higher.
 * @param {{ version: string, strategies: Record<string, { minVersion?: string }> }} profile
 * @param {string | undefined} sampler
 */
export function minimumVersion(profile, sampler) {
  let min = profile.version;
  const sv = sampler ? profile.strategies[sampler]?.minVersion : undefined;
  if (sv && versionValue(sv) > versionValue(min)) min = sv;
  return min;
}
