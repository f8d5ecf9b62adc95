// Native-work charges for the cost model (see host-sim/MEMORY.md "Calibration").
// Details: docs/simulator.md "host-sim/natives.mjs".
import vm from "node:vm";
import { F } from "./instrument.mjs";

/** Instructions per character of the socket layer's copy of an unsent remainder after each send (host-sim/http.mjs):
 * a memory copy, not in the calibration table; 8 is the pre-calibration figure, taken as is in callgrind's unit. */
export const COPY_PER_CHAR = 8;

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
