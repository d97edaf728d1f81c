import type { PriceSnapshot } from '../../core/pricing/quote.js';
import type { PriceFetchOptions, PriceSource, PriceSourceKind } from '../../ports/price-source.js';
import { abortedError } from './errors.js';

type Outcome = { readonly snapshot: PriceSnapshot } | { readonly error: unknown } | { readonly hold: true };

interface Held {
  resolve(snapshot: PriceSnapshot): void;
  reject(error: unknown): void;
}

/**
 * A PriceSource for tests (style.md lesson 5): answers with a default snapshot, or with what it is told to
 * answer next (a snapshot, an error, or "hold": stay pending until `release`/`fail`). Records every call and
 * how many fetches were running at once. Honours the abort signal like a real adapter.
 */
export class FakePriceSource implements PriceSource {
  readonly name: string;
  readonly kind: PriceSourceKind;
  /** Answer when nothing is queued. */
  snapshot: PriceSnapshot;
  calls = 0;
  running = 0;
  maxConcurrent = 0;
  readonly #queue: Outcome[] = [];
  readonly #held: Held[] = [];

  constructor(options: { name: string; kind: PriceSourceKind; snapshot?: PriceSnapshot }) {
    this.name = options.name;
    this.kind = options.kind;
    this.snapshot = options.snapshot ?? { quotes: [], errors: [] };
  }

  /** Answer the next call with `snapshot`. */
  answerNext(snapshot: PriceSnapshot): this {
    this.#queue.push({ snapshot });
    return this;
  }

  /** Fail the next call with `error`. */
  failNext(error: unknown): this {
    this.#queue.push({ error });
    return this;
  }

  /** Keep the next call pending until `release` or `fail`. */
  holdNext(): this {
    this.#queue.push({ hold: true });
    return this;
  }

  /** Resolve the oldest held call. */
  release(snapshot: PriceSnapshot = this.snapshot): void {
    this.#held.shift()?.resolve(snapshot);
  }

  /** Reject the oldest held call. */
  fail(error: unknown): void {
    this.#held.shift()?.reject(error);
  }

  async fetch({ signal }: PriceFetchOptions): Promise<PriceSnapshot> {
    this.calls += 1;
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      if (signal.aborted) throw abortedError(this.name, signal.reason);
      const outcome = this.#queue.shift() ?? { snapshot: this.snapshot };
      if ('error' in outcome) throw outcome.error;
      if ('snapshot' in outcome) return outcome.snapshot;
      return await new Promise<PriceSnapshot>((resolve, reject) => {
        const held: Held = { resolve, reject };
        this.#held.push(held);
        signal.addEventListener('abort', () => {
          const i = this.#held.indexOf(held);
          if (i >= 0) this.#held.splice(i, 1);
          reject(abortedError(this.name, signal.reason));
        }, { once: true });
      });
    } finally {
      this.running -= 1;
    }
  }
}
