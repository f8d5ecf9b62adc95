// On-device validation of the board profile and the device config. Same rules and the same resulting
// config as the detailed validators (board-profile.ts, device-config.ts), which stay on the host: the flash
// tool runs them before flashing and explains every problem at length. Code is RAM on the board, so the
// messages here are short; each still names the field and the value ("field: value, need rule").
import type { BoardProfile, ProfileResult } from "./board-profile.js";
import { NETWORKS } from "./board-profile.js";
import type { ChannelConfig, ConfigResult } from "./device-config.js";
import {
  CONFIG_FIELDS, CHANNEL_FIELDS, STRATEGY_CHOICES, OVERFLOW_CHOICES, EXPOSITION_CHOICES, MAX_SEGMENT, MAX_BUCKETS,
  MAX_SAMPLES_PER_TICK, estimateSamplingJsVars, distinctConversions, defaultBuckets, fits, tickUs,
  PUSH_FIELDS, PUSH_MIN_SECONDS, PUSH_MAX_SECONDS, pushPath
} from "./device-config.js";
import type { PushConfig } from "./device-config.js";
import { show, showUrl, isObject, isNumber, isInt, isIntIn, isIdent, isWord, isLabelText, indexOfString, isUrlName, parsePushUrl } from "./check.js";

type Obj = { [k: string]: unknown };

/** Adds "field: value, need rule". */
function need(e: string[], f: string, v: unknown, rule: string): void {
  e.push(f + ": " + show(v) + ", need " + rule);
}

function unknown(e: string[], p: string, o: object, known: string[]): void {
  for (var k in o) if (indexOfString(known, k) < 0) e.push(p + k + ": unknown field");
}

/** o[f]: `d` when absent, the integer when in lo..hi, else -1 (error added). */
function int(e: string[], o: Obj, f: string, lo: number, hi: number, d: number): number {
  var v = o[f];
  if (v === undefined) return d;
  if (isIntIn(v, lo, hi)) return v as number;
  need(e, f, v, "integer " + lo + "-" + hi);
  return -1;
}

/** o[f]: `d` when absent, the string when one of `list`, else "" (error added). */
function pick(e: string[], o: Obj, f: string, list: string[], d: string): string {
  var v = o[f];
  if (v === undefined) return d;
  if (typeof v === "string" && indexOfString(list, v) >= 0) return v;
  need(e, f, v, list.join("|"));
  return "";
}

/** o[f]: `d` when absent, else label text of min..64 characters (error added otherwise). */
function label(e: string[], o: Obj, f: string, min: number, d: string): string {
  var v = o[f];
  if (v === undefined) return d;
  if (typeof v === "string" && isLabelText(v, min, 64)) return v;
  need(e, f, v, min + '-64 printable ASCII, no " or \\');
  return d;
}

/** The board profile: only what the firmware relies on (the host validated the file before writing it). */
export function checkProfile(input: unknown): ProfileResult {
  var e: string[] = [];
  var p = input as BoardProfile;
  if (!isObject(p)) return { profile: null, errors: ["profile: not an object"] };
  var a = p.adc;
  var i: number;
  if (typeof p.name !== "string" || !isIdent(p.name, 32, 45)) need(e, "name", p.name, "a-z0-9-");
  if (typeof p.board !== "string") need(e, "board", p.board, "process.env.BOARD");
  if (indexOfString(NETWORKS, p.network) < 0) need(e, "network", p.network, NETWORKS.join("|"));
  if (!isIntIn(p.jsVarBytes, 8, 32)) need(e, "jsVarBytes", p.jsVarBytes, "8-32");
  if (!isInt(p.jsVars) || !isInt(p.reservedJsVars) || p.reservedJsVars < 0 || p.reservedJsVars >= p.jsVars) {
    need(e, "reservedJsVars", p.reservedJsVars, "0 to below jsVars");
  }
  if (!isObject(a) || !Array.isArray(a.pinNames) || a.pinNames.length < 1 || !Array.isArray(a.fullScaleMv) ||
    a.fullScaleMv.indexOf(a.defaultFullScaleMv) < 0 || typeof a.pinKind !== "string") {
    need(e, "adc", a, "pinNames, pinKind, fullScaleMv with defaultFullScaleMv");
  }
  var st = p.strategies;
  if (!isObject(st)) need(e, "strategies", st, "an object");
  else {
    for (var k in st) {
      var l = st[k];
      if (!isObject(l) || !isIntIn(l.maxRateHz, 1, 1000000) || !isIntIn(l.minTickUs, 1, 10000000) ||
        (l.minVersion !== undefined && typeof l.minVersion !== "string")) need(e, "strategies." + k, l, "maxRateHz, minTickUs");
    }
  }
  var ao = p.autoOrder;
  if (!Array.isArray(ao) || ao.length < 1) need(e, "autoOrder", ao, "strategy names");
  else {
    for (i = 0; i < ao.length; i++) {
      if (!isObject(st) || typeof ao[i] !== "string" || !isObject(st[ao[i]]) || st[ao[i]].optIn === true) need(e, "autoOrder[" + i + "]", ao[i], "a strategy, not opt-in");
    }
  }
  return { profile: e.length > 0 ? null : p, errors: e };
}

