import { EventEmitter } from 'node:events';
import type { NodeState } from '../core/model/node.js';

/**
 * Live events inside one Governator process: the control loop, the action engine, the forecaster and the price
 * refresher publish; GET /api/v1/stream (the dashboard) and tests subscribe. Fire-and-forget: a subscriber that
 * throws is isolated (its error goes to `onSubscriberError`), never the publisher's problem.
 */
export interface GovernatorEvents {
  /** A node changed state (inventory refresh, action progress). */
  'node.state': { readonly nodeId: string; readonly provider: string; readonly pool: string | null; readonly state: NodeState; readonly previous: NodeState | null };
  /** A plan was recorded (deployment_decisions id). */
  'decision': { readonly id: number; readonly pool: string | null; readonly source: string; readonly mode: string; readonly summary: string; readonly savingsPerHour: number };
  /** An action of the engine changed status (queued, running, succeeded, failed, rolled-back …). */
  'action': { readonly id: string; readonly planId: number | null; readonly kind: 'start' | 'stop'; readonly pool: string; readonly provider: string; readonly nodeId: string | null; readonly status: string; readonly detail?: string };
  /** An anomaly was flagged on a series. */
  'anomaly': { readonly series: string; readonly kind: string; readonly at: string; readonly value: number | null; readonly score: number | null };
  /** A price changed (live price sources). */
  'price.change': { readonly offeringId: string; readonly previous: number | null; readonly current: number };
  /** A forecast was (re)computed for a pool. */
  'forecast': { readonly pool: string; readonly model: string; readonly at: string };
  /** The global kill switch changed. */
  'control.paused': { readonly paused: boolean; readonly by: string };
}

export type GovernatorEventName = keyof GovernatorEvents;

export interface EventEnvelope<K extends GovernatorEventName = GovernatorEventName> {
  readonly type: K;
  /** ISO 8601, from the publisher's clock. */
  readonly at: string;
  readonly data: GovernatorEvents[K];
}

export class EventBus {
  readonly #emitter = new EventEmitter();
  readonly #onSubscriberError: (error: unknown, type: GovernatorEventName) => void;

  constructor(options: { onSubscriberError?: (error: unknown, type: GovernatorEventName) => void } = {}) {
    this.#emitter.setMaxListeners(0);
    this.#onSubscriberError = options.onSubscriberError ?? (() => undefined);
  }

  publish<K extends GovernatorEventName>(type: K, at: Date, data: GovernatorEvents[K]): void {
    const envelope: EventEnvelope<K> = { type, at: at.toISOString(), data };
    for (const listener of this.#emitter.listeners('event')) {
      try {
        (listener as (e: EventEnvelope) => void)(envelope);
      } catch (error) {
        this.#onSubscriberError(error, type);
      }
    }
  }

  /** Every event, in publish order. Returns the unsubscribe function. */
  subscribe(listener: (event: EventEnvelope) => void): () => void {
    this.#emitter.on('event', listener);
    return () => { this.#emitter.off('event', listener); };
  }

  get subscriberCount(): number {
    return this.#emitter.listenerCount('event');
  }
}
