// The device config (JSON the user writes), validated on the host against the board profile before anything is
// written to a device (config/device-file.ts). validateDeviceConfig returns every error found, each naming the
// field and the offending value, and a config with all defaults filled in. ES5 on purpose: the sampling fixtures
// of the tests and the bench run it on the device model.
// Details: docs/host-tools.md "config/device-config.ts".

import type { BoardProfile, StrategyLimits } from "./board-profile.js";
import { show, showUrl, isObject, isNumber, isIntIn, isIdent, isWord, isLabelText, isLabelName, isPrintable, indexOfString, joinList, isUrlName, parsePushUrl } from "./check.js";

export var CONFIG_FIELDS = [
  "schema", "channels", "sampleRateHz", "strategy", "samplesPerTick", "ringCapacity", "overflow",
  "windowSeconds", "buckets", "port", "device", "location", "auth", "telnet", "exposition", "push", "labels"
];
/**
 * Label names a constant label cannot take: Prometheus's own (le, quantile, and the job/instance a scrape adds),
 * the Pushgateway grouping key (job, device), and every label name the firmware's families use.
 */
export var RESERVED_LABELS = [
  "le", "quantile", "job", "instance", "device", "location", "channel", "code", "collector", "flag", "metric",
  "result", "state", "version", "board"
];
export var MAX_CONST_LABELS = 8;
export var PUSH_FIELDS = ["url", "intervalSeconds", "job"];
export var PUSH_MIN_SECONDS = 5;
export var PUSH_MAX_SECONDS = 86400;
export var CHANNEL_FIELDS = ["name", "pin", "attenuationMv", "scale", "offset", "unit", "calibrate"];
/** Most calibration points per channel. */
export var MAX_CALIBRATION_POINTS = 16;
export var STRATEGY_CHOICES = ["auto", "waveform", "timer", "interval"];
export var OVERFLOW_CHOICES = ["overwrite-oldest", "refuse-newest"];
export var EXPOSITION_CHOICES = ["auto", "text"];
/** Largest segment per channel: keeps one drain's code sum below 2^28 (see aggregator.ts). */
export var MAX_SEGMENT = 65535;
export var MAX_BUCKETS = 32;
export var MAX_SAMPLES_PER_TICK = 64;

export interface ChannelConfig {
  name: string;
  pin: string;
  attenuationMv: number;
  scale: number;
  offset: number;
  unit: string;
}

export interface DeviceConfig {
  schema: number;
  channels: ChannelConfig[];
  sampleRateHz: number;
  /** As configured ("auto" allowed). */
  strategy: string;
  /** The strategy that will run ("auto" resolved). */
  sampler: string;
  samplesPerTick: number;
  ringCapacity: number;
  overflow: string;
  windowSeconds: number;
  buckets: number[];
  port: number;
  device: string;
  location: string;
  auth: boolean;
  /** keep the board's Telnet console on after boot (default false: off) */
  telnet: boolean;
  exposition: string;
  /** null: push mode off */
  push: PushConfig | null;
  /** constant labels as configured */
  labels: { [name: string]: string };
  /** the same rendered once for the device, `a="x",b="y"` (values escaped), "" when none */
  labelPairs: string;
}

/** Push mode: PUT the text exposition to a Pushgateway every intervalSeconds. */
export interface PushConfig {
  /** as configured */
  url: string;
  host: string;
  port: number;
  /** the whole request path: <url path>/metrics/job/<job>/device/<device> */
  path: string;
  intervalSeconds: number;
  job: string;
}

/** The grouping-key path of a push (names already checked URL-safe). */
export function pushPath(base: string, job: string, device: string): string {
  return base + "/metrics/job/" + job + "/device/" + device;
}

export interface ConfigResult {
  config: DeviceConfig | null;
  errors: string[];
  /** Estimated JsVars of the sampling state (0 when the config was too broken to estimate). */
  jsVars: number;
}

/** JsVars of a typed array of `bytes` bytes (see estimateSamplingJsVars). */
export function typedArrayJsVars(bytes: number, jsVarBytes: number): number {
  return Math.ceil((2 * bytes) / (2 * jsVarBytes - 1)) + 4;
}