function checkChannel(e: string[], i: number, r: unknown, profile: BoardProfile, out: ChannelConfig[]): void {
  var p = "channels[" + i + "]";
  if (!isObject(r)) return need(e, p, r, "{name, pin}");
  var c = r as Obj;
  unknown(e, p + ".", c, CHANNEL_FIELDS);
  var adc = profile.adc;
  var ch: ChannelConfig = { name: "", pin: "", attenuationMv: adc.defaultFullScaleMv, scale: 1, offset: 0, unit: "volts" };
  var j: number;
  if (typeof c.name !== "string" || !isIdent(c.name, 32, 95)) need(e, p + ".name", c.name, "a-z0-9_ 1-32, a letter first");
  else ch.name = c.name;
  if (typeof c.pin !== "string" || indexOfString(adc.pinNames, c.pin) < 0) {
    e.push(p + ".pin: " + (typeof c.pin === "string" ? c.pin : show(c.pin)) + " is not an " + adc.pinKind + " pin");
  } else ch.pin = c.pin;
  for (j = 0; j < out.length; j++) {
    if (ch.name && out[j].name === ch.name) e.push(p + ".name: " + ch.name + " is already used by channels[" + j + "]");
    if (ch.pin && out[j].pin === ch.pin) e.push(p + ".pin: " + ch.pin + " is already used by channels[" + j + "]");
  }
  var v = c.attenuationMv;
  if (v !== undefined) {
    if (adc.fullScaleMv.indexOf(v as number) < 0) need(e, p + ".attenuationMv", v, adc.fullScaleMv.join("|"));
    else ch.attenuationMv = v as number;
  }
  v = c.scale;
  if (v !== undefined) {
    if (!isNumber(v) || v === 0) need(e, p + ".scale", v, "a non-zero number");
    else ch.scale = v as number;
  }
  v = c.offset;
  if (v !== undefined) {
    if (!isNumber(v)) need(e, p + ".offset", v, "a number");
    else ch.offset = v as number;
  }
  v = c.unit;
  if (v !== undefined) {
    if (typeof v !== "string" || !isWord(v, 16)) need(e, p + ".unit", v, "a-zA-Z0-9_ 1-16");
    else ch.unit = v;
  }
  out.push(ch);
}

/** The push object (absent: null). */
function checkPush(e: string[], v: unknown, device: string): PushConfig | null {
  if (v === undefined) return null;
  if (!isObject(v)) {
    need(e, "push", v, "{url, intervalSeconds, job}");
    return null;
  }
  var p = v as Obj;
  unknown(e, "push.", p, PUSH_FIELDS);
  var u = parsePushUrl(p.url);
  if (!u) e.push("push.url: " + showUrl(p.url) + ", need http://host[:port][/path] (no user:password@: use pushToken)");
  var iv = p.intervalSeconds === undefined ? 60 : p.intervalSeconds;
  if (!isIntIn(iv, PUSH_MIN_SECONDS, PUSH_MAX_SECONDS)) {
    need(e, "push.intervalSeconds", iv, "integer " + PUSH_MIN_SECONDS + "-" + PUSH_MAX_SECONDS);
    iv = -1;
  }
  var job = p.job === undefined ? "espruino" : p.job;
  if (!isUrlName(job, 64)) need(e, "push.job", job, "1-64 of A-Za-z0-9_.-");
  if (!isUrlName(device, 64)) need(e, "device", device, "1-64 of A-Za-z0-9_.- with push");
  if (!u || (iv as number) < 0) return null;
  return { url: p.url as string, host: u.host, port: u.port, path: pushPath(u.path, job as string, device), intervalSeconds: iv as number, job: job as string };
}

