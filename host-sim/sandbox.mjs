// The device's JavaScript realm: a fresh node:vm context holding ONLY what Espruino has.
// V8 gives every context the full ES2023 library (and an inspector-only `console`); Node's own globals
// (setTimeout, process, Buffer, queueMicrotask, TextEncoder, ...) are never present in a vm context.
// Before any device code runs we delete what Espruino 2v29 lacks (docs/espruino-platform.md §3), so
// using it fails as on the board: a missing global is a ReferenceError, a missing method is undefined
// (calling it throws). Deleting on the context's own intrinsics does not touch Node's realm.
import vm from "node:vm";

/** Globals Espruino does not have (section 3, plus ES2015+ library objects the interpreter never had). */
export const MISSING_GLOBALS = [
  "Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt", "BigInt64Array", "BigUint64Array",
  "RangeError", "EvalError", "URIError", "AggregateError", "WeakRef", "FinalizationRegistry", "SharedArrayBuffer",
  "Atomics", "WebAssembly", "Intl", "queueMicrotask", "setImmediate", "clearImmediate", "TextEncoder",
  "TextDecoder", "encodeURI", "decodeURI", "structuredClone", "Iterator", "console",
];

/** Missing static and prototype members, as "Owner.member" / "Owner.prototype.member". */
export const MISSING_MEMBERS = [
  "Array.from", "Array.of",
  "Array.prototype.lastIndexOf", "Array.prototype.reduceRight", "Array.prototype.flat", "Array.prototype.flatMap",
  "Array.prototype.at", "Array.prototype.keys", "Array.prototype.values", "Array.prototype.entries",
  "Array.prototype.findLast", "Array.prototype.findLastIndex", "Array.prototype.copyWithin",
  "Array.prototype.toReversed", "Array.prototype.toSorted", "Array.prototype.toSpliced", "Array.prototype.with",
  "Object.freeze", "Object.seal", "Object.is", "Object.hasOwn",
  "Number.isNaN", "Number.isFinite", "Number.isInteger", "Number.parseFloat", "Number.parseInt", "Number.EPSILON",
  "Number.MAX_SAFE_INTEGER",
  "Math.trunc", "Math.log10", "Math.log2", "Math.fround", "Math.hypot", "Math.cbrt", "Math.clz32", "Math.imul",
  "Math.sinh", "Math.cosh", "Math.tanh", "Math.asinh", "Math.acosh", "Math.atanh",
  "Number.prototype.toPrecision", "Number.prototype.toExponential", "Number.prototype.toLocaleString",
  "Object.prototype.toLocaleString", "Array.prototype.toLocaleString", "Date.prototype.toLocaleString",
  "String.prototype.trimStart", "String.prototype.trimEnd", "String.prototype.trimLeft", "String.prototype.trimRight",
  "String.prototype.codePointAt", "String.prototype.search", "String.prototype.matchAll",
  "String.prototype.localeCompare",
  "Promise.race", "Promise.allSettled", "Promise.any", "Promise.prototype.finally",
  "Date.UTC",
];

/**
 * @typedef {object} Realm  intrinsics of one device context, captured before the clean-up
 * @property {vm.Context} context
 * @property {() => Record<string, any>} obj            a new plain object of the device realm
 * @property {(items?: unknown[]) => any[]} arr        a new Array of the device realm
 * @property {(msg: string, kind?: string) => Error} error  an Error (or ReferenceError/TypeError/
 *   InternalError-like Error) of the device realm
 * @property {(text: string) => unknown} parseJSON     the realm's JSON.parse (objects of the device realm)
 * @property {(value: unknown) => string | undefined} stringifyJSON
 * @property {(value: unknown) => unknown} fromHost    deep copy of JSON-like host data into the realm
 * @property {Function} ErrorCtor
 */

/**
 * Creates a context, captures its intrinsics and removes everything Espruino lacks.
 * @param {{name?: string}} [opts]
 * @returns {Realm}
 */