/**
 * Estimated JsVars of the sampling state for `nch` channels, `capacity` ring slots and `nb` buckets, with JsVars
 * of `jsVarBytes` bytes (docs/espruino-platform.md §5: Uint16Array(1000) ~ 146 JsVars and Float64Array(1000) ~ 590
 * at 14 bytes; the formula ceil(2 bytes / (2 B - 1)) + 4 is at or above both):
 *   ring:       readings Float32[capacity] + 5 Float64[nch]
 *   aggregator: scratch Float32[min(capacity / nch, 64)] + cuts Int32[nch nb] + 8 Float64[nch] + 4 Uint16[nch] + Int16[nch]
 *               + Float64[nb] bounds + Float64[nch (nb+1)] histogram
 *   objects:    250 (ring, aggregator, tick clock: ~2 JsVars per property) + 25 per channel
 *               (config object, name/pin/unit strings)
 */
export function estimateSamplingJsVars(nch: number, capacity: number, nb: number, jsVarBytes: number): number {
  var B = jsVarBytes;
  var f64 = typedArrayJsVars(8 * nch, B);
  var u16 = typedArrayJsVars(2 * nch, B);
  var hist = typedArrayJsVars(8 * nch * (nb + 1), B);
  var ring = typedArrayJsVars(4 * capacity, B) + 5 * f64;
  var agg = typedArrayJsVars(4 * Math.min(Math.ceil(capacity / nch), 64), B) + typedArrayJsVars(4 * nch * nb, B) + 8 * f64 + 5 * u16 + typedArrayJsVars(8 * nb, B) + hist;
  return ring + agg + 250 + 25 * nch;
}

export function defaultBuckets(): number[] {
  // k/4 volts: computed, not written as decimal literals (docs/espruino-platform.md §2 on decimal parsing).
  var q = [1, 2, 4, 6, 8, 10, 12];
  var out: number[] = [];
  for (var i = 0; i < q.length; i++) out.push(q[i] / 4);
  return out;
}

function checkUnknown(errors: string[], prefix: string, obj: object, known: string[]): void {
  for (var k in obj) {
    if (indexOfString(known, k) < 0) errors.push(prefix + k + ": unknown field");
  }
}

/**
 * ADC calibration as ESPHome's calibrate_linear: points [ADC volts (what the channel reads without scale and
 * offset), true value]; the least-squares line through them becomes the channel's scale and offset, so it costs
 * nothing on the device (the conversion table is built from them as from any scale and offset).
 */
function calibrate(errors: string[], p: string, v: unknown, ch: ChannelConfig): void {
  var need = "need 2-" + MAX_CALIBRATION_POINTS + " points [ADC volts, true value], e.g. [[0.1, 0.0], [3.0, 12.0]]";
  if (!Array.isArray(v) || v.length < 2 || v.length > MAX_CALIBRATION_POINTS) {
    errors.push(p + ": " + need + ", got " + (Array.isArray(v) ? v.length + " points" : show(v)));
    return;
  }
  var n = v.length;
  var sx = 0;
  var sy = 0;
  var i: number;
  for (i = 0; i < n; i++) {
    var pt = v[i] as unknown[];
    if (!Array.isArray(pt) || pt.length !== 2 || !isNumber(pt[0]) || !isNumber(pt[1])) {
      errors.push(p + "[" + i + "]: must be [ADC volts, true value] (two finite numbers), got " + show(pt));
      return;
    }
    sx += pt[0] as number;
    sy += pt[1] as number;
  }
  var mx = sx / n;
  var my = sy / n;
  var sxx = 0;
  var sxy = 0;
  for (i = 0; i < n; i++) {
    var dx = ((v[i] as number[])[0]) - mx;
    sxx += dx * dx;
    sxy += dx * ((v[i] as number[])[1] - my);
  }
  if (!(sxx > 0)) {
    errors.push(p + ": every point has the same ADC volts, so no line fits them");
    return;
  }
  var a = sxy / sxx;
  if (!(a !== 0) || !isNumber(a)) {
    errors.push(p + ": the fitted line is flat (the true value does not change with the reading)");
    return;
  }
  ch.scale = a;
  ch.offset = my - a * mx;
}

