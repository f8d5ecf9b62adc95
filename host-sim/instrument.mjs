// Statement instrumentation for the cost model (see host-sim/MEMORY.md "Cost model").
//
// The bundle is parsed with acorn (ecmaVersion 5, the dialect the gate enforces; later versions only as a
// fallback for inline test code) and a call `__s();` is spliced in front of every statement by source
// position. Nothing else changes: no statement moves (function declarations stay where they are; Espruino has
// no hoisting, and V8's hoisting is unaffected by the insertion), no newline is added, so line numbers map 1:1
// and only columns shift (by the inserted text). Where a statement is the non-block body of
// if/else/for/for-in/while/do/with/label it is wrapped in braces: `if (a) x();` -> `if (a) {__s();x();}`.
// Loop bodies also get one extra tick per iteration (an empty loop iteration costs about as much as a
// statement on Espruino: ~6.9 k instructions, espruino-dialect.md section 6).
// If the program text is an IIFE bundle (`(function(){ ... })()`), a scope accessor is injected at the top of
// the IIFE body: `__scope(function(){return {a:a, f:f, ...}});` listing the IIFE's top-level `var` and
// function declaration names, so the memory model can see module state that lives in the closure.
// Results are cached per source text (many devices share one bundle).
import * as acorn from "acorn";

export const HOOK = "__s";
export const SCOPE_HOOK = "__scope";
const TICK = HOOK + "();";

/** @type {Map<string, Instrumented>} */
const cache = new Map();

/**
 * @typedef {object} Instrumented
 * @property {string} code        instrumented source (or the original when it could not be parsed)
 * @property {boolean} ok         false when parsing failed (the original is returned, uncounted)
 * @property {number} statements  statement sites instrumented
 * @property {string[]} scopeNames top-level IIFE bindings exposed through the scope accessor
 * @property {string} [error]
 */

/**
 * @param {string} source
 * @returns {Instrumented}
 */
export function instrument(source) {
  const hit = cache.get(source);
  if (hit) return hit;
  const r = doInstrument(source);
  if (cache.size > 64) cache.clear();
  cache.set(source, r);
  return r;
}

/**
 * Characters of `__s();` ticks inside a piece of instrumented text (to subtract from function code sizes).
 * @param {string} text
 */
export function tickChars(text) {
  let n = 0;
  for (let i = text.indexOf(TICK); i >= 0; i = text.indexOf(TICK, i + TICK.length)) n++;
  return n * TICK.length;
}

/** @param {string} source @returns {Instrumented} */
function doInstrument(source) {
  /** @type {any} */
  let ast;
  try {
    ast = acorn.parse(source, { ecmaVersion: 5, allowReturnOutsideFunction: true, allowHashBang: true });
  } catch {
    try {
      ast = acorn.parse(source, { ecmaVersion: "latest", allowReturnOutsideFunction: true, allowHashBang: true });
    } catch (e) {
      return { code: source, ok: false, statements: 0, scopeNames: [], error: String(/** @type {any} */ (e).message) };
    }
  }
  /** @type {{pos: number, order: number, text: string}[]} */
  const edits = [];
  let statements = 0;
  /** @param {number} pos @param {string} text @param {number} order -1 scope accessor, 0 closing brace, 1 opening */
  const ins = (pos, text, order) => edits.push({ pos, text, order });

  /** a statement in a statement list: tick in front */
  /** @param {any} st */
  const listStatement = (st) => {
    if (st.type === "ExpressionStatement" && typeof st.directive === "string") return; // keep "use strict" a directive
    statements++;
    ins(st.start, TICK, 1);
    walk(st);
  };
  /** a statement used as the body of a compound statement: braces if it is not a block */
  /** @param {any} body @param {boolean} loop */
  const bodyStatement = (body, loop) => {
    if (!body) return;
    if (body.type === "BlockStatement") {
      if (loop) ins(body.start + 1, TICK, 1);
      walkList(body.body);
      return;
    }
    if (body.type === "EmptyStatement") {
      if (loop) {
        ins(body.start, "{" + TICK + "}", 1);
        // the `;` stays after the braces: `for(;;){__s();};` is still one loop with an empty statement after
      }
      return;
    }
    statements++;
    ins(body.start, "{" + (loop ? TICK : "") + TICK, 1);
    ins(body.end, "}", 0);
    walk(body);
  };
  /** @param {any[]} list */
  const walkList = (list) => {
    for (const st of list) listStatement(st);
  };
  /** Walks one node, instrumenting nested statement lists and bodies (including inside expressions). */
  /** @param {any} node */
  const walk = (node) => {
    if (!node || typeof node.type !== "string") return;
    switch (node.type) {
      case "Program":
        walkList(node.body);
        return;
      case "BlockStatement":
        walkList(node.body);
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        if (node.body.type === "BlockStatement") walkList(node.body.body);
        else walk(node.body);
        return;
      case "IfStatement":
        walk(node.test);
        bodyStatement(node.consequent, false);
        bodyStatement(node.alternate, false);
        return;
      case "ForStatement":
        walk(node.init);
        walk(node.test);
        walk(node.update);
        bodyStatement(node.body, true);
        return;
      case "ForInStatement":
      case "ForOfStatement":
        walk(node.left);
        walk(node.right);
        bodyStatement(node.body, true);
        return;
      case "WhileStatement":
        walk(node.test);
        bodyStatement(node.body, true);
        return;
      case "DoWhileStatement":
        bodyStatement(node.body, true);
        walk(node.test);
        return;
      case "WithStatement":
        walk(node.object);
        bodyStatement(node.body, false);
        return;
      case "LabeledStatement":
        bodyStatement(node.body, false);
        return;
      case "SwitchStatement":
        walk(node.discriminant);
        for (const c of node.cases) {
          walk(c.test);
          walkList(c.consequent);
        }
        return;
      case "TryStatement":
        walkList(node.block.body);
        if (node.handler) walkList(node.handler.body.body);
        if (node.finalizer) walkList(node.finalizer.body);
        return;
      default:
        for (const k of Object.keys(node)) {
          if (k === "type" || k === "start" || k === "end" || k === "loc" || k === "range") continue;
          const v = node[k];
          if (Array.isArray(v)) for (const x of v) walk(x);
          else if (v && typeof v === "object" && typeof v.type === "string") walk(v);
        }
    }
  };
  walk(ast);

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

  edits.sort((a, b) => a.pos - b.pos || a.order - b.order);
  let out = "";
  let last = 0;
  for (const e of edits) {
    out += source.substring(last, e.pos) + e.text;
    last = e.pos;
  }
  out += source.substring(last);
  return { code: out, ok: true, statements, scopeNames };
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
