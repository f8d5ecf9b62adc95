#!/usr/bin/env node
// npm run flash -- --board esp32-devkitc --port /dev/ttyUSB0|tcp://HOST:PORT [--config device.json] [--secrets s.json]
// Details: docs/host-tools.md "tools/flash.mjs".
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { loadValidators, crc32 } from "../config/load.mjs";
import {
  FILES, ERASE_FILES, HELP, UsageError, parseArgs, loadSecrets, secretStrings, makeMasker, maskedSecrets, sizeRule,
  versionValue, minimumVersion, storageCost, SECRET_ENV, flashCodeJsVars,
} from "./flash/plan.mjs";
import { codeRunsFromFlash } from "../config/board-facts.mjs";
import { openLink, query, isTcpPort, isTelnetPort, LinkError } from "./flash/link.mjs";
import { runEspruinoCli } from "./flash/espruino-cli.mjs";
import { pretokenise } from "./flash/pretokenise.mjs";
import { openSerialSession } from "./flash/serial-session.mjs";
import { checkBoot, lastLines } from "./flash/boot-check.mjs";
import { assertSerialBackend } from "./serial-backend.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** How long the firmware has to print its boot line when the CLI's echo ended before it. */
const BOOT_TIMEOUT_MS = 20000;

class DeviceError extends Error {}
class FlashError extends Error {}

/** @param {string} s */
const log = (s) => process.stdout.write(s + "\n");

/** Temp dir (0700) removed on every exit path. @type {string | undefined} */
let tmp;
const cleanup = () => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
};
process.on("exit", cleanup);
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

/** @param {string} p */
const abs = (p) => (isAbsolute(p) ? p : resolve(process.cwd(), p));

/** @param {string} file @param {string} what */
function readJson(file, what) {
  let text;
  try {
    text = readFileSync(abs(file), "utf8");
  } catch {
    throw new UsageError("cannot read " + what + " " + file);
  }
  try {
    // a UTF-8 byte-order mark (some editors write one) is not part of the JSON
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new UsageError(what + " " + file + " is not valid JSON: " + (e instanceof Error ? e.message : String(e)));
  }
}

/**
 * @param {string} url @param {number} timeoutMs @param {string} [token] bearer token (from the secrets)
 * @returns {Promise<{status: number, body: string}>}
 */