/** The device config against a checked profile: every error found, or the config with defaults filled in. */
export function checkConfig(input: unknown, profile: BoardProfile): ConfigResult {
  var e: string[] = [];
  if (!isObject(input)) return { config: null, errors: ["config: not an object"], jsVars: 0 };
  var c = input as Obj;
  var i: number;
  unknown(e, "", c, CONFIG_FIELDS);
  if (c.schema !== 1) need(e, "schema", c.schema, "1");

  var channels: ChannelConfig[] = [];
  var chOk = false;
  var maxCh = profile.adc.pinNames.length;
  var raw = c.channels as unknown[];
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > maxCh) {
    need(e, "channels", Array.isArray(raw) ? raw.length : raw, "1-" + maxCh + " of {name, pin}");
  } else {
    var before = e.length;
    for (i = 0; i < raw.length; i++) checkChannel(e, i, raw[i], profile, channels);
    chOk = e.length === before;
  }
  var nch = channels.length;

  var rate = int(e, c, "sampleRateHz", 1, 100000, 100);
  var perTick = int(e, c, "samplesPerTick", 1, MAX_SAMPLES_PER_TICK, 1);
  var strategy = pick(e, c, "strategy", STRATEGY_CHOICES, "auto");
  var sampler = "";
  var sts = profile.strategies;
  if (strategy !== "" && strategy !== "auto" && !sts[strategy]) {
    var sup: string[] = [];
    for (var key in sts) sup.push(key);
    need(e, "strategy", strategy, sup.join("|") + " on " + profile.name);
  } else if (strategy !== "" && rate > 0 && perTick > 0 && nch > 0) {
    var total = rate * nch;
    if (strategy === "auto") {
      for (i = 0; i < profile.autoOrder.length; i++) {
        var name = profile.autoOrder[i];
        if (sampler === "" && fits(sts[name], name, rate, nch, perTick)) sampler = name;
      }
      if (sampler === "") e.push("sampleRateHz: " + total + " samples/s at " + perTick + " per tick fits no strategy on " + profile.name);
    } else {
      var l = sts[strategy];
      var t = tickUs(strategy, rate, perTick);
      if (total > l.maxRateHz) e.push("sampleRateHz: " + total + " samples/s, " + strategy + " max " + l.maxRateHz);
      else if (t < l.minTickUs) e.push("samplesPerTick: tick " + Math.floor(t) + " us, " + strategy + " min " + l.minTickUs);
      else sampler = strategy;
    }
  }

  var overflow = pick(e, c, "overflow", OVERFLOW_CHOICES, "overwrite-oldest");
  var windowSeconds = int(e, c, "windowSeconds", 1, 3600, 10);

  var buckets = defaultBuckets();
  var b = c.buckets as unknown[];
  if (b !== undefined) {
    if (!Array.isArray(b) || b.length < 1 || b.length > MAX_BUCKETS) {
      need(e, "buckets", Array.isArray(b) ? b.length : b, "1-" + MAX_BUCKETS + " bounds");
    } else {
      var bOk = true;
      for (i = 0; i < b.length; i++) {
        if (!isNumber(b[i]) || (i > 0 && isNumber(b[i - 1]) && !((b[i] as number) > (b[i - 1] as number)))) {
          need(e, "buckets[" + i + "]", b[i], "a number above the previous");
          bOk = false;
        }
      }
      if (bOk) buckets = b as number[];
    }
  }

  var ringCapacity = 0;
  if (c.ringCapacity !== undefined) {
    ringCapacity = int(e, c, "ringCapacity", 1, MAX_SEGMENT * maxCh, 0);
  } else if (nch > 0) {
    var per = Math.ceil(2 * rate);
    ringCapacity = nch * (per < 16 ? 16 : per > 4096 ? 4096 : per);
  }
  var jsVars = 0;
  if (ringCapacity > 0 && chOk && nch > 0) {
    var seg = Math.floor(ringCapacity / nch);
    if (seg < perTick || seg > MAX_SEGMENT) {
      e.push("ringCapacity: " + seg + " per channel, need samplesPerTick-" + MAX_SEGMENT);
    } else {
      jsVars = estimateSamplingJsVars(nch, seg * nch, buckets.length, distinctConversions(channels), profile.jsVarBytes);
      var room = profile.jsVars - profile.reservedJsVars;
      if (jsVars > room) e.push("ringCapacity: " + ringCapacity + " slots need ~" + jsVars + " JsVars, room " + room);
    }
  }

  var port = int(e, c, "port", 1, 65535, 80);
  var device = label(e, c, "device", 1, profile.name);
  var location = label(e, c, "location", 0, "");
  var auth = c.auth;
  if (auth === undefined) auth = false;
  else if (typeof auth !== "boolean") need(e, "auth", auth, "true|false");
  var telnet = c.telnet;
  if (telnet === undefined) telnet = false;
  else if (typeof telnet !== "boolean") need(e, "telnet", telnet, "true|false");
  var exposition = pick(e, c, "exposition", EXPOSITION_CHOICES, "auto");
  var push = checkPush(e, c.push, device);

  if (e.length > 0) return { config: null, errors: e, jsVars: jsVars };
  return {
    config: {
      schema: 1,
      channels: channels,
      sampleRateHz: rate,
      strategy: strategy,
      sampler: sampler,
      samplesPerTick: perTick,
      ringCapacity: ringCapacity,
      overflow: overflow,
      windowSeconds: windowSeconds,
      buckets: buckets,
      port: port,
      device: device,
      location: location,
      auth: auth as boolean,
      telnet: telnet as boolean,
      exposition: exposition,
      push: push
    },
    errors: e,
    jsVars: jsVars
  };
}
