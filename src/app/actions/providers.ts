import type { Offering } from '../../core/model/offering.js';
import type { CloudProvider } from '../../ports/cloud-provider.js';

/**
 * Which provider instance carries out an action. The provider registry (src/app/providers) implements it for
 * `governator serve`; tests and backtests use `staticProviders`.
 */
export interface ProviderResolver {
  /**
   * The provider instance that starts nodes of this offering; undefined when none is configured for it.
   * `allowed` (a pool's `start_on`: instance names or kinds) narrows the choice when not empty.
   */
  forOffering(offering: Offering, allowed?: readonly string[]): CloudProvider | undefined;
  /** The provider instance with this name (nodes remember theirs). */
  byName(name: string): CloudProvider | undefined;
  /** Every provider instance (reconciliation lists them all). */
  all(): readonly CloudProvider[];
}

/** Kinds that host any catalog offering: simulators, local workers, and Kubernetes (its nodes are cloud offerings). */
const ANY_OFFERING_KINDS: ReadonlySet<string> = new Set(['sim', 'fake', 'local', 'kubernetes']);

/**
 * The provider for `offering` among `providers` (in registration order): when `allowed` is given and not
 * empty, only those whose name or kind it lists are candidates (a pool pinned to `k8s-prod` starts its
 * `aws:…` offerings there, not on EC2). Then: the one named like the offering's provider, else one of that
 * kind, else one whose kind hosts any offering (sim, fake, local, kubernetes).
 */
export function chooseProvider(providers: readonly CloudProvider[], offering: Offering, allowed?: readonly string[]): CloudProvider | undefined {
  const candidates = allowed === undefined || allowed.length === 0
    ? providers
    : providers.filter((p) => allowed.includes(p.name) || allowed.includes(p.kind));
  return candidates.find((p) => p.name === offering.provider)
    ?? candidates.find((p) => p.kind === offering.provider)
    ?? candidates.find((p) => ANY_OFFERING_KINDS.has(p.kind));
}

/**
 * A resolver over a fixed list. An offering goes to the provider named like its `provider` field (`aws`), else
 * to one whose kind is that (`aws` kind named `aws-prod`), else to a sim, fake or local provider, which host any
 * offering (the demo and backtests run the whole catalog on the simulator).
 */
export function staticProviders(providers: readonly CloudProvider[]): ProviderResolver {
  const byName = new Map(providers.map((p) => [p.name, p]));
  return {
    forOffering: (offering, allowed) => chooseProvider(providers, offering, allowed),
    byName: (name) => byName.get(name),
    all: () => providers,
  };
}
