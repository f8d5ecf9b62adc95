// Native-work charges for the cost model (see host-sim/MEMORY.md "Cost model", "Native work").
//
// The statement counter (instrument.mjs) charges one `perStatement` (6 900 instructions, an empty loop
// iteration) per executed statement and sees nothing of what a built-in does inside. On Espruino some
// built-ins are far from free: a plain Array is a linked list of index-named JsVars, so shift/unshift/splice
// renumber every element after the change and indexOf walks the list; number-to-string, join and JSON build
// strings JsVar by JsVar. This module wraps those built-ins IN THE DEVICE REALM, before memory.attach() takes
// everything reachable from the global as ROM, so the unmodified bundle is charged when it calls them:
// `cost.native(instructions)` adds to `stats.nativeInstructions` and, on the virtual clock, charges
// instructions / board.cost.instructionsPerSecond of device time.
//
// Every constant comes from shared/espruino-dialect.md section 6 (instruction counts on the real interpreter,
// ESP32-like build); the line is quoted next to it. Section 6 figures are per loop iteration of a benchmark
// loop, so the two statement ticks the simulator already charges for `for (...) x;` (loop tick + statement,
// 2 x 6 900 = 13 800 = the "typed-array store" figure) are subtracted where a figure is for one call per loop
// iteration.
//
// NOT seen (operators, not calls; the statement counter charges them as one ordinary statement):
//  - indexed element reads and stores on plain Arrays (`a[i]`, `a[i] = v`: "plain-Array store ≈ 74 k (walks
//    the element list)"), property lookups;
//  - string concatenation `s += x` / `a + b` (O(n²) growth: "157 k per line at 1000 lines") and `"" + n`
//    number conversion;
//  - the extra cost of a function call over a statement ("function call ≈ 21.7 k");
//  - Array methods not wrapped here (pop, slice, concat, forEach/map/filter walks, sort, reverse), String
//    methods (split, substring, ...).
//
// Wrappers keep behaviour: same return value, `this`, arguments and exceptions (the original is applied and
// its result returned; the charge is added only after it returned), same property attributes on the owner,
// same `name` and `length`; methods are created with method syntax so, like built-ins, they have no
// `prototype` and cannot be constructed. When the cost model is disabled nothing is installed.
import vm from "node:vm";
import { F } from "./instrument.mjs";

/** `perStatement` of the boards (an empty loop iteration). */
const TICK = 6900;

/** "push + `join` ≈ 38 k per line": 38 000 − 2 ticks (loop + statement) = 24 200 for one push plus the join
 * share of one element, split evenly (the dialect has no separate figure): 12 100 per pushed item. Espruino's
 * push appends after the last child (jsvArrayPush -> jsvAddName from the end): no walk, cost independent of
 * the length. */
export const PUSH_PER_ITEM = 12100;

/** "`s += line` grows O(n²) (157 k per line at 1000 lines)": 157 000 − 2 ticks = 143 200 to copy the string
 * built so far, on average 500 lines; at ~36 characters per line (a short Prometheus sample line; the dialect
 * does not give the length) that is 143 200 / 18 000 ≈ 8 instructions per character copied. */
export const COPY_PER_CHAR = 8;

/** The other half of "push + `join` ≈ 38 k per line", less the characters of a ~36-character line, which are
 * charged per character (COPY_PER_CHAR): 24 200 − 12 100 − 36 x 8 = 11 812 per element joined. */
export const JOIN_PER_ELEMENT = 24200 - PUSH_PER_ITEM - 36 * COPY_PER_CHAR;

/** Per element walked by shift/unshift/splice (Espruino implements shift and unshift with splice, which walks
 * the whole list and renumbers every element after the change: jswrap_array.c) and by indexOf.
 * Calibrated, not measured alone: "A typical "naive" path (plain Array history with push/shift, linear scan of
 * float bucket bounds) costs 230–450 k per sample." The bench's naive sampler (bench/fixtures/sample-path.ts,
 * history of 200) runs 24 statements (165.6 k) + one push (12.1 k) + one shift of 200 elements (SPLICE_BASE +
 * 200 x this + one result push); 700 per element puts it at ≈ 354 k, about the middle of that range (80 would
 * give 230 k, 1 180 would give 450 k). */