function checkChannel(errors: string[], i: number, input: unknown, profile: BoardProfile, out: ChannelConfig[]): void {
  var p = "channels[" + i + "]";
  if (!isObject(input)) {
    errors.push(p + ": must be an object with name and pin, got " + show(input));
    return;
  }
  var c = input as { [k: string]: unknown };
  checkUnknown(errors, p + ".", c, CHANNEL_FIELDS);
  var adc = profile.adc;
  var ch: ChannelConfig = { name: "", pin: "", attenuationMv: adc.defaultFullScaleMv, scale: 1, offset: 0, unit: "volts" };
  var j: number;
  if (typeof c.name !== "string" || !isIdent(c.name, 32, 95)) {
    errors.push(p + ".name: " + show(c.name) + " must be 1-32 characters a-z, 0-9, _ starting with a letter");
  } else {
    ch.name = c.name;
    for (j = 0; j < out.length; j++) if (out[j].name === c.name) errors.push(p + ".name: " + c.name + " is already used by channels[" + j + "]");
  }
  if (typeof c.pin !== "string" || c.pin.length < 1) {
    errors.push(p + ".pin: must be a pin name like " + adc.pinNames[0] + ", got " + show(c.pin));
  } else if (indexOfString(adc.pinNames, c.pin) < 0) {
    errors.push(p + ".pin: " + c.pin + " is not an " + adc.pinKind + " pin on " + profile.name + " (" + adc.pinHint + ")");
  } else {
    ch.pin = c.pin;
    for (j = 0; j < out.length; j++) if (out[j].pin === c.pin) errors.push(p + ".pin: " + c.pin + " is already used by channels[" + j + "]");
  }
  if (c.attenuationMv !== undefined) {
    var okAtt = false;
    for (j = 0; j < adc.fullScaleMv.length; j++) if (adc.fullScaleMv[j] === c.attenuationMv) okAtt = true;
    if (!okAtt) {
      errors.push(p + ".attenuationMv: " + show(c.attenuationMv) + " is not one of " + joinList(adc.fullScaleMv) + " (full-scale mV) on " + profile.name);
    } else ch.attenuationMv = c.attenuationMv as number;
  }
  if (c.scale !== undefined) {
    if (!isNumber(c.scale) || c.scale === 0) errors.push(p + ".scale: must be a finite non-zero number, got " + show(c.scale));
    else ch.scale = c.scale as number;
  }
  if (c.offset !== undefined) {
    if (!isNumber(c.offset)) errors.push(p + ".offset: must be a finite number, got " + show(c.offset));
    else ch.offset = c.offset as number;
  }
  if (c.unit !== undefined) {
    if (typeof c.unit !== "string" || !isWord(c.unit, 16)) errors.push(p + ".unit: " + show(c.unit) + " must be 1-16 characters a-z, A-Z, 0-9, _");
    else ch.unit = c.unit;
  }
  if (c.calibrate !== undefined) {
    if (c.scale !== undefined || c.offset !== undefined) errors.push(p + ": calibrate replaces scale and offset; give one or the other");
    else calibrate(errors, p + ".calibrate", c.calibrate, ch);
  }
  out.push(ch);
}

export function tickUs(strategy: string, rate: number, perTick: number): number {
  return strategy === "waveform" ? 1000000 / rate : (1000000 * perTick) / rate;
}

export function fits(lim: StrategyLimits, strategy: string, rate: number, nch: number, perTick: number): boolean {
  return rate * nch <= lim.maxRateHz && tickUs(strategy, rate, perTick) >= lim.minTickUs;
}

/**
 * Validates `input` (parsed JSON) against a validated board profile. Returns all errors; `config`
 * (defaults filled in, strategy resolved) is null unless there are none.
 */
