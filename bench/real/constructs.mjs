// Calibration of the simulator's cost model (host-sim/cost.mjs, instrument.mjs, natives.mjs): microbenchmarks, one
// per construct, run on the real interpreter (espruino-16383 under valgrind callgrind) and in the simulator in
// "features" mode (which counts every construct the model charges). A non-negative least-squares fit of
// instructions per construct (relative error, each microbenchmark weighted alike) gives host-sim/calibration.json.
// The fit sees only these microbenchmarks; the bench scenarios (bench/real/suite.mjs) validate it.
// Details: docs/host-tools.md "bench/real/constructs.mjs".
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interpreterPath } from "../../tools/espruino-linux.mjs";
import { SimDevice } from "../../host-sim/index.mjs";
import { FEATURES } from "../../host-sim/instrument.mjs";

const JSVARS = 16383;
const S10 = '"abcdefghij"';
/** @type {{name: string, setup?: string, body: string, n?: number}[]} */
export const LOOPS = [
  { name: "empty loop", body: "" },
  { name: "assign constant", body: "x=1;" },
  { name: "two statements", body: "x=1;y=2;" },
  { name: "arithmetic", setup: "var y=3;", body: "x=y+1;" },
  { name: "long arithmetic", setup: "var y=3,z=4;", body: "x=y*2+z*3-y/2+z-1;" },
  { name: "bitwise", setup: "var y=3;", body: "x=(y|0)&255;" },
  { name: "call empty fn", setup: "var f=function(){};", body: "f();" },
  { name: "call with args", setup: "var g=function(a,b){return a;};", body: "g(1,2);" },
  { name: "call fn with body", setup: "var h=function(a){var b=a*2;return b;};", body: "x=h(i);" },
  { name: "method call", setup: "var o={m:function(a){return a;}};", body: "x=o.m(1);" },
  { name: "native call", setup: "var y=3.7;", body: "x=Math.floor(y);" },
  { name: "property read", setup: "var o={a:1,b:2};", body: "x=o.a;" },
  { name: "nested property read", setup: "var o={a:{b:1}};", body: "x=o.a.b;" },
  { name: "property write", setup: "var o={a:1,b:2};", body: "o.b=i;" },
  { name: "Float64Array read", setup: "var t=new Float64Array(64);", body: "x=t[i&63];" },
  { name: "Float64Array write", setup: "var t=new Float64Array(64);", body: "t[i&63]=i;" },
  { name: "Uint16Array read", setup: "var t=new Uint16Array(64);", body: "x=t[i&63];" },
  { name: "string length", setup: "var s=" + S10 + ";", body: "x=s.length;" },
  { name: "concat short", setup: "var s=" + S10 + ";", body: "x=s+'ab';" },
  { name: "concat 100", setup: "var s=" + S10 + ";for(var k=0;k<3;k++)s=s+s;s=s+s.substr(0,20);", body: "x=s+'ab';" },
  { name: "concat 1000", setup: "var s=" + S10 + ";for(var k=0;k<6;k++)s=s+s;s=s+s.substr(0,360);", body: "x=s+'ab';", n: 1000 },
  { name: "append short", setup: "var s='';", body: "if((i&7)==0)s='';s+=" + S10 + ";" },
  { name: "append long", setup: "var s='';", body: "if((i&127)==0)s='';s+=" + S10 + ";", n: 1500 },
  { name: "integer to string", body: "x=''+i;" },
  { name: "float to string", setup: "var y=1234.5678;", body: "x=''+y;" },
  { name: "String(number)", setup: "var y=12.5;", body: "x=String(y);" },
  { name: "toFixed", setup: "var y=12.345;", body: "x=y.toFixed(2);" },
  { name: "object literal", body: "x={a:1,b:2};" },
  { name: "object literal 5", body: "x={a:1,b:2,c:3,d:4,e:5};" },
  { name: "array literal", body: "x=[1,2,3];" },
  { name: "closure", body: "x=function(){return 1;};" },
  { name: "closure with body", body: "x=function(a,b){var c=a+b;if(c>2){c=c*2;}return c;};" },
  { name: "if taken", setup: "var y=5;", body: "if(y>3){x=1;}" },
  { name: "if not taken", setup: "var y=5;", body: "if(y<3){x=1;x=2;x=3;}" },
  { name: "if else", setup: "var y=5;", body: "if(y<3){x=1;}else{x=2;}" },
  { name: "ternary", setup: "var y=5;", body: "x=y>3?1:2;" },
  { name: "push and pop", setup: "var a=[];", body: "a.push(i);a.pop();" },
  { name: "push and shift 10", setup: "var a=[1,2,3,4,5,6,7,8,9,10];", body: "a.push(i);a.shift();" },
  { name: "push and shift 100", setup: "var a=[];for(var k=0;k<100;k++)a.push(k);", body: "a.push(i);a.shift();", n: 1000 },
  { name: "join 5", setup: "var a=['ab','cd','ef','gh','ij'];", body: "x=a.join(',');" },
  { name: "JSON.stringify 5", setup: "var o={a:1,b:2,c:3,d:4,e:5};", body: "x=JSON.stringify(o);" },
  { name: "inner loop", body: "for(var j=0;j<4;j++){x=j;}" },
];
/** @type {{name: string, kind: "callback" | "exec", body: string}[]} */
export const CALLBACKS = [
  { name: "setInterval callback", kind: "callback", body: "n++;" },
  { name: "setInterval callback 3 statements", kind: "callback", body: "n++;x=n*2;y=x+1;" },
  { name: "timer EXEC tick", kind: "exec", body: "n++;" },
  { name: "timer EXEC tick 3 statements", kind: "exec", body: "n++;x=n*2;y=x+1;" },
];