export function createRealm(opts) {
  const context = vm.createContext({}, { name: opts?.name ?? "espruino", codeGeneration: { strings: true, wasm: false } });
  const intr = vm.runInContext(
    `({ Object: Object, Array: Array, Error: Error, ReferenceError: ReferenceError, TypeError: TypeError,
        parse: JSON.parse, stringify: JSON.stringify, push: Array.prototype.push })`,
    context
  );
  const remove = vm.runInContext(
    `(function (globals, members) {
       for (var i = 0; i < globals.length; i++) delete globalThis[globals[i]];
       for (var j = 0; j < members.length; j++) {
         var path = members[j].split("."), owner = globalThis;
         for (var k = 0; k < path.length - 1 && owner; k++) owner = owner[path[k]];
         if (owner) delete owner[path[path.length - 1]];
       }
       // Number.EPSILON and Number.MAX_SAFE_INTEGER are non-configurable in V8: swap in a Number function
       // that shares Number.prototype but only carries the statics Espruino has.
       var N = Number;
       function EspNumber(v) {
         var x = arguments.length ? +v : 0;
         return this instanceof EspNumber ? new N(x) : x;
       }
       EspNumber.prototype = N.prototype;
       N.prototype.constructor = EspNumber;
       var keep = ["MAX_VALUE", "MIN_VALUE", "NaN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY", "MIN_SAFE_INTEGER", "isSafeInteger"];
       for (var n = 0; n < keep.length; n++) if (keep[n] in N) EspNumber[keep[n]] = N[keep[n]];
       globalThis.Number = EspNumber;
       globalThis.global = globalThis; // Espruino's root scope is "global"
       // String indexOf/includes as Espruino 2v29 does them (measured on the real interpreter, docs/real-interpreter.md
       // "What it found that the simulator and the dialect gate did not"): a needle that runs past the end of the string matches when the string's tail
       // begins it ("abc".indexOf("cd") is 2, ",a,b,".indexOf(",c,") is 4); lastIndexOf is exact.
       var SP = String.prototype, nativeIndexOf = SP.indexOf, nativeStartsWith = SP.startsWith;
       // a whole match always lies before a tail match, so the native search first, then the tail
       function espIndexOf(s, from) {
         var h = String(this), n = String(s), p = from === undefined ? 0 : Math.floor(+from) || 0;
         if (p < 0) p = 0;
         if (n.length === 0) return p < h.length ? p : h.length;
         var q = nativeIndexOf.call(h, n, p);
         if (q >= 0) return q;
         for (var t = Math.max(p, h.length - n.length + 1); t < h.length; t++) if (nativeStartsWith.call(n, h.slice(t))) return t;
         return -1;
       }
       Object.defineProperty(SP, "indexOf", { value: espIndexOf, writable: true, configurable: true, enumerable: false });
       Object.defineProperty(SP, "includes", { value: function (s, from) { return espIndexOf.call(this, s, from) >= 0; }, writable: true, configurable: true, enumerable: false });
     })`,
    context
  );
  remove(MISSING_GLOBALS, MISSING_MEMBERS);
  const ErrorCtor = intr.Error;
  /** @type {Realm} */
  const realm = {
    context,
    obj: () => new intr.Object(),
    arr: (items) => {
      const a = new intr.Array();
      // the captured push: the device's may be wrapped by the cost model (host-sim/natives.mjs)
      if (items) for (const x of items) Reflect.apply(intr.push, a, [x]);
      return a;
    },
    error: (msg, kind) => {
      if (kind === "ReferenceError") return new intr.ReferenceError(msg);
      if (kind === "TypeError") return new intr.TypeError(msg);
      const e = new ErrorCtor(msg);
      if (kind === "InternalError") e.name = "InternalError";
      return e;
    },
    parseJSON: (text) => intr.parse(text),
    stringifyJSON: (v) => intr.stringify(v),
    fromHost: (v) => (v === undefined ? undefined : intr.parse(JSON.stringify(v))),
    ErrorCtor,
  };
  return realm;
}

/**
 * Defines globals in the context (writable, configurable, like Espruino's built-ins that code may replace).
 * @param {Realm} realm
 * @param {Record<string, unknown>} globals
 */
export function defineGlobals(realm, globals) {
  const g = vm.runInContext("globalThis", realm.context);
  for (const k of Object.keys(globals)) {
    Object.defineProperty(g, k, { value: globals[k], writable: true, configurable: true, enumerable: false });
  }
}

/**
 * Replaces the context's Date so `Date.now()` and `new Date()` read the device clock.
 * @param {Realm} realm
 * @param {() => number} nowMs
 */
export function installDeviceDate(realm, nowMs) {
  const install = vm.runInContext(
    `(function (nowMs) {
       var D = Date;
       function DeviceDate(a, b, c, d, e, f, g) {
         var n = arguments.length;
         if (!(this instanceof DeviceDate)) return new D(nowMs()).toString();
         if (n === 0) return new D(nowMs());
         if (n === 1) return new D(a);
         if (n === 2) return new D(a, b);
         if (n === 3) return new D(a, b, c);
         if (n === 4) return new D(a, b, c, d);
         if (n === 5) return new D(a, b, c, d, e);
         if (n === 6) return new D(a, b, c, d, e, f);
         return new D(a, b, c, d, e, f, g);
       }
       DeviceDate.prototype = D.prototype;
       DeviceDate.parse = D.parse;
       DeviceDate.now = function () { return nowMs(); };
       D.prototype.constructor = DeviceDate;
       globalThis.Date = DeviceDate;
     })`,
    realm.context
  );
  install(nowMs);
}

/**
 * Runs source text in the device realm.
 * @param {Realm} realm
 * @param {string} code
 * @param {string} [filename]
 */
export function runInRealm(realm, code, filename) {
  return new vm.Script(code, { filename: filename ?? "eval" }).runInContext(realm.context);
}