export function validateDeviceConfig(input: unknown, profile: BoardProfile): ConfigResult {
  var errors: string[] = [];
  if (!isObject(input)) return { config: null, errors: ["config: must be a JSON object, got " + show(input)], jsVars: 0 };
  var c = input as { [k: string]: unknown };
  var i: number;
  checkUnknown(errors, "", c, CONFIG_FIELDS);
  if (c.schema !== 1) errors.push("schema: must be 1, got " + show(c.schema));

  var channels: ChannelConfig[] = [];
  var chOk = false;
  var maxCh = profile.adc.pinNames.length;
  if (!Array.isArray(c.channels) || c.channels.length < 1) {
    errors.push("channels: must be a non-empty array of {name, pin}, got " + show(c.channels));
  } else if (c.channels.length > maxCh) {
    errors.push("channels: " + c.channels.length + " channels but " + profile.name + " has " + maxCh + " " + profile.adc.pinKind + " pins");
  } else {
    var before = errors.length;
    for (i = 0; i < c.channels.length; i++) checkChannel(errors, i, c.channels[i], profile, channels);
    chOk = errors.length === before;
  }
  var nch = channels.length;

  var rate = 100;
  var rateOk = true;
  if (c.sampleRateHz !== undefined) {
    if (!isIntIn(c.sampleRateHz, 1, 100000)) {
      errors.push("sampleRateHz: must be an integer from 1 to 100000, got " + show(c.sampleRateHz));
      rateOk = false;
    } else rate = c.sampleRateHz as number;
  }

  var perTick = 1;
  var perTickOk = true;
  if (c.samplesPerTick !== undefined) {
    if (!isIntIn(c.samplesPerTick, 1, MAX_SAMPLES_PER_TICK)) {
      errors.push("samplesPerTick: must be an integer from 1 to " + MAX_SAMPLES_PER_TICK + ", got " + show(c.samplesPerTick));
      perTickOk = false;
    } else perTick = c.samplesPerTick as number;
  }

  var strategy = "auto";
  var sampler = "";
  if (c.strategy !== undefined) {
    if (typeof c.strategy !== "string" || indexOfString(STRATEGY_CHOICES, c.strategy) < 0) {
      errors.push("strategy: " + show(c.strategy) + " is not one of " + STRATEGY_CHOICES.join(", "));
      strategy = "";
    } else strategy = c.strategy;
  }
  var supported: string[] = [];
  for (var key in profile.strategies) supported.push(key);
  if (strategy !== "" && strategy !== "auto" && !profile.strategies[strategy]) {
    errors.push('strategy: "' + strategy + '" is not supported on ' + profile.name + " (supported: " + supported.join(", ") + ")");
  } else if (strategy !== "" && rateOk && perTickOk && nch > 0) {
    var total = rate * nch;
    var head = "sampleRateHz: " + rate + " Hz x " + nch + " channel" + (nch > 1 ? "s" : "") + " = " + total + " samples/s";
    if (strategy === "auto") {
      var tried = "";
      for (i = 0; i < profile.autoOrder.length; i++) {
        var name = profile.autoOrder[i];
        var lim = profile.strategies[name];
        tried += (i > 0 ? ", " : "") + name + " " + lim.maxRateHz + "/s, tick >= " + lim.minTickUs + " us";
        if (sampler === "" && fits(lim, name, rate, nch, perTick)) sampler = name;
      }
      if (sampler === "") errors.push(head + " at " + perTick + " per tick fits no automatic strategy on " + profile.name + " (" + tried + ")");
    } else {
      var l = profile.strategies[strategy];
      var t = tickUs(strategy, rate, perTick);
      if (total > l.maxRateHz) {
        errors.push(head + ' exceeds the ' + l.maxRateHz + ' of strategy "' + strategy + '" on ' + profile.name);
      } else if (t < l.minTickUs) {
        errors.push("samplesPerTick: " + perTick + " per tick at " + rate + " Hz is a tick every " + Math.floor(t) + ' us, shorter than the ' + l.minTickUs + ' us minimum of "' + strategy + '" on ' + profile.name);
      } else sampler = strategy;
    }
  }

  var overflow = "overwrite-oldest";
  if (c.overflow !== undefined) {
    if (typeof c.overflow !== "string" || indexOfString(OVERFLOW_CHOICES, c.overflow) < 0) {
      errors.push("overflow: " + show(c.overflow) + " is not one of " + OVERFLOW_CHOICES.join(", "));
    } else overflow = c.overflow;
  }

  var windowSeconds = 10;
  if (c.windowSeconds !== undefined) {
    if (!isIntIn(c.windowSeconds, 1, 3600)) errors.push("windowSeconds: must be an integer from 1 to 3600, got " + show(c.windowSeconds));
    else windowSeconds = c.windowSeconds as number;
  }

  var buckets = defaultBuckets();
  if (c.buckets !== undefined) {
    if (!Array.isArray(c.buckets) || c.buckets.length < 1 || c.buckets.length > MAX_BUCKETS) {
      errors.push("buckets: must be an array of 1 to " + MAX_BUCKETS + " upper bounds, got " + (Array.isArray(c.buckets) ? c.buckets.length + " bounds" : show(c.buckets)));
    } else {
      var b = c.buckets as unknown[];
      var bOk = true;
      for (i = 0; i < b.length; i++) {
        if (!isNumber(b[i])) {
          errors.push("buckets[" + i + "]: must be a finite number, got " + show(b[i]));
          bOk = false;
        } else if (i > 0 && isNumber(b[i - 1]) && !((b[i] as number) > (b[i - 1] as number))) {
          errors.push("buckets[" + i + "]: " + b[i] + " is not greater than buckets[" + (i - 1) + "] (" + b[i - 1] + ")");
          bOk = false;
        }
      }
      if (bOk) buckets = b as number[];
    }
  }

  var ringCapacity = 0;
  var ringOk = false;
  if (c.ringCapacity !== undefined) {
    if (!isIntIn(c.ringCapacity, 1, MAX_SEGMENT * maxCh)) {
      errors.push("ringCapacity: must be an integer from 1 to " + MAX_SEGMENT * maxCh + ", got " + show(c.ringCapacity));
    } else {
      ringCapacity = c.ringCapacity as number;
      ringOk = true;
    }
  } else if (nch > 0) {
    var per = Math.ceil(2 * rate);
    ringCapacity = nch * (per < 16 ? 16 : per > 4096 ? 4096 : per);
    ringOk = true;
  }
  var jsVars = 0;
  if (ringOk && chOk && nch > 0) {
    var seg = Math.floor(ringCapacity / nch);
    var chText = nch + " channel" + (nch > 1 ? "s" : "");
    if (seg < perTick) {
      errors.push("ringCapacity: " + ringCapacity + " slots for " + chText + " leaves " + seg + " per channel, fewer than samplesPerTick (" + perTick + ")");
    } else if (seg > MAX_SEGMENT) {
      errors.push("ringCapacity: " + ringCapacity + " slots for " + chText + " is " + seg + " per channel, more than " + MAX_SEGMENT);
    } else {
      jsVars = estimateSamplingJsVars(nch, seg * nch, buckets.length, profile.jsVarBytes);
      var room = profile.jsVars - profile.reservedJsVars;
      if (jsVars > room) {
        errors.push(
          "ringCapacity: " + ringCapacity + " slots need about " + jsVars + " JsVars of sampling state, more than the " + room + " " + profile.name +
            " leaves for it (" + profile.jsVars + " JsVars - " + profile.reservedJsVars + " reserved)"
        );
      }
    }
  }

  var port = 80;
  if (c.port !== undefined) {
    if (!isIntIn(c.port, 1, 65535)) errors.push("port: must be an integer from 1 to 65535, got " + show(c.port));
    else port = c.port as number;
  }
  var device = profile.name;
  if (c.device !== undefined) {
    if (typeof c.device !== "string" || !isLabelText(c.device, 1, 64)) errors.push("device: " + show(c.device) + ' must be 1-64 printable ASCII characters without " or \\');
    else device = c.device;
  }
  var location = "";
  if (c.location !== undefined) {
    if (typeof c.location !== "string" || !isLabelText(c.location, 0, 64)) errors.push("location: " + show(c.location) + ' must be 0-64 printable ASCII characters without " or \\');
    else location = c.location;
  }
  var auth = false;
  if (c.auth !== undefined) {
    if (typeof c.auth !== "boolean") errors.push("auth: must be true or false, got " + show(c.auth));
    else auth = c.auth;
  }
  var telnet = false;
  if (c.telnet !== undefined) {
    if (typeof c.telnet !== "boolean") errors.push("telnet: must be true or false, got " + show(c.telnet));
    else telnet = c.telnet;
  }
  var exposition = "auto";
  if (c.exposition !== undefined) {
    if (typeof c.exposition !== "string" || indexOfString(EXPOSITION_CHOICES, c.exposition) < 0) {
      errors.push("exposition: " + show(c.exposition) + " is not one of " + EXPOSITION_CHOICES.join(", "));
    } else exposition = c.exposition;
  }

  var push: PushConfig | null = null;
  if (c.push !== undefined) {
    var pv = c.push as { [k: string]: unknown };
    if (!isObject(pv)) errors.push("push: must be an object {url, intervalSeconds, job}, got " + show(pv));
    else {
      checkUnknown(errors, "push.", pv, PUSH_FIELDS);
      var pu = parsePushUrl(pv.url);
      if (!pu) errors.push("push.url: " + showUrl(pv.url) + " must be http://host[:port][/path] (host a-z, 0-9, . and -; no https, user, query or fragment; credentials go in pushToken)");
      var iv = 60;
      if (pv.intervalSeconds !== undefined) {
        if (!isIntIn(pv.intervalSeconds, PUSH_MIN_SECONDS, PUSH_MAX_SECONDS)) {
          errors.push("push.intervalSeconds: must be an integer from " + PUSH_MIN_SECONDS + " to " + PUSH_MAX_SECONDS + ", got " + show(pv.intervalSeconds));
        } else iv = pv.intervalSeconds as number;
      }
      var job = "espruino";
      if (pv.job !== undefined) {
        if (!isUrlName(pv.job, 64)) errors.push("push.job: " + show(pv.job) + " must be 1-64 characters A-Z, a-z, 0-9, _, . or -");
        else job = pv.job as string;
      }
      if (!isUrlName(device, 64)) {
        errors.push("device: " + show(device) + " cannot be used in the push path /metrics/job/<job>/device/<device>: need 1-64 characters A-Z, a-z, 0-9, _, . or -");
      }
      if (pu) push = { url: pv.url as string, host: pu.host, port: pu.port, path: pushPath(pu.path, job, device), intervalSeconds: iv, job: job };
    }
  }

  var labels: { [name: string]: string } = {};
  var labelPairs = "";
  if (c.labels !== undefined) {
    var lv = c.labels as { [k: string]: unknown };
    if (!isObject(lv)) errors.push('labels: must be an object of label names and values, e.g. {"site": "lab"}, got ' + show(lv));
    else {
      var nl = 0;
      for (var lname in lv) {
        nl++;
        var val = lv[lname];
        if (!isLabelName(lname)) errors.push("labels." + lname + ": not a label name (a-z, A-Z, 0-9 and _, not starting with a digit or __)");
        else if (indexOfString(RESERVED_LABELS, lname) >= 0) errors.push("labels." + lname + ": reserved (used by Prometheus, the Pushgateway or the firmware's own series: " + RESERVED_LABELS.join(", ") + ")");
        else if (typeof val !== "string" || !isPrintable(val, 1, 64)) errors.push("labels." + lname + ": " + show(val) + " must be 1-64 printable ASCII characters");
        else {
          labels[lname] = val;
          labelPairs += (labelPairs ? "," : "") + lname + '="' + val.split("\\").join("\\\\").split('"').join('\\"') + '"';
        }
      }
      if (nl > MAX_CONST_LABELS) errors.push("labels: " + nl + " labels, at most " + MAX_CONST_LABELS + " (each is on every series)");
    }
  }
  // the rendered pairs are one string the device keeps
  if (labelPairs) jsVars += Math.ceil(labelPairs.length / 10) + 2;

  if (errors.length > 0) return { config: null, errors: errors, jsVars: jsVars };
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
      auth: auth,
      telnet: telnet,
      exposition: exposition,
      push: push,
      labels: labels,
      labelPairs: labelPairs
    },
    errors: errors,
    jsVars: jsVars
  };
}
