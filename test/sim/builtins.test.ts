// The device realm lacks every built-in Espruino lacks (docs/espruino-platform.md §3), has no Node
// globals, and has exactly Espruino's globals where Node would have its own.
import { describe, it, expect, afterEach } from "vitest";
import { SimDevice } from "../../host-sim/index.mjs";
import { codeDevice } from "./helpers.js";

const devices: SimDevice[] = [];
function dev(): SimDevice {
  const d = codeDevice("var loaded = 1;");
  devices.push(d);
  return d;
}
afterEach(async () => {
  while (devices.length) await (devices.pop() as SimDevice).stop();
});

/** Globals whose use must throw a ReferenceError-like error: [name, code using it]. */
const MISSING_GLOBAL_USES: Array<[string, string]> = [
  ["Map", "new Map()"],
  ["Set", "new Set()"],
  ["WeakMap", "new WeakMap()"],
  ["WeakSet", "new WeakSet()"],
  ["Symbol", "Symbol('x')"],
  ["Proxy", "new Proxy({}, {})"],
  ["Reflect", "Reflect.ownKeys({})"],
  ["BigInt", "BigInt(1)"],
  ["RangeError", "new RangeError('x')"],
  ["queueMicrotask", "queueMicrotask(function(){})"],
  ["setImmediate", "setImmediate(function(){})"],
  ["TextEncoder", "new TextEncoder()"],
  ["TextDecoder", "new TextDecoder()"],
  ["encodeURI", "encodeURI('a b')"],
  ["decodeURI", "decodeURI('a%20b')"],
  ["Buffer", "Buffer.from('x')"],
  ["module", "module.exports"],
  ["exports", "exports.x"],
];

/** Methods/properties that must be undefined: [expression evaluating to the member]. */
const MISSING_MEMBERS: string[] = [
  "Array.from", "Array.of",
  "[].lastIndexOf", "[].reduceRight", "[].flat", "[].flatMap", "[].at", "[].keys", "[].values", "[].entries",
  "[].findLast", "[].copyWithin",
  "Object.freeze", "Object.seal", "Object.is", "Object.hasOwn",
  "Number.isNaN", "Number.isFinite", "Number.isInteger", "Number.parseFloat", "Number.parseInt", "Number.EPSILON",
  "Number.MAX_SAFE_INTEGER",
  "Math.trunc", "Math.log10", "Math.log2", "Math.fround", "Math.hypot", "Math.cbrt", "Math.clz32", "Math.imul",
  "Math.sinh", "Math.cosh", "Math.tanh", "Math.asinh", "Math.acosh", "Math.atanh",
  "(1).toPrecision", "(1).toExponential", "(1).toLocaleString",
  "'a'.trimStart", "'a'.trimEnd", "'a'.codePointAt", "'a'.search", "'a'.matchAll", "'a'.localeCompare",
  "Promise.race", "Promise.allSettled", "Promise.any", "Promise.resolve(1).finally",
  "Date.UTC",
  "process.exit",
];

describe("missing built-ins throw or are undefined, as on the board", () => {
  it.each(MISSING_GLOBAL_USES)("%s is not defined", (name, use) => {
    const d = dev();
    expect(d.evaluate("typeof " + name)).toBe("undefined");
    let err: unknown;
    try {
      d.evaluate(use);
    } catch (e) {
      err = e;
    }
    expect(err, use + " should throw").toBeDefined();
    expect(String((err as Error).message)).toMatch(new RegExp(name + " is not defined"));
  });

  it.each(MISSING_MEMBERS)("%s is undefined", (expr) => {
    const d = dev();
    expect(d.evaluate("typeof " + expr)).toBe("undefined");
  });

  it("calling a missing method throws (e.g. [].at(0), 'a'.trimEnd())", () => {
    const d = dev();
    expect(() => d.evaluate("[1].at(0)")).toThrow();
    expect(() => d.evaluate("'a '.trimEnd()")).toThrow();
    expect(() => d.evaluate("Math.trunc(1.5)")).toThrow();
  });

  it("removing members only affects the device realm, not Node", () => {
    dev();
    expect(typeof [].at).toBe("function");
    expect(typeof Math.trunc).toBe("function");
    expect(typeof Object.freeze).toBe("function");
  });

  it("what Espruino has still works (ES5 core, Promise.all, typed arrays, JSON, for-of)", () => {
    const d = dev();
    expect(d.evaluate("[3,1,2].map(function(x){return x*2}).join(',')")).toBe("6,2,4");
    expect(d.evaluate("typeof Promise.all + typeof Uint16Array + typeof JSON.stringify")).toBe("functionfunctionfunction");
    expect(d.evaluate("var s=0; for (var x of [1,2,3]) s+=x; s")).toBe(6);
    expect(d.evaluate("btoa('hi') + atob('aGk=')")).toBe("aGk=hi");
    expect(d.evaluate("encodeURIComponent('a b')")).toBe("a%20b");
  });
});

