import type { Offering } from '../../core/model/offering.js';
import type { CloudProvider } from '../../ports/cloud-provider.js';

/**
 * Which provider instance carries out an action. The provider registry (src/app/providers) implements it for
 * `governator serve`; tests and backtests use `staticProviders`.
 */
export interface ProviderResolver {
  /** The provider instance that starts nodes of this offering; undefined when none is configured for it. */
  forOffering(offering: Offering): CloudProvider | undefined;
  /** The provider instance with this name (nodes remember theirs). */
  byName(name: string): CloudProvider | undefined;
  /** Every provider instance (reconciliation lists them all). */
  all(): readonly CloudProvider[];
}

const ANY_OFFERING_KINDS: ReadonlySet<string> = new Set(['sim', 'fake', 'local']);

/**
 * A resolver over a fixed list. An offering goes to the provider named like its `provider` field (`aws`), else
 * to one whose kind is that (`aws` kind named `aws-prod`), else to a sim, fake or local provider, which host any
 * offering (the demo and backtests run the whole catalog on the simulator).
 */
export function staticProviders(providers: readonly CloudProvider[]): ProviderResolver {
  const byName = new Map(providers.map((p) => [p.name, p]));
  return {
    forOffering(offering) {
      return byName.get(offering.provider)
        ?? providers.find((p) => p.kind === offering.provider)
        ?? providers.find((p) => ANY_OFFERING_KINDS.has(p.kind));
    },
    byName: (name) => byName.get(name),
    all: () => providers,
  };
}
