// The test oracles themselves: the OpenMetrics parser wrapper must carry non-finite values and reject bad bodies.
import { describe, expect, it } from "vitest";
import { openMetricsParse, promtoolCheckMetrics } from "./system-tools.js";

describe("test oracles", () => {
  it("openMetricsParse carries NaN and +Inf as their exposition spelling", () => {
    expect(openMetricsParse('# TYPE a gauge\na NaN\na{x="1"} +Inf\n# EOF\n')).toEqual({
      ok: true,
      families: [{ name: "a", type: "gauge", help: "", samples: [["a", {}, "NaN"], ["a", { x: "1" }, "+Inf"]] }],
    });
  });

  it("openMetricsParse rejects a body without # EOF", () => {
    expect(openMetricsParse("# TYPE a gauge\na 1\n").ok).toBe(false);
  });

  it("promtool accepts a clean body and rejects a broken one", () => {
    expect(promtoolCheckMetrics("# HELP a_total x\n# TYPE a_total counter\na_total 1\n").status).toBe(0);
    expect(promtoolCheckMetrics('a_total{x="1} 1\n').status).toBe(1);
  });
});