export const WALK_PER_ELEMENT = 700;

/** Fixed part of splice/shift/unshift: the temporary arrays and integer it allocates (jswrap_array_shift
 * builds a 1-element count, an empty items array and a result array): taken as two pushes' worth, an estimate. */
export const SPLICE_BASE = 2 * PUSH_PER_ITEM;

/** "`String(x)` ≈5 k instructions; an exact integer-math decimal formatter ≈88 k". Chosen over the list
 * figure "`String(number)` ≈ 24 k" (24 000 − 2 ticks = 10 200 native), which also contains the global lookup
 * and call overhead of a loop body; 5 000 is the figure measured where the renderers use it. Charged by
 * String(number), Number.prototype.toString and Number.prototype.toFixed (same work, an assumption for those
 * two). `"" + n` is an operator and is not charged. */
export const NUMBER_TO_STRING = 5000;

/** "`JSON.stringify` of 20 keys ≈ 142 k": 7 100 per property or array element serialised (a scalar counts
 * one). JSON.parse has no figure: charged the same per value produced (an assumption). */
export const JSON_PER_VALUE = 7100;

/** Instructions per statement (the statement tick itself), exported for documentation and tests. */
export const STATEMENT_INSTRUCTIONS = TICK;

/**
 * Values serialised or produced by JSON: properties of objects and elements of arrays, recursively (each
 * counts one, a nested object or array also counts its own members); a top-level scalar counts one.
 * @param {unknown} v
 */
export function jsonValues(v) {
  if (v === null || typeof v !== "object") return 1;
  let n = 0;
  /** @type {unknown[]} */
  const stack = [v];
  const seen = new Set();
  while (stack.length) {
    const o = /** @type {any} */ (stack.pop());
    if (seen.has(o)) continue;
    seen.add(o);
    if (typeof o.toJSON === "function") continue; // Date and friends: one value, counted by the parent
    const keys = Array.isArray(o) ? null : Object.keys(o);
    const len = keys ? keys.length : o.length;
    n += len;
    for (let i = 0; i < len; i++) {
      let x;
      try {
        x = keys ? o[keys[i]] : o[i];
      } catch {
        continue;
      }
      if (x !== null && typeof x === "object") stack.push(x);
    }
  }
  return Math.max(1, n);
}

