import type { Node, NodeState } from '../../core/model/node.js';
import type { Offering } from '../../core/model/offering.js';
import type { FleetNode } from '../../core/model/scenario.js';
import type { CloudProvider, ProviderNode } from '../../ports/cloud-provider.js';
import type { Clock } from '../../ports/clock.js';
import type { NodeRepository } from '../../ports/store.js';
import type { ProviderResolver } from '../actions/providers.js';
import type { EventBus } from '../events.js';
import { offeringOfNode } from '../node-offering.js';
import type { FleetView, LoopInventory } from './loop.js';
import { selectorMatches, type LoopPool } from './pool.js';

export interface ProviderInventoryOptions {
  /** Every provider instance (the registry). */
  readonly providers: Pick<ProviderResolver, 'all'>;
  /** The nodes table, kept in step with what the providers report (the API, overview and dashboard read it). */
  readonly nodes: NodeRepository;
  /** Catalog lookup by offering id (the live catalog). */
  readonly offerings: (id: string) => Offering | undefined;
  readonly clock: Clock;
  readonly events?: EventBus;
}

const PAGE = 1000;
/** States in which a node holds its offering (owned servers, quota). */
const ALIVE: ReadonlySet<NodeState> = new Set<NodeState>(['pending', 'running', 'stopping']);

/**
 * The loop's inventory over the providers (docs/loop.md, "Inventory"): every iteration lists each provider,
 * writes what changed to the nodes table (state, pool, price from the catalog), marks nodes a provider no
 * longer lists as terminated, and returns the governed pools' nodes and how many nodes of each offering are
 * alive (so limited offerings such as owned servers are not planned beyond what is left). A node belongs to a pool by its
 * `governator:pool` label, else by the first pool whose `nodeSelector` its labels match. A provider that cannot
 * be listed is reported in `errors` and its stored nodes are left as they were.
 */
export class ProviderInventory implements LoopInventory {
  readonly #o: ProviderInventoryOptions;
  /** What was last written per node id: `state|pool`, so unchanged nodes cost no write. */
  readonly #written = new Map<string, string>();

  constructor(options: ProviderInventoryOptions) {
    this.#o = options;
  }

  async refresh(pools: readonly LoopPool[]): Promise<FleetView> {
    const names = new Set(pools.map((p) => p.name));
    const selectors = pools.filter((p) => p.nodeSelector !== null);
    const nodes: FleetNode[] = [];
    const extra = new Map<string, Offering>();
    const errors: string[] = [];
    const consumed = new Map<string, number>();
    for (const provider of this.#o.providers.all()) {
      let listed: readonly ProviderNode[];
      try {
        listed = await provider.listNodes();
      } catch (error) {
        errors.push(`${provider.name}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const seen = new Set<string>();
      for (const node of listed) {
        seen.add(node.id);
        const pool = node.pool !== null && names.has(node.pool)
          ? node.pool
          : node.pool === null ? (selectors.find((p) => selectorMatches(p.nodeSelector, node.labels))?.name ?? null) : node.pool;
        let offering = node.offeringId === null ? undefined : this.#o.offerings(node.offeringId);
        await this.#write(node, pool, offering);
        if (offering !== undefined && ALIVE.has(node.state)) consumed.set(offering.id, (consumed.get(offering.id) ?? 0) + 1);
        if (pool === null || !names.has(pool)) continue;
        if (offering === undefined) {
          offering = offeringOfNode(node);
          extra.set(offering.id, offering);
        }
        nodes.push({ id: node.id, pool, offering: offering.id, state: node.state, startedAt: node.launchedAt });
      }
      await this.#markGone(provider, seen);
    }
    return { nodes, extraOfferings: [...extra.values()], errors, consumed };
  }

  async #write(node: ProviderNode, pool: string | null, offering: Offering | undefined): Promise<void> {
    const key = `${node.state}|${pool ?? ''}|${node.offeringId ?? ''}`;
    const before = this.#written.get(node.id);
    if (before === key) return;
    const previous = before === undefined ? (await this.#o.nodes.get(node.id))?.state ?? null : (before.split('|')[0] as NodeState);
    const now = this.#o.clock.now();
    const row: Node = {
      id: node.id, provider: node.provider, region: node.region, zone: node.zone, instanceType: node.instanceType,
      offeringId: node.offeringId, pool, state: node.state, labels: node.labels,
      vcpus: offering?.vcpus ?? null, memoryGiB: offering?.memoryGiB ?? null, gpu: offering?.gpu ?? null,
      pricePerHour: offering?.pricePerHour ?? null, startedAt: node.launchedAt === null ? null : new Date(node.launchedAt), updatedAt: now,
    };
    await this.#o.nodes.upsert(row);
    this.#written.set(node.id, key);
    if (previous !== node.state) {
      this.#o.events?.publish('node.state', now, { nodeId: node.id, provider: node.provider, pool, state: node.state, previous });
    }
  }

  /** Stored nodes of the provider that it no longer lists are gone (deleted behind our back, or long terminated). */
  async #markGone(provider: CloudProvider, seen: ReadonlySet<string>): Promise<void> {
    let after: string | undefined;
    const now = this.#o.clock.now();
    do {
      const page = await this.#o.nodes.list({ provider: provider.name, limit: PAGE, ...(after === undefined ? {} : { after }) });
      for (const node of page.nodes) {
        if (seen.has(node.id) || node.state === 'terminated') continue;
        await this.#o.nodes.upsert({ ...node, state: 'terminated', updatedAt: now });
        this.#written.set(node.id, `terminated|${node.pool ?? ''}|${node.offeringId ?? ''}`);
        this.#o.events?.publish('node.state', now, { nodeId: node.id, provider: node.provider, pool: node.pool, state: 'terminated', previous: node.state });
      }
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
  }
}