describe("globals are Espruino's, not Node's", () => {
  it("console, timers, process and global are the device's own", () => {
    const d = dev();
    d.evaluate("console.log('hello', 1, {a:2})");
    expect(d.console).toContain('hello 1 {"a":2}');
    expect(d.evaluate("global === this && typeof global.getTime")).toBe("function");
    expect(d.evaluate("process.env.VERSION + ' ' + process.env.BOARD + ' ' + process.version")).toBe("2v29 ESP32 2v29");
    expect(d.evaluate("typeof process.exit + typeof process.nextTick + typeof process.argv")).toBe("undefinedundefinedundefined");
    expect(d.evaluate("setTimeout === globalThis.setTimeout && typeof setTimeout(function(){}, 10)")).toBe("number");
    expect(d.evaluate("typeof require('http').createServer")).toBe("function");
    expect(() => d.evaluate("require('fs')")).toThrow(/Module fs not found/);
  });

  it("process.memory() has Espruino's fields from the board's JsVar budget", () => {
    const d = dev();
    const m = d.evaluate("process.memory()") as Record<string, number>;
    expect(Object.keys(m).sort()).toEqual(["blocksize", "free", "gc", "gctime", "history", "total", "usage"]);
    expect(m.total).toBe(16383);
    expect(m.free + m.usage).toBe(16383);
  });

  it("uncaught errors at load are printed like Espruino, not thrown into the test", async () => {
    const d = codeDevice("var a = 1;\nthrow new Error('bad thing');");
    devices.push(d);
    await d.boot();
    expect(d.console).toContain("Uncaught Error: bad thing");
    expect(d.errors.length).toBe(1);
  });

  it("throwErrors: true rejects boot() with the device error", async () => {
    const d = codeDevice("throw new Error('loud');", { throwErrors: true });
    devices.push(d);
    await expect(d.boot()).rejects.toThrow("loud");
  });

  it("E.on('init') handlers and onInit() run after the code loads", async () => {
    const d = codeDevice("E.on('init', function(){ console.log('init') }); function onInit(){ console.log('onInit') } console.log('code');");
    devices.push(d);
    await d.boot();
    expect(d.console).toEqual(["code", "init", "onInit"]);
  });
});

describe("Storage", () => {
  it("is seeded before the bundle runs; read/readJSON/write/writeJSON/list/erase", async () => {
    const d = codeDevice("var S = require('Storage'); var cfg = S.readJSON('cfg.json', true);", {
      storage: { "cfg.json": { port: 81 }, "note.txt": "hello", "bad.json": "{oops" },
    });
    devices.push(d);
    await d.boot();
    expect(d.evaluate("cfg.port")).toBe(81);
    expect(d.evaluate("S.read('note.txt')")).toBe("hello");
    expect(d.evaluate("S.read('missing')")).toBeUndefined();
    expect(d.evaluate("S.readJSON('missing', true)")).toBeUndefined();
    expect(d.evaluate("S.readJSON('bad.json', true)")).toBeUndefined();
    expect(() => d.evaluate("S.readJSON('bad.json')")).toThrow();
    expect(d.evaluate("S.write('a', 'xyz') && S.read('a')")).toBe("xyz");
    expect(d.evaluate("S.write('b', 'AB', 0, 4); S.write('b', 'CD', 2); S.read('b')")).toBe("ABCD");
    // offset 0 starts a new file: a re-provisioned file of another size replaces the old one (chunked uploads)
    expect(d.evaluate("S.write('b2', 'XYZ', 0, 6); S.write('b2', 'UVW', 3); S.read('b2')")).toBe("XYZUVW");
    expect(d.evaluate("S.write('b2', 'Q', 0, 2); S.write('b2', 'R', 1); S.read('b2')")).toBe("QR");
    expect(d.evaluate("S.writeJSON('j', {x:[1,2]}); S.readJSON('j').x[1]")).toBe(2);
    expect(d.evaluate("S.list().sort().join(',')")).toBe("a,b,b2,bad.json,cfg.json,j,note.txt");
    expect(d.evaluate("typeof S.list().at")).toBe("undefined");
    expect(d.evaluate("S.erase('a'); S.read('a')")).toBeUndefined();
    expect(() => d.evaluate("S.write('" + "x".repeat(29) + "', '1')")).toThrow(/too long/);
    expect(d.storage.readFile("b")).toBe("ABCD");
  });
});