/** Runs in the device realm: wraps the built-ins (see the module comment). */
const FACTORY = `(function (charge, chargeJson, K) {
  var callApply = Function.prototype.call.bind(Function.prototype.apply);
  var isArray = Array.isArray;
  var defineProperty = Object.defineProperty, getDesc = Object.getOwnPropertyDescriptor;
  var getNames = Object.getOwnPropertyNames;
  function wrap(owner, key, make) {
    var d = getDesc(owner, key);
    if (!d || typeof d.value !== "function") return;
    var orig = d.value;
    var w = make(orig);
    defineProperty(w, "name", { value: orig.name, configurable: true });
    defineProperty(w, "length", { value: orig.length, configurable: true });
    defineProperty(owner, key, { value: w, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
  }
  var AP = Array.prototype;
  wrap(AP, "push", function (orig) {
    return { push() {
      var r = callApply(orig, this, arguments);
      if (isArray(this)) charge(K.arrayPushItem, arguments.length);
      return r;
    } }.push;
  });
  wrap(AP, "shift", function (orig) {
    return { shift() {
      var n = isArray(this) ? this.length : -1;
      var r = callApply(orig, this, arguments);
      if (n > 0) { charge(K.arraySplice, 1); charge(K.arrayWalkElement, n); charge(K.arrayPushItem, 1); }
      return r;
    } }.shift;
  });
  wrap(AP, "unshift", function (orig) {
    return { unshift() {
      var n = isArray(this) ? this.length : -1;
      var r = callApply(orig, this, arguments);
      if (n >= 0) { charge(K.arraySplice, 1); charge(K.arrayWalkElement, n); charge(K.arrayPushItem, arguments.length); }
      return r;
    } }.unshift;
  });
  wrap(AP, "splice", function (orig) {
    return { splice() {
      var n = isArray(this) ? this.length : -1;
      var r = callApply(orig, this, arguments);
      if (n >= 0) {
        var moved = (isArray(r) ? r.length : 0) + (arguments.length > 2 ? arguments.length - 2 : 0);
        charge(K.arraySplice, 1); charge(K.arrayWalkElement, n); charge(K.arrayPushItem, moved);
      }
      return r;
    } }.splice;
  });
  wrap(AP, "indexOf", function (orig) {
    return { indexOf() {
      var n = isArray(this) ? this.length : -1;
      var r = callApply(orig, this, arguments);
      if (n > 0) charge(K.arrayWalkElement, r >= 0 ? r + 1 : n);
      return r;
    } }.indexOf;
  });
  wrap(AP, "join", function (orig) {
    return { join() {
      var n = isArray(this) ? this.length : -1;
      var r = callApply(orig, this, arguments);
      if (n >= 0) { charge(K.joinElement, n); charge(K.concatChar, r.length); }
      return r;
    } }.join;
  });
  var NP = Number.prototype;
  wrap(NP, "toString", function (orig) {
    return { toString() {
      var r = callApply(orig, this, arguments);
      charge(K.numberToString, 1);
      return r;
    } }.toString;
  });
  wrap(NP, "toFixed", function (orig) {
    return { toFixed() {
      var r = callApply(orig, this, arguments);
      charge(K.numberToString, 1);
      return r;
    } }.toFixed;
  });
  var J = JSON;
  wrap(J, "stringify", function (orig) {
    return { stringify() {
      var r = callApply(orig, this, arguments);
      chargeJson(arguments[0]);
      return r;
    } }.stringify;
  });
  wrap(J, "parse", function (orig) {
    return { parse() {
      var r = callApply(orig, this, arguments);
      chargeJson(r);
      return r;
    } }.parse;
  });
  // String: a function that shares String.prototype (as sandbox.mjs does for Number), charging String(number)
  var S = String;
  var EspString = function String(v) {
    if (arguments.length && typeof v === "number") charge(K.numberToString, 1);
    if (new.target) return arguments.length ? new S(v) : new S();
    return arguments.length ? S(v) : S();
  };
  var names = getNames(S);
  for (var i = 0; i < names.length; i++) {
    var k = names[i];
    if (k === "length" || k === "name" || k === "arguments" || k === "caller") continue;
    defineProperty(EspString, k, getDesc(S, k));
  }
  var cd = getDesc(S.prototype, "constructor");
  defineProperty(S.prototype, "constructor", { value: EspString, writable: cd.writable, enumerable: cd.enumerable, configurable: cd.configurable });
  var gd = getDesc(globalThis, "String");
  defineProperty(globalThis, "String", { value: EspString, writable: gd.writable, enumerable: gd.enumerable, configurable: gd.configurable });
})`;

/**
 * Wraps the charged built-ins of a device realm. Call before memory.attach() and before any device code runs.
 * `charge(construct, count)`: construct = index into instrument.mjs FEATURES (its instructions come from the
 * calibration table, host-sim/calibration.json).
 * @param {import("./sandbox.mjs").Realm} realm
 * @param {(construct: number, count: number) => void} charge
 */
export function installNativeCosts(realm, charge) {
  const factory = /** @type {Function} */ (vm.runInContext(FACTORY, realm.context));
  factory(charge, (/** @type {unknown} */ v) => charge(F.jsonValue, jsonValues(v)), F);
}
