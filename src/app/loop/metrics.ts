import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Metric } from 'prom-client';

/**
 * The control loop's Prometheus metrics (docs/loop.md, "Metrics"). Created unregistered; the server adds them
 * to its registry with `attach`, so they appear on /metrics.
 */
export class LoopMetrics {
  readonly iterations = new Counter({
    name: 'governator_loop_iterations_total',
    help: 'Control-loop iterations, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [],
  });

  readonly duration = new Histogram({
    name: 'governator_loop_iteration_duration_seconds',
    help: 'Time one control-loop iteration took, end to end (inventory, telemetry, forecast, plan, record, submit).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [],
  });

  readonly missed = new Counter({
    name: 'governator_loop_missed_ticks_total',
    help: 'Ticks skipped because the previous iteration was still running (iterations never stack).',
    registers: [],
  });

  readonly slow = new Counter({
    name: 'governator_loop_slow_iterations_total',
    help: 'Iterations that took longer than the loop interval.',
    registers: [],
  });

  readonly lastSuccess = new Gauge({
    name: 'governator_loop_last_success_timestamp_seconds',
    help: 'Unix time the last iteration finished without error.',
    registers: [],
  });

  readonly plans = new Counter({
    name: 'governator_loop_pool_plans_total',
    help: 'Per pool and iteration: planned (the solver ran), steady (the fleet fits the expected demand; no solve), no-data (no demand telemetry).',
    labelNames: ['result'] as const,
    registers: [],
  });

  readonly observedDemand = new Gauge({
    name: 'governator_loop_pool_demand',
    help: 'Latest observed demand per pool, in the pool\'s unit.',
    labelNames: ['pool'] as const,
    registers: [],
  });

  readonly planningDemand = new Gauge({
    name: 'governator_loop_pool_planning_demand',
    help: 'Demand the loop planned for per pool (expected over the start-up lead time), in the pool\'s unit.',
    labelNames: ['pool'] as const,
    registers: [],
  });

  readonly usableCapacity = new Gauge({
    name: 'governator_loop_pool_usable_capacity',
    help: 'Capacity of the pool\'s running and pending nodes times its max utilisation, in the pool\'s unit.',
    labelNames: ['pool'] as const,
    registers: [],
  });

  readonly qosBreaches = new Counter({
    name: 'governator_loop_qos_breaches_total',
    help: 'Iterations in which a pool\'s QoS metric was above its target (capacity is added).',
    labelNames: ['pool'] as const,
    registers: [],
  });

  /** Register every metric with `registry` (the server's). */
  attach(registry: Registry): void {
    for (const metric of [this.iterations, this.duration, this.missed, this.slow, this.lastSuccess, this.plans,
      this.observedDemand, this.planningDemand, this.usableCapacity, this.qosBreaches] as Metric[]) {
      registry.registerMetric(metric);
    }
  }
}
