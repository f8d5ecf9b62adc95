// THE FLOOR (docs/benchmarks.md defines it by pointing here; this file is its source).
// The product's own sampling structure at the same rate and nothing else: one `require("timer").add({type: "EXEC"})`
// task firing every 1000 / sampleRateHz ms (evenly spaced samples, one sample per channel per tick, as the
// default config's samplesPerTick 1), each tick reading each channel through the same ADC call (`analogRead`, the
// board stand-in's) and storing the value into a Float64Array ring. Measured exactly as the product's per-sample
// figure: callgrind inclusive instructions under jstOnRunInterruptJSEvent (the EXEC ticks) / samples taken.
// Details: docs/host-tools.md "bench/real/floor.mjs".
import { standInSource } from "../../test/real-interpreter/board-stand-in.mjs";

/** @typedef {"floor" | "adc" | "const"} FloorKind */

/**
 * Storage files of a floor instance: `.boot0` the board stand-in (as for the product), `.bootcde` the floor script.
 * @param {{board: string, network?: string, pins: string[], rateHz: number, kind: FloorKind}} o
 * @returns {Record<string, string>}
 */
export function floorFiles(o) {
  return { ".boot0": standInSource({ board: o.board, network: o.network }), ".bootcde": floorScript(o) };
}

/** Ring length (a power of two, a few seconds of samples). */
export const FLOOR_RING = 256;

/**
 * The script, booted from Storage as `.bootcde` like the product (the board stand-in is its `.boot0`, see
 * floorFiles), no server: the tick. Prints <<ready>> once
 * armed. Samples taken: the stand-in's read counts
 * (`__standIn.reads`) for "floor" (so its tick does nothing else) and `__n` for "adc" and "const" (both pay the
 * same `__n+=N`, which cancels in their difference).
 * @param {{board: string, network?: string, pins: string[], rateHz: number, kind: FloorKind}} o
 */
export function floorScript(o) {
  const ms = 1000 / o.rateHz;
  const body =
    o.kind === "floor"
      ? "for(var c=0;c<N;c++){ring[i]=analogRead(pins[c]);i=(i+1)&M;}"
      : o.kind === "adc"
        ? "for(var c=0;c<N;c++){analogRead(pins[c]);}__n+=N;"
        : "for(var c=0;c<N;c++){k(pins[c]);}__n+=N;";
  return (
    "var pins=" + JSON.stringify(o.pins) + ",N=pins.length,M=" + (FLOOR_RING - 1) + ",i=0;\n" +
    "var ring=new Float64Array(" + FLOOR_RING + ");\n" +
    "var k=function(p){return 0.5;};\n" +
    "var __n=0;\n" +
    'require("timer").add({type:"EXEC",fn:function(){' + body + "},time:" + ms + ",interval:" + ms + "});\n" +
    'print("<<ready>>");\n'
  );
}