/** @param {string} s @param {string} b @param {number} n */
const loopScript = (s, b, n) => "(function(){var x,y;" + s + "var N=" + n + ";for(var i=0;i<N;i++){" + b + "}})();";

/**
 * Runs `script` as a file under callgrind; resolves with collected instructions and the console.
 * @param {string} script @param {string[]} toggles
 */
function callgrind(script, toggles) {
  const dir = mkdtempSync(join(tmpdir(), "calib-"));
  writeFileSync(join(dir, "x.js"), script);
  return new Promise((resolve, reject) => {
    const p = execFile(
      "valgrind",
      ["--tool=callgrind", "--callgrind-out-file=" + join(dir, "cg.out"), ...toggles.map((t) => "--toggle-collect=" + t), interpreterPath(JSVARS), "x.js"],
      { cwd: dir, timeout: 120000, killSignal: "SIGKILL", maxBuffer: 16 << 20, env: { ...process.env, ESPRUINO_LOOPBACK: "1" } },
      (err, stdout, stderr) => {
        try {
          const m = /Collected : (\d+)/.exec(stderr);
          if (!m) return reject(new Error("no callgrind total: " + (err?.message ?? "") + stderr.slice(-300)));
          resolve({ instr: Number(m[1]), out: stdout });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
    p.stdin?.on("error", () => {}); // stdin stays open (a pipe) until the process ends: quit() ends it
  });
}

/** Feature counts of a script in the simulator. @param {string} script @param {(d: SimDevice) => void} [drive] */
async function simFeatures(script, drive) {
  const d = new SimDevice({ bundle: "var quit=function(){};\n" + script + "\n", board: "esp32-devkitc", costModel: { features: true, sampleEvery: 0, memoryAtCallbackEnd: false } });
  try {
    await d.boot();
    if (drive) drive(d);
    return { f: Float64Array.from(d.cost.features), d };
  } finally {
    await d.stop();
  }
}

/** @template T @param {number} width @param {(() => Promise<T>)[]} jobs @returns {Promise<T[]>} */
async function pool(width, jobs) {
  /** @type {T[]} */ const out = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}

/** Measures every microbenchmark: [{name, real (instructions per iteration/call), features}] */
export async function measureAll(log = (/** @type {string} */ s) => process.stderr.write(s + "\n")) {
  /** @type {(() => Promise<{name: string, real: number, features: Float64Array}>)[]} */
  const jobs = [];
  for (const b of LOOPS) {
    const n = b.n ?? 3000;
    jobs.push(async () => {
      const [a, z] = [await callgrind(loopScript(b.setup ?? "", b.body, n) + "quit();", []), await callgrind(loopScript(b.setup ?? "", b.body, 0) + "quit();", [])];
      const fa = (await simFeatures(loopScript(b.setup ?? "", b.body, n))).f;
      const fz = (await simFeatures(loopScript(b.setup ?? "", b.body, 0))).f;
      const real = (a.instr - z.instr) / n;
      log("calibrate: " + b.name + ": " + Math.round(real) + " instructions/iteration");
      return { name: b.name, real, features: fa.map((v, i) => (v - fz[i]) / n) };
    });
  }
  for (const b of CALLBACKS) {
    jobs.push(async () => {
      let real;
      if (b.kind === "callback") {
        const script = (/** @type {number} */ N) => "var n=0,x,y,N=" + N + ";var iv=setInterval(function(){" + b.body + "if(n>=N){clearInterval(iv);quit();}},1);";
        const [a, z] = [await callgrind(script(300), ["jsiExecuteEventCallbackArgsArray"]), await callgrind(script(100), ["jsiExecuteEventCallbackArgsArray"])];
        real = (a.instr - z.instr) / 200;
      } else {
        const script = 'var n=0,x,y;require("timer").add({type:"EXEC",fn:function(){' + b.body + '},time:2,interval:2});' +
          'setInterval(function(){if(n>=300){print("<<n="+n+">>");quit();}},20);';
        const r = /** @type {{instr: number, out: string}} */ (await callgrind(script, ["jstOnRunInterruptJSEvent"]));
        const m = /<<n=(\d+)>>/.exec(r.out);
        if (!m) throw new Error(b.name + ": no count");
        real = r.instr / Number(m[1]);
      }
      // the simulator: the same callback, its features per call (the callback alone)
      const simScript = b.kind === "callback"
        ? "var n=0,x,y;setInterval(function(){" + b.body + "},1);"
        : 'var n=0,x,y;require("timer").add({type:"EXEC",fn:function(){' + b.body + '},time:2,interval:2});';
      const s = await simFeatures(simScript, (d) => {
        d.advance(20);
        d.cost.resetStats();
        const n0 = /** @type {number} */ (d.evaluate("n"));
        d.cost.resetStats();
        d.advance(400);
        const n1 = /** @type {number} */ (d.evaluate("n"));
        d.cost.features.forEach((v, i, a) => (a[i] = v / (n1 - n0)));
      });
      log("calibrate: " + b.name + ": " + Math.round(real) + " instructions/call");
      return { name: b.name, real, features: s.f };
    });
  }
  return pool(2, jobs);
}

/**
 * Non-negative least squares (projected coordinate descent) of rows x w ≈ y, each row divided by its y (relative
 * error). Returns w.
 * @param {Float64Array[]} X @param {number[]} y
 */
export function nnls(X, y) {
  const m = X.length, k = X[0].length;
  const A = X.map((r, i) => r.map((v) => v / y[i]));
  const b = y.map(() => 1);
  const w = new Float64Array(k);
  const col2 = Array.from({ length: k }, (_, j) => A.reduce((s, r) => s + r[j] * r[j], 0));
  const res = b.slice(); // b - A w
  for (let it = 0; it < 20000; it++) {
    let moved = 0;
    for (let j = 0; j < k; j++) {
      if (col2[j] === 0) continue;
      let g = 0;
      for (let i = 0; i < m; i++) g += A[i][j] * res[i];
      const nw = Math.max(0, w[j] + g / col2[j]);
      const d = nw - w[j];
      if (d !== 0) {
        for (let i = 0; i < m; i++) res[i] -= A[i][j] * d;
        w[j] = nw;
        moved = Math.max(moved, Math.abs(d) / (Math.abs(nw) + 1));
      }
    }
    if (moved < 1e-9) break;
  }
  return w;
}

/** Fits the table from measured rows. @param {{name: string, real: number, features: Float64Array}[]} rows */
export function fit(rows) {
  const w = nnls(rows.map((r) => r.features), rows.map((r) => r.real));
  /** @type {Record<string, number>} */
  const constructs = {};
  FEATURES.forEach((n, i) => (constructs[n] = Math.round(w[i] * 10) / 10));
  const check = rows.map((r) => {
    const est = r.features.reduce((s, v, i) => s + v * w[i], 0);
    return { name: r.name, real: Math.round(r.real), model: Math.round(est), ratio: Math.round((est / r.real) * 1000) / 1000 };
  });
  return { constructs, check };
}

async function main() {
  const args = process.argv.slice(2);
  const out = args.includes("--out") ? args[args.indexOf("--out") + 1] : "host-sim/calibration.json";
  const t0 = Date.now();
  const rows = await measureAll();
  const { constructs, check } = fit(rows);
  const table = {
    about: "Instructions per construct for the simulator's cost model (host-sim/MEMORY.md 'Cost model'), fitted by bench/real/constructs.mjs on microbenchmarks only. Unit: x86 (32-bit) instructions of the real interpreter's Linux build, as valgrind callgrind counts them.",
    interpreter: "Espruino 2v29.277 for Linux, espruino-" + JSVARS + " (../shared/espruino)",
    unit: "callgrind instructions (x86-32, this build)",
    date: new Date().toISOString().slice(0, 10),
    constructs,
    microbenchmarks: check,
  };
  writeFileSync(out, JSON.stringify(table, null, 2) + "\n");
  for (const c of check) process.stderr.write("  " + c.name.padEnd(36) + String(c.real).padStart(9) + String(c.model).padStart(9) + "  " + c.ratio + "\n");
  process.stderr.write("calibrate: wrote " + out + " in " + Math.round((Date.now() - t0) / 1000) + " s\n" + JSON.stringify(constructs) + "\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
void readFileSync;
