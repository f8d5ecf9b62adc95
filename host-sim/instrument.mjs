// Statement and construct instrumentation for the cost model (see host-sim/MEMORY.md "Cost model").
// Details: docs/simulator.md "host-sim/instrument.mjs".
import * as acorn from "acorn";

export const HOOK = "__s";
export const SCOPE_HOOK = "__scope";
/** charge without a statement (skipped branches, function entry) */
export const CHARGE_HOOK = "__k";
/** `a + b` */
export const CONCAT_HOOK = "__c";
/** `x += v` */
export const APPEND_HOOK = "__a";
/** `o[k] += v` */
export const APPEND_MEMBER_HOOK = "__cm";

/** Constructs the model charges (calibration.json "constructs" keys); order = feature vector index. */
export const FEATURES = [
  "statement", "loopIteration", "token", "skipToken", "call", "functionEntry", "member", "index",
  "objectLiteral", "objectProperty", "arrayLiteral", "arrayElement", "functionCreation",
  "stringConcat", "concatChar", "stringAppend", "appendChar", "numberToString",
  "callback", "execTick", "arrayPushItem", "arraySplice", "arrayWalkElement", "joinElement", "jsonValue",
];
/** @type {Record<string, number>} */
export const F = Object.fromEntries(FEATURES.map((n, i) => [n, i]));

/** @type {Map<string, Instrumented>} */
const cache = new Map();
/** Feature vectors of every hook site instrumented in features mode (the hook's argument indexes it). */
export const SITES = /** @type {Float64Array[]} */ ([]);

/**
 * @typedef {object} Instrumented
 * @property {string} code        instrumented source (or the original when it could not be parsed)
 * @property {boolean} ok         false when parsing failed (the original is returned, uncounted)
 * @property {number} statements  statement sites instrumented
 * @property {string[]} scopeNames top-level IIFE bindings exposed through the scope accessor
 * @property {Float64Array[]} sites feature vectors of the hook sites (features mode: the hook's argument indexes it)
 * @property {FrameTable} [frames] functions by position in `code`, with the JsVars of one call's frame
 * @property {string} [error]
 */

/**
 * @param {string} source
 * @param {{weights?: ArrayLike<number> | null, key?: string}} [opts]  weights: cost per FEATURES entry (default
 *   every statement 1); null: features mode (hooks get site ids)
 * @returns {Instrumented}
 */
export function instrument(source, opts) {
  const weights = opts?.weights === undefined ? UNIT : opts.weights;
  const key = (weights ? opts?.key ?? Array.from(weights).join(",") : "features") + "\u0000" + source;
  const hit = cache.get(key);
  if (hit) return hit;
  const r = doInstrument(source, weights);
  if (cache.size > 64) cache.clear();
  cache.set(key, r);
  return r;
}

/** Default weights: a statement or loop iteration costs 1, nothing else (the statement counter). */
const UNIT = FEATURES.map((n) => (n === "statement" || n === "loopIteration" ? 1 : 0));

const HOOK_TEXT = /__[sk]\(\d+\);|else\{__k\(\d+\);\}/g;
/**
 * Characters the instrumentation added inside a piece of instrumented text (to subtract from function code
 * sizes): ticks exactly; each `__c(`/`__cm(` wrap is taken as 5 characters.
 * @param {string} text
 */
