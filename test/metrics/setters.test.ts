// Collector-owned values: Counter setTotal() (absolute, never decreasing) and Histogram setFrom()/read()
// (per-bucket counts and sum computed elsewhere, e.g. by the sampling aggregator), rendered exactly.
import { describe, expect, it } from "vitest";
import { Registry } from "../../firmware/metrics/registry.js";
import { NOOP_CHILD } from "../../firmware/metrics/metric.js";
import { TEXT } from "../../firmware/exposition/format.js";
import { body } from "./helpers.js";

describe("Counter setTotal()", () => {
  it("sets an absolute total, equal or higher values only", () => {
    const r = new Registry();
    const c = r.counter({ name: "x_total", help: "X.", labelNames: ["ch"], preset: [["a"]] });
    c.labels(["a"]).setTotal(5);
    expect(c.labels(["a"]).get()).toBe(5);
    c.labels(["a"]).setTotal(5);
    c.labels(["a"]).setTotal(9007199254740992);
    expect(body(r, TEXT)).toContain('x_total{ch="a"} 9007199254740992\n');
    expect(() => c.labels(["a"]).setTotal(4)).toThrow("metric x_total: counter total must not decrease, got 4 after 9007199254740992");
  });
  it("refuses NaN, infinities, negatives and non-numbers, and non-counters", () => {
    const r = new Registry();
    const c = r.counter({ name: "y_total", help: "Y." });
    expect(() => c.setTotal(NaN)).toThrow("metric y_total: counter total must be finite and >= 0, got NaN");
    expect(() => c.setTotal(Infinity)).toThrow("counter total must be finite and >= 0, got +Inf");
    expect(() => c.setTotal(-1)).toThrow("counter total must be finite and >= 0, got -1");
    expect(() => c.setTotal("3" as unknown as number)).toThrow("got string");
    c.setTotal(3);
    expect(c.get()).toBe(3);
    const g = r.gauge({ name: "g", help: "G." });
    expect(() => (g as unknown as { setTotal(v: number): void }).setTotal(1)).toThrow("metric g: setTotal() is only supported by a counter");
  });
  it("the no-op child accepts it", () => {
    expect(() => NOOP_CHILD.setTotal(1)).not.toThrow();
    expect(() => NOOP_CHILD.setFrom(new Float64Array(3), 0, 1)).not.toThrow();
  });
});

describe("Histogram setFrom()/read()", () => {
  it("renders per-bucket counts cumulatively, with the given sum and the total as _count", () => {
    const r = new Registry();
    const h = r.histogram({ name: "v_volts", help: "V.", labelNames: ["ch"], buckets: [1, 2], preset: [["a"], ["b"]] });
    const counts = new Float64Array([9, 9, 1, 2, 3, 9]);
    h.labels(["a"]).setFrom(counts, 2, 12.5);
    const text = body(r, TEXT);
    expect(text).toContain(
      'v_volts_bucket{ch="a",le="1"} 1\nv_volts_bucket{ch="a",le="2"} 3\nv_volts_bucket{ch="a",le="+Inf"} 6\nv_volts_sum{ch="a"} 12.5\nv_volts_count{ch="a"} 6\n',
    );
    expect(text).toContain('v_volts_count{ch="b"} 0\n');
    expect(h.labels(["a"]).get()).toBe(6);
    const out = new Float64Array(5);
    h.labels(["a"]).read(out, 1);
    expect([...out]).toEqual([0, 1, 2, 3, 12.5]);
  });
  it("checks everything before writing: shrinking counts, bad counts, bad sums, short arrays", () => {
    const r = new Registry();
    const h = r.histogram({ name: "w_volts", help: "W.", buckets: [1] });
    h.setFrom(new Float64Array([2, 3]), 0, 4);
    const msg = "metric w_volts: ";
    expect(() => h.setFrom(new Float64Array([3, 2]), 0, 5)).toThrow(msg + "bucket counts must not decrease, got 2 after 3");
    expect(() => h.setFrom(new Float64Array([2, 3.5]), 0, 5)).toThrow(msg + "bucket counts must be whole numbers >= 0, got 3.5");
    expect(() => h.setFrom(new Float64Array([2, NaN]), 0, 5)).toThrow("got NaN");
    expect(() => h.setFrom(new Float64Array([2, 3]), 0, NaN)).toThrow(msg + "histogram sum must be a finite number, got NaN");
    expect(() => h.setFrom(new Float64Array([2, 3]), 1, 1)).toThrow(msg + "setFrom() needs 2 bucket counts from offset 1");
    const out = new Float64Array(3);
    h.read(out, 0);
    expect([...out]).toEqual([2, 3, 4]); // unchanged by the refused calls
    h.setFrom(new Float64Array([2, 3]), 0, -1); // the sum may go down (negative observations)
    expect(body(r, TEXT)).toContain("w_volts_sum -1\nw_volts_count 5\n");
    const c = r.counter({ name: "z_total", help: "Z." });
    expect(() => (c as unknown as { setFrom(a: Float64Array, o: number, s: number): void }).setFrom(out, 0, 1)).toThrow(
      "metric z_total: setFrom() is only supported by a histogram",
    );
  });
  it("mixes with observe()", () => {
    const r = new Registry();
    const h = r.histogram({ name: "m_volts", help: "M.", buckets: [1] });
    h.observe(0.5);
    h.setFrom(new Float64Array([4, 0]), 0, 2);
    h.observe(3);
    expect(body(r, TEXT)).toContain('m_volts_bucket{le="1"} 4\nm_volts_bucket{le="+Inf"} 5\nm_volts_sum 5\nm_volts_count 5\n');
  });
});
