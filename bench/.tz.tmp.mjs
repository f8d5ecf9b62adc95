import { minify } from "terser";
import fs from "node:fs";
import { TERSER_OPTIONS } from "../rollup.config.mjs";
const code = fs.readFileSync("dist/firmware.js","utf8");
for (const extra of [{}, {reduce_vars:true}, {reduce_vars:true, unused:true}, {reduce_vars:true, unused:true, evaluate:false, collapse_vars:false}]) {
  const r = await minify(code, { ...TERSER_OPTIONS, compress: { ...TERSER_OPTIONS.compress, ...extra } });
  const vars = (r.code.match(/var [A-Za-z_$]+=-?\d+[;,]/g) || []).length;
  console.log(JSON.stringify(extra), r.code.length, "numeric var decls", vars);
  if (extra.unused) fs.writeFileSync("/tmp/unused.min.js", r.code);
}
