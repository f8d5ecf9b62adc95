// Public API of the metrics core.
export { Registry, DEFAULT_REGISTRY_MAX_SERIES } from "./registry.js";
export type { Collector, RegistryOptions } from "./registry.js";
export {
  Metric,
  Child,
  NOOP_CHILD,
  COUNTER,
  GAUGE,
  HISTOGRAM,
  DEFAULT_MAX_SERIES,
  createCounter,
  createGauge,
  createHistogram,
  linearBuckets,
  exponentialBuckets,
} from "./metric.js";
export type { Counter, Gauge, Histogram, ValueChild, CounterChild, GaugeChild, HistogramChild, LabelValues, MetricOptions } from "./metric.js";