describe("analogRead", () => {
  it("returns raw/4096 quantised to 12 bits from pluggable signals; NaN off the ADC pins", async () => {
    const { signals } = await import("../../host-sim/index.mjs");
    const d = codeDevice("", {
      signals: { D32: signals.constant(1.8), 33: signals.constant(4095, { unit: "raw" }), D34: (t: number) => t, D35: 99 },
    });
    devices.push(d);
    expect(d.evaluate("analogRead(D32)")).toBe(2048 / 4096);
    expect(d.evaluate("analogRead('D32')")).toBe(2048 / 4096);
    expect(d.evaluate("analogRead(32)")).toBe(2048 / 4096);
    expect(d.evaluate("analogRead(D33)")).toBe(4095 / 4096);
    expect(d.evaluate("analogRead(D35)")).toBe(4095 / 4096); // clamped
    expect(d.evaluate("analogRead(D34)")).toBe(0);
    d.advance(1000);
    expect(d.evaluate("analogRead(D34)")).toBe(Math.round((1 / 3.6) * 4096) / 4096);
    expect(Number.isNaN(d.evaluate("analogRead(D2)"))).toBe(true);
    expect(Number.isNaN(d.evaluate("analogRead(D25)"))).toBe(true);
    expect(d.evaluate("String(D32)")).toBe("D32");
  });
});

describe("String indexOf/includes as Espruino 2v29 does them (docs/real-interpreter.md)", () => {
  // each figure read on the real interpreter (espruino-16383): a needle that runs past the end matches
  const measured: Array<[string, unknown]> = [
    ['",a,b,".indexOf(",c,")', 4],
    ['"abc".indexOf("cd")', 2],
    ['"abc".indexOf("x")', -1],
    ['"abc".indexOf("bcd")', 1],
    ['"abcd".indexOf("cx")', -1],
    ['"ab,".indexOf(",z")', 2],
    ['"abc".indexOf("cd", 1)', 2],
    ['"abc".indexOf("", 1)', 1],
    ['"abc".indexOf("")', 0],
    ['"abc".indexOf("c", 3)', -1],
    ['"abc".includes("cd")', true],
    ['"abc".lastIndexOf("cd")', -1],
    ['"abc".startsWith("abcd")', false],
  ];
  for (const [expr, want] of measured) {
    it(expr + " is " + JSON.stringify(want), () => {
      expect(dev().evaluate(expr)).toBe(want);
    });
  }

  it("agrees with the interpreter's character loop (jsvStringFind-like) on 3 000 random haystacks, needles and starts", () => {
    // the interpreter's rule, written the slow way: at each start, compare until a mismatch or the haystack's end
    const reference = (h: string, n: string, from: number) => {
      let p = Math.max(0, from);
      if (n.length === 0) return p < h.length ? p : h.length;
      for (; p < h.length; p++) {
        let k = 0;
        while (k < n.length && p + k < h.length && h.charCodeAt(p + k) === n.charCodeAt(k)) k++;
        if (k === n.length || (k > 0 && p + k === h.length)) return p;
      }
      return -1;
    };
    let seed = 12345;
    const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % k);
    const word = (max: number) => Array.from({ length: rnd(max + 1) }, () => "ab,"[rnd(3)]).join("");
    const cases = Array.from({ length: 3000 }, () => [word(9), word(4), rnd(12) - 2] as const);
    const d = dev();
    const got = d.evaluate("(function(c){return c.map(function(x){return x[0].indexOf(x[1], x[2]);});})") as (c: unknown) => number[];
    expect(got(cases)).toEqual(cases.map(([h, n, f]) => reference(h, n, f)));
  });
});