function httpGet(url, timeoutMs, token) {
  return new Promise((resolvePromise, reject) => {
    const headers = token ? { Authorization: "Bearer " + token } : {};
    const req = http.get(url, { timeout: timeoutMs, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout after " + timeoutMs + " ms")));
    req.on("error", reject);
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One console query. Over a serial session, on the session's one connection; over TCP, on a fresh connection,
 * retried while the board reboots (connection refused, closed). A query that gets no answer is retried once, after
 * the console has settled (a board that was resetting, e.g. because its serial port was just opened, cannot hear).
 * @param {Target} target @param {string} expr @param {number} totalMs @param {string} what
 */
async function queryDevice(target, expr, totalMs, what) {
  const t0 = Date.now();
  let retried = false;
  for (;;) {
    /** @type {import("./flash/link.mjs").Link | undefined} */
    let link;
    try {
      link = target.session ? target.session.borrow() : await openLink(target.port, { baud: target.baud, root: ROOT, timeoutMs: 3000 });
      return await query(link, expr, { timeoutMs: Math.min(5000, Math.max(1000, totalMs - (Date.now() - t0))), what });
    } catch (e) {
      if (!(e instanceof LinkError)) throw e;
      if (e.code === "TIMEOUT" && !retried) {
        retried = true;
        log("  note:     " + e.message + "; retrying once (a board that is still starting, e.g. after the reset opening its serial port causes, cannot hear)");
        if (target.session) await target.session.settle({ quietMs: 400, maxMs: 6000 });
        continue;
      }
      const retry = e.code === "REFUSED" || e.code === "NO_PORT" || e.code === "CLOSED";
      if (!retry || Date.now() - t0 > totalMs) throw retried && e.code === "TIMEOUT" ? new LinkError(e.message + " (asked twice)", e.code) : e;
      await sleep(200);
    } finally {
      if (link) await link.close();
    }
  }
}

/**
 * A console connection, retried while the board reboots (connection refused, pty being re-created).
 * @param {Target} target @param {number} totalMs
 */
async function openDevice(target, totalMs) {
  if (target.session) return target.session.borrow();
  const t0 = Date.now();
  for (;;) {
    try {
      return await openLink(target.port, { baud: target.baud, root: ROOT, timeoutMs: 3000 });
    } catch (e) {
      const retry = e instanceof LinkError && (e.code === "REFUSED" || e.code === "NO_PORT" || e.code === "CLOSED");
      if (!retry || Date.now() - t0 > totalMs) throw new FlashError("cannot reopen the console to watch the boot: " + (e instanceof Error ? e.message : String(e)));
      await sleep(200);
    }
  }
}

/**
 * The device a flash talks to: a TCP console, or a serial port held open for the whole flash.
 * @typedef {{ port: string, baud: number, session?: import("./flash/serial-session.mjs").SerialSession }} Target
 */

async function main() {
  const tStart = Date.now();
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    log(HELP);
    return 0;
  }
  const v = loadValidators(ROOT);

  // ---- 1. everything that can be checked without the device
  const boardFile = /[/\\]|\.json$/.test(/** @type {string} */ (args.board)) ? abs(/** @type {string} */ (args.board)) : join(ROOT, "boards", args.board + ".json");
  if (!existsSync(boardFile)) throw new UsageError("unknown board " + JSON.stringify(args.board) + " (no " + boardFile + ")");
  const profileIn = readJson(boardFile, "board profile");
  const pr = v.validateBoardProfile(profileIn);
  if (pr.errors.length) throw new UsageError("board profile " + boardFile + " is invalid:\n  " + pr.errors.join("\n  "));
  const profile = pr.profile;

  const mode = args.erase ? "erase" : args.secretsOnly ? "secrets-only" : "flash";
  /** @type {any} */
  let configIn;
  /** the device file (config/device-file.ts) */
  let deviceText = "";
  /** @type {string | undefined} */
  let sampler;
  let samplingJsVars = 0;
  let telnet = false;
  if (mode === "flash") {
    configIn = args.config ? readJson(args.config, "config") : { schema: 1, channels: [{ name: "ch0", pin: profile.adc.pinNames[0] }] };
    const cr = v.validateDeviceConfig(configIn, profile);
    if (cr.errors.length) throw new UsageError("config " + (args.config ?? "(default)") + " is invalid for board " + profile.name + ":\n  " + cr.errors.join("\n  "));
    sampler = cr.config.sampler;
    samplingJsVars = cr.jsVars;
    deviceText = /** @type {string} */ (v.compileDevice(profileIn, configIn).text);
    telnet = cr.config.telnet === true;
    // upstream builds the Telnet console only into the classic ESP32 (boards/ESP32.py: TELNET)
    if (!telnet && profile.board === "ESP32" && args.port && isTelnetPort(args.port)) {
      throw new UsageError(
        "over the board's Telnet console (" + args.port + ') the config needs "telnet": true: the firmware turns the console ' +
          "off at boot otherwise, so this flash could not check that it started and no later flash could reach the board " +
          'over the network (docs/storage.md "Telnet console"); or flash over serial'
      );
    }
  } else if (args.config) throw new UsageError("--config is only used by a full flash");

  const secrets = mode === "erase" ? undefined : loadSecrets(args.secrets, process.env, log);
  if (mode === "secrets-only" && !secrets) throw new UsageError("--secrets-only needs secrets: --secrets FILE or " + Object.keys(SECRET_ENV).join("/"));
  // the device would refuse the pair (and lock /metrics): say it here, where both files are at hand
  if (mode === "flash" && configIn.auth === true && !secrets?.token) {
    throw new UsageError('the config says "auth": true but the secrets have no token (--secrets FILE with "token", or TELEMETRY_BEARER_TOKEN)');
  }
  const secretsText = secrets ? JSON.stringify(secrets) : "";
  const mask = makeMasker(secretStrings(secrets, secretsText));

  // the features a config leaves off stay off the device: without `push` and the waveform sampler, the bundle without
  // push mode and waveform
  const core = mode === "flash" && !configIn.push && sampler !== "waveform";
  const bundlePath = abs(args.bundle ?? join(ROOT, "dist", core ? "firmware-core.min.js" : "firmware.min.js"));
  let bundle = "";
  /** what .bootcde gets: the bundle pretokenised (unless --no-pretokenise) */
  let code = "";
  let buildVersion = "";
  const minVersion = minimumVersion(profile, sampler);
  /** @type {ReturnType<typeof sizeRule> | undefined} */
  let size;
  if (mode === "flash") {
    if (!existsSync(bundlePath)) throw new UsageError("no bundle " + bundlePath + " (npm run build)");
    bundle = readFileSync(bundlePath, "latin1");
    if (!args.bundle && existsSync(join(ROOT, "dist", "build.json"))) {
      buildVersion = String(JSON.parse(readFileSync(join(ROOT, "dist", "build.json"), "utf8")).version ?? "");
      if (buildVersion && !bundle.includes(buildVersion)) buildVersion = "";
    }
    try {
      code = args.noPretokenise ? bundle : pretokenise(bundle, minVersion);
    } catch (e) {
      throw new UsageError(bundlePath + ": " + (e instanceof Error ? e.message : String(e)));
    }
    const inFlash = codeRunsFromFlash(profileIn) ? flashCodeJsVars(bundle) : undefined;
    size = sizeRule(profile, code.length, [deviceText.length, secretsText.length].filter((n) => n > 0), samplingJsVars, inFlash);
    if (!size.ok) {
      const overridable = size.storageOk && !size.ramOk; // only the RAM estimate failed
      if (!args.ignoreSize || !overridable) throw new UsageError(size.message + (overridable ? " (--ignore-size flashes it anyway)" : ""));
    }
  }

  // the CLI invocation (paths in the temp dir are shown as <tmp>)
  const tmpShown = "<tmp>";
  // a Telnet console reads only while the interpreter has room (libs/network/telnet: jshHasEventSpaceForChars), so
  // TCP's own flow control throttles the upload and the CLI's pause after each Storage write only costs time
  const uploadDelay = !(args.noUploadDelay || (args.port !== undefined && isTelnetPort(args.port)));
  const serial = args.port !== undefined && !isTcpPort(args.port);
  /** @param {string} dir @param {string} [cliPort] the serial session's bridge */
  const cliArgs = (dir, cliPort) => {
    const a = ["--no-ble", "--config", "BOARD_JSON_URL=" + join(dir, "boards"), "--config", "MODULE_URL="];
    if (!uploadDelay) a.push("--config", "STORAGE_UPLOAD_METHOD=1");
    // over serial the CLI talks to the port this tool holds open, through a loopback bridge
    a.push("-p", cliPort ?? (serial ? "tcp://127.0.0.1:<bridge to " + args.port + ">" : /** @type {string} */ (args.port ?? "PORT")));
    if (mode === "flash") {
      a.push("--storage", FILES.device + ":" + join(dir, "device.cfg"));
      if (secrets) a.push("--storage", FILES.secrets + ":" + join(dir, "secrets.json"));
      // pretokenised code is binary: written as a data file (base64 chunks), then reboot.js load()s it
      if (args.noPretokenise) a.push("--storage", FILES.code + ":-", bundlePath);
      else a.push("--storage", FILES.code + ":" + join(dir, "bootcde.bin"), join(dir, "reboot.js"));
    } else if (mode === "secrets-only") {
      a.push("--storage", FILES.secrets + ":" + join(dir, "secrets.json"), join(dir, "reboot.js"));
    } else {
      a.push(join(dir, "erase.js"));
    }
    return a;
  };

  log("flash plan (" + mode + ")");
  log("  board:    " + profile.name + " (" + profile.board + "), Espruino >= " + minVersion);
  log("  port:     " + (args.port ?? (args.out !== undefined ? "(none: --out " + args.out + ")" : "(none: dry run)")) + (args.port && !isTcpPort(args.port) ? " @ " + args.baud + " baud" : ""));
  if (mode === "flash") {
    log("  config:   " + (args.config ?? "(default: one channel on " + profile.adc.pinNames[0] + ")") + " + " + boardFile + " -> " + FILES.device + " (" + deviceText.length + " B), sampler " + sampler);
    log("  bundle:   " + bundlePath + " (" + bundle.length + " B" + (buildVersion ? ", build " + buildVersion : "") + ") -> " + FILES.code +
      (args.noPretokenise ? "" : " pretokenised for Espruino " + minVersion + " (" + code.length + " B)") + "; " + size?.message);
    if (size && !size.ok) {
      log("  WARNING:  flashing anyway (--ignore-size). The estimate assumes the code is held in RAM; if it is, the board");
      log("            runs out of memory at boot (console: OUT OF MEMORY). Check espruino_memory_jsvars{state=\"free\"}.");
    }
  }
  if (mode !== "erase") log("  upload:   " + (uploadDelay ? "250 ms pause after each Storage write (the CLI's default; --no-upload-delay on a flow-controlled link)" : "no pause after Storage writes (" + (args.noUploadDelay ? "--no-upload-delay" : "Telnet console: flow-controlled") + "); every file is CRC-checked after"));
  if (mode !== "erase") log("  secrets:  " + mask(maskedSecrets(secrets)) + (secrets ? " -> " + FILES.secrets : ""));
  if (telnet) {
    log('  WARNING:  "telnet": true keeps the board\'s JavaScript console open on the network (port 23) after boot: anyone');
    log("            who can reach the board can read its files, the Wi-Fi password and bearer token included. Use it only");
    log('            on a network you trust, to flash over Wi-Fi; set "telnet": false (the default) to close it.');
  }
  if (mode === "erase") log("  erase:    " + ERASE_FILES.join(", "));
  if (args.out === undefined) log("  cli:      espruino " + mask(cliArgs(tmpShown).join(" ")));
  if (args.address) log("  check:    http://" + args.address + "/healthz, /metrics");
  if (args.dryRun) {
    log("dry run: nothing written");
    return 0;
  }
  if (args.out !== undefined) {
    const dir = abs(args.out);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, FILES.device), deviceText, "latin1");
    if (secrets) {
      // 0600 also when the file was there before (writeFileSync's mode applies only to a new file)
      rmSync(join(dir, FILES.secrets), { force: true });
      writeFileSync(join(dir, FILES.secrets), secretsText, { mode: 0o600 });
    } else rmSync(join(dir, FILES.secrets), { force: true });
    writeFileSync(join(dir, FILES.code), code, "latin1");
    log("out:        " + dir + ": " + [FILES.device, ...(secrets ? [FILES.secrets] : []), FILES.code].join(", ") + " (no device touched)");
    return 0;
  }
  const port = /** @type {string} */ (args.port);

  // ---- 2. pre-flight: the device answers, is the right board and a supported Espruino
  /** @type {Target} */
  const target = { port, baud: args.baud };
  if (serial) {
    assertSerialBackend({ projectRoot: ROOT, port, listing: false });
    try {
      target.session = await openSerialSession(port, { baud: args.baud, root: ROOT });
    } catch (e) {
      throw new DeviceError(e instanceof Error ? e.message : String(e));
    }
    // bounded: a port whose writes stalled must not keep the tool from exiting
    closeSession = () => Promise.race([target.session?.close(), sleep(2000)]).then(() => {});
    const reset = await target.session.settle({ quietMs: 400, maxMs: 6000 });
    log("console:    " + port + " opened once for the whole flash" + (reset ? "; the board reset when it opened (its boot text was seen) and has settled" : ""));
  }
  /** @type {any} */
  let env;
  try {
    env = await queryDevice(
      target,
      '{v:process.env.VERSION,b:process.env.BOARD,free:require("Storage").getFree(),sizes:' +
        JSON.stringify(ERASE_FILES) + '.map(function(n){var d=require("Storage").read(n);return d===undefined?-1:d.length})}',
      4000, "the device on " + port
    );
  } catch (e) {
    throw new DeviceError(e instanceof Error ? e.message : String(e));
  }
  if (!env || typeof env.v !== "string") throw new DeviceError("the device on " + port + " did not report process.env.VERSION");
  if (env.b !== profile.board) throw new DeviceError("the device on " + port + " is a " + env.b + " but profile " + profile.name + " is for " + profile.board);
  if (!(versionValue(env.v) >= versionValue(minVersion))) {
    throw new DeviceError("unsupported Espruino " + env.v + " on " + port + ": " + profile.name + " needs " + minVersion + " or later (see boards/README.md)");
  }
  /** @type {number[]} */
  const sizes = env.sizes ?? [];
  if (mode === "flash" && size && typeof env.free === "number") {
    // only what this flash overwrites frees room (files of earlier firmware stay until --erase)
    const overwritten = [FILES.device, FILES.code, ...(secrets ? [FILES.secrets] : [])];
    const reclaim = ERASE_FILES.reduce((s, n, i) => s + (overwritten.includes(n) && sizes[i] >= 0 ? storageCost(sizes[i]) : 0), 0);
    if (size.storageNeeded > env.free + reclaim) throw new DeviceError("not enough Storage on the device: need " + size.storageNeeded + " bytes, " + (env.free + reclaim) + " available");
  }
  log("device:     " + env.b + " Espruino " + env.v + " on " + port);
  const legacy = ERASE_FILES.filter((n, i) => n.endsWith(".json") && n !== FILES.secrets && sizes[i] >= 0);
  if (mode === "flash" && legacy.length) log("  note:     " + legacy.join(", ") + " of an earlier firmware stay in Storage unused (--erase removes them)");

  // ---- 3. the CLI run
  tmp = mkdtempSync(join(tmpdir(), "espruino-flash-"));
  mkdirSync(join(tmp, "boards"));
  writeFileSync(join(tmp, "boards", profile.board + ".json"), JSON.stringify({ info: { name: profile.board, builtin_modules: ["Storage", "Wifi", "net", "http", "timer", "ESP32", "Flash", "crypto", "AT", "NetworkJS"] } }));
  if (mode === "flash") writeFileSync(join(tmp, "device.cfg"), deviceText, "latin1");
  if (mode === "flash" && !args.noPretokenise) writeFileSync(join(tmp, "bootcde.bin"), code, "latin1");
  if (secrets) writeFileSync(join(tmp, "secrets.json"), secretsText, { mode: 0o600 });
  // programs for --secrets-only / --erase: > 512 bytes (shorter uploads never finish: a CLI bug), end in load()
  const pad = 'var flashNote="' + "written by tools/flash.mjs; RAM is cleared by the load() below. ".repeat(10) + '";\n';
  writeFileSync(join(tmp, "reboot.js"), pad + "load();\n");
  writeFileSync(join(tmp, "erase.js"), pad + "var S=require(\"Storage\");" + JSON.stringify(ERASE_FILES) + ".forEach(function(n){S.erase(n);});\nload();\n");
  const cliPort = target.session ? await target.session.bridge() : undefined;
  const run = await runEspruinoCli(ROOT, cliArgs(tmp, cliPort), {
    timeoutMs: args.timeoutSec * 1000,
    mask,
    echo: (line) => log("  cli| " + line),
    cwd: tmp,
  });
  cleanup();
  if (run.timedOut) throw new FlashError("the espruino CLI did not finish within " + args.timeoutSec + " s (killed); the device may be half-written");
  if (/Unable to connect|Port .* not found|Disconnected\./i.test(run.output) && !/Upload Complete/.test(run.output)) {
    throw new FlashError("the espruino CLI could not talk to " + port);
  }
  log("cli:        exit " + run.code + " after " + run.ms + " ms");

  // ---- 4. the firmware is seen running: its boot line, no Uncaught / OUT OF MEMORY from the load on
  if (mode !== "erase") {
    const boot = await checkBoot(run.output, {
      open: () => openDevice(target, 8000),
      mask,
      timeoutMs: BOOT_TIMEOUT_MS,
      log,
    });
    const tail = () => lastLines(boot.lines).map((l) => "  | " + l).join("\n");
    if (boot.state === "error") throw new FlashError("the firmware did not start: " + boot.scan.error);
    if (boot.state === "timeout") {
      throw new FlashError(
        "the firmware did not start: no boot line (\"espruino-telemetry VERSION boot N, …\") within " + BOOT_TIMEOUT_MS / 1000 +
          " s after load(); last console lines:\n" + (tail() || "  | (nothing)")
      );
    }
    log("boot:       " + boot.scan.bootLine + (boot.source === "cli" ? "" : boot.source === "reload" ? " (after a second load())" : " (fresh console)"));
    for (const w of boot.scan.warnings) log("  WARNING:  " + w);
    if (buildVersion && boot.scan.version !== buildVersion) {
      throw new FlashError("the device booted build " + boot.scan.version + ", not " + buildVersion + " (the bundle just written)");
    }
  }
  if (args.noVerify) {
    log("verify:     skipped (--no-verify)");
    return 0;
  }

  // ---- 5. read-back
  /** @type {Record<string, string>} */
  const expected = {};
  if (mode === "flash") {
    expected[FILES.device] = deviceText;
    expected[FILES.code] = code;
  }
  if (secrets) expected[FILES.secrets] = secretsText;
  const names = mode === "erase" ? ERASE_FILES : Object.keys(expected);
  const ver = buildVersion;
  const expr =
    '(function(){var S=require("Storage"),c=typeof E.CRC32=="function",o={v:process.env.VERSION,b:process.env.BOARD,crc:c,f:{}};' +
    JSON.stringify(names) +
    '.forEach(function(n){var d=S.read(n);o.f[n]=d===undefined?null:{n:d.length,c:c?E.CRC32(d):null' +
    (ver ? ",k:n==" + JSON.stringify(FILES.code) + "?d.indexOf(" + JSON.stringify(ver) + ")>=0:null" : "") +
    "};});return o;})()";
  /** @type {any} */
  let back;
  try {
    back = await queryDevice(target, expr, 15000, "the device on " + port + " after flashing");
  } catch (e) {
    throw new FlashError("verification failed: " + (e instanceof Error ? e.message : String(e)));
  }
  /** @type {string[]} */
  const problems = [];
  for (const n of names) {
    const got = back.f?.[n];
    if (mode === "erase") {
      if (got !== null) problems.push(n + " still exists (" + got?.n + " bytes)");
      continue;
    }
    // EspruinoTools 0.1.67 stores the code with a leading "\n": accept the bundle with or without it
    const want = n === FILES.code && got && got.n === code.length + 1 ? "\n" + code : expected[n];
    const shown = n === FILES.secrets ? "" : " (crc " + (got?.c ?? "n/a") + ")";
    if (!got) problems.push(n + " is missing");
    else if (got.n !== want.length) problems.push(n + ": " + got.n + " bytes on the device, " + want.length + " expected");
    // never print the secrets file's CRC: with a known SSID it would let a password guess be checked offline
    else if (back.crc && got.c !== crc32(want)) problems.push(n + (n === FILES.secrets ? ": CRC32 differs from the file written" : ": CRC32 " + got.c + " on the device, " + crc32(want) + " expected"));
    else log("verify:     " + n + " " + got.n + " B" + (back.crc ? ", CRC32 ok" + shown : ", size ok (no E.CRC32 on this build)"));
    if (got && n === FILES.code && ver && got.k !== true) problems.push(".bootcde does not contain build " + ver);
  }
  if (!(versionValue(back.v) >= versionValue(minVersion))) problems.push("VERSION " + back.v + " after reboot is below " + minVersion);
  if (problems.length) throw new FlashError("verification failed:\n  " + problems.join("\n  "));
  if (mode === "erase") log("verify:     " + ERASE_FILES.join(", ") + " erased");
  if (ver) log("verify:     .bootcde holds build " + ver + "; Espruino " + back.v);

  if (args.address && mode !== "erase") {
    const base = "http://" + args.address;
    const t0 = Date.now();
    /** @type {{status: number, body: string} | undefined} */
    let metrics;
    /** @type {unknown} */
    let lastErr;
    while (Date.now() - t0 < 20000) {
      try {
        metrics = await httpGet(base + "/metrics", 5000, secrets?.token);
        if (metrics.status === 200 || metrics.status === 401) break;
      } catch (e) {
        lastErr = e;
      }
      await sleep(250);
    }
    if (metrics?.status === 401) {
      throw new FlashError("GET " + base + "/metrics: HTTP 401, the device wants a bearer token" + (secrets?.token ? " but refused the one just written" : ": pass the secrets (token) to check"));
    }
    if (!metrics || metrics.status !== 200) {
      throw new FlashError("GET " + base + "/metrics failed: " + (metrics ? "HTTP " + metrics.status : lastErr instanceof Error ? lastErr.message : String(lastErr)));
    }
    if (!/^espruino_build_info\{/m.test(metrics.body)) throw new FlashError("GET " + base + "/metrics: no espruino_build_info");
    if (ver && !metrics.body.includes('version="' + ver + '"')) throw new FlashError("GET " + base + "/metrics: espruino_build_info is not build " + ver);
    log("verify:     GET /metrics 200, " + metrics.body.length + " B" + (ver ? ", espruino_build_info version " + ver : ""));
    try {
      const hz = await httpGet(base + "/healthz", 5000, secrets?.token);
      if (hz.status === 200) log("verify:     GET /healthz 200");
      else if (hz.status === 404) log("verify:     GET /healthz 404 (this firmware has no /healthz; /metrics answered)");
      else throw new FlashError("GET " + base + "/healthz: HTTP " + hz.status);
    } catch (e) {
      if (e instanceof FlashError) throw e;
      throw new FlashError("GET " + base + "/healthz failed: " + (e instanceof Error ? e.message : String(e)));
    }
  }
  log("done:       " + mode + " in " + (Date.now() - tStart) + " ms");
  return 0;
}

/** Closes the serial session, if one is open. @type {() => Promise<void> | void} */
let closeSession = () => {};

main().then(
  async (code) => {
    await closeSession();
    process.exit(code);
  },
  async (e) => {
    await Promise.resolve(closeSession()).catch(() => {});
    cleanup();
    const code = e instanceof UsageError ? 2 : e instanceof DeviceError || e?.name === "SerialBackendUnavailableError" ? 3 : 1;
    process.stderr.write("flash: " + (e instanceof Error ? e.message : String(e)) + "\n");
    process.exit(code);
  }
);