export function tickChars(text) {
  let n = 0;
  for (const m of text.matchAll(HOOK_TEXT)) n += m[0].length;
  for (const m of text.matchAll(/__(?:cm?|a)\(/g)) n += 5;
  return n;
}

/** Removes the hooks' text from instrumented function text (approximately the original). @param {string} text */
export function stripHooks(text) {
  return text.replace(HOOK_TEXT, "").replace(/__(?:cm?|a)\(/g, "").slice(0, Math.max(0, text.length - tickChars(text)));
}

/** @param {string} source @param {ArrayLike<number> | null} weights */
function doInstrument(source, weights) {
  /** @type {any} */
  let ast;
  let ecma = /** @type {any} */ (5);
  try {
    ast = acorn.parse(source, { ecmaVersion: 5, allowReturnOutsideFunction: true, allowHashBang: true });
  } catch {
    try {
      ecma = "latest";
      ast = acorn.parse(source, { ecmaVersion: "latest", allowReturnOutsideFunction: true, allowHashBang: true });
    } catch (e) {
      return { code: source, ok: false, statements: 0, scopeNames: [], sites: [], error: String(/** @type {any} */ (e).message) };
    }
  }
  // token start positions, to count the tokens of any source range
  /** @type {number[]} */
  const starts = [];
  try {
    for (const t of acorn.tokenizer(source, { ecmaVersion: ecma, allowReturnOutsideFunction: true, allowHashBang: true })) starts.push(t.start);
  } catch {
    // leave what was read
  }
  /** @param {number} x */
  const lower = (x) => {
    let lo = 0, hi = starts.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (starts[m] < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  /** tokens starting in [a, b) @param {number} a @param {number} b */
  const tok = (a, b) => (b > a ? lower(b) - lower(a) : 0);
  /** @param {any} n */
  const tokOf = (n) => (n ? tok(n.start, n.end) : 0);

  /** @type {{pos: number, order: number, sub: number, text: string, del: number}[]} */
  const edits = [];
  let statements = 0;
  /** @type {Float64Array[]} */
  const sites = [];
  const NF = FEATURES.length;
  const vec = () => new Float64Array(NF);
  /** hook text for a site @param {string} hook @param {Float64Array} v */
  const call = (hook, v) => {
    if (!weights) {
      sites.push(v);
      SITES.push(v);
      return hook + "(" + (SITES.length - 1) + ");";
    }
    let c = 0;
    for (let i = 0; i < NF; i++) if (v[i]) c += v[i] * weights[i];
    return hook + "(" + Math.max(0, Math.round(c)) + ");";
  };
  // order at one position: closing parens (-2, inner first), replacements (-1.5), scope accessor (-1),
  // closing braces and inserted `else` (0, inner first), ticks (1), opening wraps (2, outer first)
  /** @param {number} pos @param {string} text @param {number} order @param {number} [sub] @param {number} [del] */
  const ins = (pos, text, order, sub = 0, del = 0) => edits.push({ pos, text, order, sub, del });
  /** every function's source range and the JsVars of one call's frame (live frames, MEMORY.md) */
  /** @type {{start: number, end: number, vars: number}[]} */
  const fnFrames = [];
  let wrapDepth = 0;
  /** nesting of braced non-block bodies (orders closing braces and inserted `else` at one position) */
  let stDepth = 0;

  /**
   * Features of the expressions a site owns (not nested statements or function bodies: those are pushed to
   * `excl` and instrumented on their own).
   * @param {any} node @param {Float64Array} v @param {[number, number][]} excl
   */
  const expr = (node, v, excl) => {
    if (!node || typeof node.type !== "string") return;
    switch (node.type) {
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        v[F.functionCreation]++;
        v[F.skipToken] += tokOf(node.body);
        excl.push([node.body.start, node.body.end]);
        fnBody(node);
        return;
      case "CallExpression":
      case "NewExpression":
        v[F.call]++;
        break;
      case "MemberExpression":
        v[node.computed ? F.index : F.member]++;
        expr(node.object, v, excl);
        if (node.computed) expr(node.property, v, excl);
        return;
      case "ObjectExpression":
        v[F.objectLiteral]++;
        v[F.objectProperty] += node.properties.length;
        for (const p of node.properties) {
          if (p.computed) expr(p.key, v, excl);
          expr(p.value, v, excl);
        }
        return;
      case "ArrayExpression":
        v[F.arrayLiteral]++;
        v[F.arrayElement] += node.elements.length;
        break;
      case "BinaryExpression":
        if (node.operator === "+" && wrapBinary(node)) {
          wrapDepth++;
          expr(node.left, v, excl);
          expr(node.right, v, excl);
          wrapDepth--;
          return;
        }
        break;
      case "AssignmentExpression":
        if (node.operator === "+=" && wrapAppend(node)) {
          wrapDepth++;
          if (node.left.type === "MemberExpression") {
            v[node.left.computed ? F.index : F.member] += 2; // read and write
            expr(node.left.object, v, excl);
            if (node.left.computed) expr(node.left.property, v, excl);
          }
          expr(node.right, v, excl);
          wrapDepth--;
          return;
        }
        break;
    }
    for (const k of Object.keys(node)) {
      if (k === "type" || k === "start" || k === "end" || k === "loc" || k === "range") continue;
      const x = node[k];
      if (Array.isArray(x)) for (const y of x) expr(y, v, excl);
      else if (x && typeof x === "object" && typeof x.type === "string") expr(x, v, excl);
    }
  };

  /** position of the operator text `op` between a and b (comments skipped), or -1 @param {number} a @param {number} b @param {string} op */
  const findOp = (a, b, op) => {
    let i = a;
    while (i < b) {
      if (source.startsWith("//", i)) {
        i = source.indexOf("\n", i);
        if (i < 0) return -1;
        continue;
      }
      if (source.startsWith("/*", i)) {
        i = source.indexOf("*/", i) + 2;
        if (i < 2) return -1;
        continue;
      }
      if (source.startsWith(op, i) && (op !== "+" || (source[i + 1] !== "=" && source[i + 1] !== "+"))) return i;
      i++;
    }
    return -1;
  };
  /** a space where the wrap would glue onto a keyword (`return"a"+b`) @param {number} pos */
  const sep = (pos) => (pos > 0 && /[\w$]/.test(source[pos - 1]) ? " " : "");
  /** `a + b` -> `__c(a,b)` @param {any} node */
  const wrapBinary = (node) => {
    const at = findOp(node.left.end, node.right.start, "+");
    if (at < 0) return false;
    ins(node.start, sep(node.start) + CONCAT_HOOK + "(", 2, wrapDepth);
    ins(at, ",", -1.5, 0, 1);
    ins(node.end, ")", -2, -wrapDepth);
    return true;
  };
  /** `x += v` -> `x=__a(x,v)`; `o.p += v` -> `__cm(o,"p",v)`; `o[k] += v` -> `__cm(o,k,v)` @param {any} node */
  const wrapAppend = (node) => {
    const l = node.left;
    if (l.type === "Identifier") {
      const at = findOp(l.end, node.right.start, "+=");
      if (at < 0) return false;
      ins(at, "=" + APPEND_HOOK + "(" + l.name + ",", -1.5, 0, 2);
      ins(node.end, ")", -2, -wrapDepth);
      return true;
    }
    if (l.type !== "MemberExpression" || l.object.type === "Super") return false;
    if (!l.computed) {
      const m = /^\s*\.\s*([\w$]+)\s*\+=\s*$/.exec(source.slice(l.object.end, node.right.start));
      if (!m || l.object.start !== node.start) return false;
      ins(node.start, sep(node.start) + APPEND_MEMBER_HOOK + "(", 2, wrapDepth);
      ins(l.object.end, "," + JSON.stringify(m[1]) + ",", -1.5, 0, node.right.start - l.object.end);
    } else {
      if (!/^\s*\[\s*$/.test(source.slice(l.object.end, l.property.start))) return false;
      if (!/^\s*\]\s*\+=\s*$/.test(source.slice(l.property.end, node.right.start)) || l.object.start !== node.start) return false;
      ins(node.start, sep(node.start) + APPEND_MEMBER_HOOK + "(", 2, wrapDepth);
      ins(l.object.end, ",", -1.5, 0, l.property.start - l.object.end);
      ins(l.property.end, ",", -1.5, 0, node.right.start - l.property.end);
    }
    ins(node.end, ")", -2, -wrapDepth);
    return true;
  };

  /** a function's body: entry charge after the directive prologue, then its statements @param {any} fn */
  const fnBody = (fn) => {
    fnFrames.push({ start: fn.start, end: fn.end, vars: frameJsVars(fn) });
    if (fn.body.type !== "BlockStatement") {
      const v = vec();
      expr(fn.body, v, []);
      return;
    }
    const list = fn.body.body;
    let i = 0;
    while (i < list.length && list[i].type === "ExpressionStatement" && typeof list[i].directive === "string") i++;
    const v = vec();
    v[F.functionEntry] = 1;
    ins(i < list.length ? list[i].start : fn.body.end - 1, call(CHARGE_HOOK, v), 1);
    walkList(list);
  };

  /**
   * A statement's own features; nested statements are instrumented here and their ranges excluded.
   * @param {any} st @param {Float64Array} v @param {[number, number][]} excl
   */
  const own = (st, v, excl) => {
    switch (st.type) {
      case "ExpressionStatement":
        expr(st.expression, v, excl);
        return;
      case "VariableDeclaration":
        for (const d of st.declarations) expr(d.init, v, excl);
        return;
      case "ReturnStatement":
      case "ThrowStatement":
        expr(st.argument, v, excl);
        return;
      case "FunctionDeclaration":
        v[F.functionCreation]++;
        v[F.skipToken] += tokOf(st.body);
        excl.push([st.body.start, st.body.end]);
        fnBody(st);
        return;
      case "BlockStatement":
        excl.push([st.start + 1, st.end - 1]);
        walkList(st.body);
        return;
      case "IfStatement": {
        expr(st.test, v, excl);
        const c = st.consequent, a = st.alternate;
        excl.push([c.start, a ? a.end : c.end]);
        const skipC = vec();
        skipC[F.skipToken] = tokOf(c);
        if (a) {
          const skipA = vec();
          skipA[F.skipToken] = tok(c.end, a.end);
          bodyStatement(c, false, skipA);
          skipC[F.token] = tok(c.end, a.start); // `else`
          bodyStatement(a, false, skipC);
        } else {
          bodyStatement(c, false, null);
          ins(c.end, "else{" + call(CHARGE_HOOK, skipC) + "}", 0, -(stDepth + 0.5));
        }
        return;
      }
      case "ForStatement": {
        if (st.init) {
          if (st.init.type === "VariableDeclaration") for (const d of st.init.declarations) expr(d.init, v, excl);
          else expr(st.init, v, excl);
        }
        const lv = vec();
        lv[F.loopIteration] = 1;
        /** @type {[number, number][]} */
        const lx = [];
        for (const p of [st.test, st.update]) {
          if (!p) continue;
          expr(p, lv, lx);
          lv[F.token] += tokOf(p);
          excl.push([p.start, p.end]);
        }
        for (const [a, b] of lx) lv[F.token] -= tok(a, b);
        v[F.skipToken] += tokOf(st.body);
        excl.push([st.body.start, st.body.end]);
        bodyStatement(st.body, lv);
        return;
      }
      case "ForInStatement":
      case "ForOfStatement": {
        expr(st.right, v, excl);
        const lv = vec();
        lv[F.loopIteration] = 1;
        v[F.skipToken] += tokOf(st.body);
        excl.push([st.body.start, st.body.end]);
        bodyStatement(st.body, lv);
        return;
      }
      case "WhileStatement":
      case "DoWhileStatement": {
        const lv = vec();
        lv[F.loopIteration] = 1;
        /** @type {[number, number][]} */
        const lx = [];
        expr(st.test, lv, lx);
        lv[F.token] += tokOf(st.test);
        for (const [a, b] of lx) lv[F.token] -= tok(a, b);
        excl.push([st.test.start, st.test.end]);
        v[F.skipToken] += tokOf(st.body);
        excl.push([st.body.start, st.body.end]);
        bodyStatement(st.body, lv);
        return;
      }
      case "WithStatement":
        expr(st.object, v, excl);
        excl.push([st.body.start, st.body.end]);
        bodyStatement(st.body, null);
        return;
      case "LabeledStatement":
        excl.push([st.body.start, st.body.end]);
        bodyStatement(st.body, null);
        return;
      case "SwitchStatement":
        expr(st.discriminant, v, excl);
        for (const c of st.cases) {
          expr(c.test, v, excl);
          if (c.consequent.length) excl.push([c.consequent[0].start, c.consequent[c.consequent.length - 1].end]);
          walkList(c.consequent);
        }
        return;
      case "TryStatement":
        for (const b of [st.block, st.handler?.body, st.finalizer]) {
          if (!b) continue;
          excl.push([b.start + 1, b.end - 1]);
          walkList(b.body);
        }
        return;
      default:
        expr(st, v, excl);
    }
  };

  /** features of a statement site: own text, nested ranges excluded @param {any} st @param {Float64Array | null} extra */
  const site = (st, extra) => {
    const v = vec();
    if (extra) for (let i = 0; i < NF; i++) v[i] += extra[i];
    v[F.statement] += 1;
    /** @type {[number, number][]} */
    const excl = [];
    own(st, v, excl);
    let t = tokOf(st);
    for (const [a, b] of excl) t -= tok(a, b);
    v[F.token] += Math.max(0, t);
    return v;
  };

  /** a statement in a statement list: tick in front @param {any} st @param {Float64Array | null} [extra] */
  const listStatement = (st, extra) => {
    if (st.type === "ExpressionStatement" && typeof st.directive === "string") return; // keep "use strict" a directive
    statements++;
    // the tick's text depends on the features, which own() computes while instrumenting nested code: reserve
    const e = { pos: st.start, order: 1, sub: 0, text: "", del: 0 };
    edits.push(e);
    e.text = call(HOOK, site(st, extra ?? null));
  };
  /**
   * A statement used as the body of a compound statement: braces if it is not a block. `loop`: the loop
   * iteration's features (a tick per iteration) or null/false; `extra` (non-loop bodies): features added to
   * the body's first tick (the other branch skipped).
   * @param {any} body @param {Float64Array | null | false} loop @param {Float64Array | null} [extra]
   */
  const bodyStatement = (body, loop, extra) => {
    if (!body) return;
    const lt = loop ? () => call(HOOK, loop) : () => "";
    if (body.type === "BlockStatement") {
      if (loop) ins(body.start + 1, lt(), 1);
      if (extra) {
        if (body.body.length) {
          const first = body.body.find((/** @type {any} */ s) => !(s.type === "ExpressionStatement" && typeof s.directive === "string"));
          if (first) {
            for (const s of body.body) listStatement(s, s === first ? extra : null);
            return;
          }
        }
        ins(body.start + 1, call(CHARGE_HOOK, extra), 1);
      }
      walkList(body.body);
      return;
    }
    if (body.type === "EmptyStatement") {
      // the `;` stays after the braces: `for(;;){__s(c);};` is still one loop with an empty statement after
      if (loop) ins(body.start, "{" + lt() + "}", 1);
      // ... but an if's empty branch becomes the braces (`if(a);else b()` would read `if(a){...};else b()`)
      else ins(body.start, "{" + (extra ? call(CHARGE_HOOK, extra) : "") + "}", 1, 0, 1);
      return;
    }
    statements++;
    const e = { pos: body.start, order: 1, sub: 0, text: "", del: 0 };
    edits.push(e);
    ins(body.end, "}", 0, -(stDepth + 1));
    const loopText = lt();
    stDepth++;
    e.text = "{" + loopText + call(HOOK, site(body, extra ?? null));
    stDepth--;
  };
  /** @param {any[]} list */
  const walkList = (list) => {
    for (const st of list) listStatement(st);
  };
  walkList(ast.body);

  // Scope accessor for an IIFE bundle: `(function(){...})()`, `(function(){...}())` or `!function(){...}()`.
  /** @type {string[]} */
  let scopeNames = [];
  const iife = findIife(ast);
  if (iife) {
    const names = new Set();
    collectTopLevel(iife.body.body, names);
    for (const p of iife.params) if (p.type === "Identifier") names.add(p.name);
    scopeNames = [...names];
    const props = scopeNames.map((n) => JSON.stringify(n) + ":" + n).join(",");
    ins(iife.body.start + 1, SCOPE_HOOK + "(function(){return {" + props + "}});", -1);
  }

  edits.sort((a, b) => a.pos - b.pos || a.order - b.order || a.sub - b.sub);
  let out = "";
  let last = 0;
  for (const e of edits) {
    if (e.pos < last) continue; // overlapping replacement (should not happen)
    out += source.substring(last, e.pos) + e.text;
    last = e.pos + e.del;
  }
  out += source.substring(last);
  return { code: out, ok: true, statements, scopeNames, sites, frames: frameTable(fnFrames, edits, out) };
}

/**
 * JsVars one call of `fn` holds while it runs, measured on the real interpreter (espruino-16383, MEMORY.md
 * "Live frames"): a frame costs FRAME_JSVARS, each parameter 1, each `var` it declares about 1.5 (name and value),
 * a name longer than 8 characters one more per 10, an inner function declaration 4 (created at every call).
 * @param {any} fn
 */
function frameJsVars(fn) {
  const names = new Set();
  let inner = 0;
  if (fn.body.type === "BlockStatement") {
    collectTopLevel(fn.body.body, names);
    /** @param {any} node */
    const count = (node) => {
      if (!node || typeof node.type !== "string") return;
      if (node.type === "FunctionDeclaration") {
        inner++;
        names.delete(node.id.name); // its name is in the 4
      }
    };
    for (const st of fn.body.body) count(st);
  }
  let v = FRAME_JSVARS + inner * 4;
  for (const n of names) v += 1.5 + (n.length > 8 ? Math.ceil((n.length - 8) / 10) : 0);
  for (const p of fn.params) v += 1 + (p.type === "Identifier" && p.name.length > 8 ? Math.ceil((p.name.length - 8) / 10) : 0);
  return v;
}

/** JsVars of a called function's frame without locals (scope, return value, call bookkeeping). */
export const FRAME_JSVARS = 3;

/**
 * @typedef {object} FrameTable  functions by their position in the instrumented text, for live-frame counting
 * @property {number[]} lineStarts  offset of each line of the instrumented text
 * @property {number[]} start       function start offsets (instrumented text), ascending
 * @property {number[]} end
 * @property {number[]} vars        frame JsVars of each
 */

/**
 * @param {{start: number, end: number, vars: number}[]} fns original positions
 * @param {{pos: number, text: string, del: number}[]} edits sorted as applied
 * @param {string} out instrumented text
 * @returns {FrameTable}
 */
function frameTable(fns, edits, out) {
  // output offset of an original position: the position plus what the edits before it added
  const pos = edits.map((e) => e.pos);
  /** @type {number[]} */
  const shift = [];
  let acc = 0;
  for (const e of edits) {
    acc += e.text.length - e.del;
    shift.push(acc);
  }
  /** @param {number} p @param {boolean} after p is an end (text inserted at p follows it) rather than a start (text inserted at p precedes it) */
  const map = (p, after) => {
    let lo = 0, hi = pos.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (after ? pos[m] < p : pos[m] <= p) lo = m + 1;
      else hi = m;
    }
    return p + (lo ? shift[lo - 1] : 0);
  };
  const sorted = fns.slice().sort((a, b) => a.start - b.start);
  const lineStarts = [0];
  for (let i = out.indexOf("\n"); i >= 0; i = out.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  return {
    lineStarts,
    start: sorted.map((f) => map(f.start, false)),
    end: sorted.map((f) => map(f.end, true)),
    vars: sorted.map((f) => f.vars),
  };
}

/**
 * JsVars of the frames of `table`'s code on a V8 stack trace (`at f (FILE:L:C)` lines of `file`): the innermost
 * function containing each position.
 * @param {FrameTable} table @param {string} stack @param {string} file
 */
export function liveFrameJsVars(table, stack, file) {
  let n = 0;
  const needle = file + ":";
  for (const line of stack.split("\n")) {
    const at = line.lastIndexOf(needle);
    if (at < 0) continue;
    const m = /^(\d+):(\d+)/.exec(line.slice(at + needle.length));
    if (!m) continue;
    const ln = Number(m[1]) - 1;
    if (ln >= table.lineStarts.length) continue;
    const off = table.lineStarts[ln] + Number(m[2]) - 1;
    let best = -1;
    // innermost: the last start <= off whose range contains it
    for (let i = upperBound(table.start, off) - 1; i >= 0; i--) {
      if (table.end[i] > off) {
        best = i;
        break;
      }
    }
    if (best >= 0) n += table.vars[best];
  }
  return Math.round(n);
}

/** @param {number[]} a ascending @param {number} x first index with a[i] > x */
function upperBound(a, x) {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** @param {any} ast */
function findIife(ast) {
  for (const st of ast.body) {
    if (st.type !== "ExpressionStatement") continue;
    let e = st.expression;
    if (e.type === "UnaryExpression") e = e.argument;
    if (e.type === "CallExpression" && e.callee.type === "FunctionExpression") return e.callee;
  }
  return undefined;
}

/**
 * Top-level bindings of a function body: `var` declarations (also nested in blocks/loops, not in functions)
 * and function declarations.
 * @param {any[]} list @param {Set<string>} names
 */
function collectTopLevel(list, names) {
  /** @param {any} node */
  const visit = (node) => {
    if (!node || typeof node.type !== "string") return;
    if (node.type === "FunctionDeclaration") {
      names.add(node.id.name);
      return;
    }
    if (node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression") return;
    if (node.type === "VariableDeclaration" && node.kind === "var") {
      for (const d of node.declarations) if (d.id.type === "Identifier") names.add(d.id.name);
    }
    for (const k of Object.keys(node)) {
      if (k === "type" || k === "start" || k === "end") continue;
      const v = node[k];
      if (Array.isArray(v)) for (const x of v) visit(x);
      else if (v && typeof v === "object" && typeof v.type === "string" && !isExpression(v)) visit(v);
    }
  };
  for (const st of list) visit(st);
}

/** @param {any} node */
function isExpression(node) {
  return /Expression$|^Literal$|^Identifier$|^TemplateLiteral$/.test(node.type) && node.type !== "ExpressionStatement";
}
