import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Prometheus metrics of the provider registry (governator_provider_*), on no registry of their own: the
 * server adds them to its registry with `attach`, so they appear on /metrics. Label `provider` is the
 * provider instance's configured name (bounded by configuration), `operation` one of the five port methods.
 */
export class ProviderMetrics {
  #collector: (() => void) | undefined;

  /** Called before each scrape of the computed gauges (error ratio, info): the registry refreshes them. */
  setCollector(collector: () => void): void {
    this.#collector = collector;
  }
  readonly up = new Gauge({
    name: 'governator_provider_up',
    help: 'Provider reachability from the last health probe: 1 reachable, 0 not (absent before the first probe).',
    labelNames: ['provider', 'kind'] as const,
    registers: [],
  });

  readonly probeSeconds = new Gauge({
    name: 'governator_provider_health_probe_seconds',
    help: 'Round-trip time of the last health probe of each provider.',
    labelNames: ['provider'] as const,
    registers: [],
  });

  readonly probes = new Counter({
    name: 'governator_provider_health_probes_total',
    help: 'Health probes run, by provider and result (ok, failed, timeout).',
    labelNames: ['provider', 'result'] as const,
    registers: [],
  });

  readonly calls = new Counter({
    name: 'governator_provider_calls_total',
    help: 'Calls to providers by operation and outcome: ok, or the provider error kind (not_found, throttled, unavailable …), or error.',
    labelNames: ['provider', 'operation', 'outcome'] as const,
    registers: [],
  });

  readonly callSeconds = new Histogram({
    name: 'governator_provider_call_duration_seconds',
    help: 'Time provider calls took, by operation (failed calls included).',
    labelNames: ['provider', 'operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [],
  });

  readonly errorRatio = new Gauge({
    name: 'governator_provider_error_ratio',
    help: 'Share of recent provider calls that failed (throttled, unavailable, timed out, refused credentials, unexpected), over the health window.',
    labelNames: ['provider'] as const,
    registers: [],
    collect: () => { this.#collector?.(); },
  });

  readonly info = new Gauge({
    name: 'governator_provider_info',
    help: 'Always 1 per registered provider; labels say its kind, where it was defined (config or api) and its status.',
    labelNames: ['provider', 'kind', 'source', 'status'] as const,
    registers: [],
  });

  all(): ReadonlyArray<Gauge | Counter | Histogram> {
    return [this.up, this.probeSeconds, this.probes, this.calls, this.callSeconds, this.errorRatio, this.info];
  }

  /** Register every metric with `registry` (the server's); a metric already there is left alone. */
  attach(registry: Registry): void {
    for (const metric of this.all()) {
      const name = (metric as unknown as { name: string }).name;
      if (registry.getSingleMetric(name) === undefined) registry.registerMetric(metric);
    }
  }
}
