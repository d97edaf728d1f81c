import type { Offering } from '../../../core/model/offering.js';
import type { DelayRange } from './random.js';

/**
 * How long a simulated node takes from "start accepted" to "running", by kind of machine. The defaults are
 * ranges reported in public measurements and vendor documentation (rationale in docs/providers.md, "Simulated
 * cloud"):
 * - CPU VMs, 40–90 s: EC2/GCE/Azure Linux VMs from a stock image are typically reachable 40–60 s after the API
 *   call, with a tail past a minute under load (published boot-time benchmarks of the major clouds).
 * - GPU VMs, 2–7 min: the same boot plus NVIDIA driver/fabric-manager initialisation on 8-GPU hosts and pulling
 *   model weights (tens of GiB) before the server answers health checks.
 * - Owned bare metal, 3–10 min: IPMI power-on, firmware POST with memory training on large-memory servers
 *   (several minutes on 1–2 TiB machines), network boot or disk boot, then the service.
 */
export interface StartupProfile {
  readonly cpu: DelayRange;
  readonly gpu: DelayRange;
  readonly owned: DelayRange;
}

export const DEFAULT_STARTUP: StartupProfile = {
  cpu: { min: 40, max: 90 },
  gpu: { min: 120, max: 420 },
  owned: { min: 180, max: 600 },
};

/** From "stop accepted" to stopped/terminated. Clouds report 30–120 s (graceful OS shutdown, then release). */
export const DEFAULT_STOP_DELAY: DelayRange = { min: 20, max: 90 };

/** Which start-up range applies to an offering: owned hardware first (a GPU server on-prem powers on like a server). */
export function startupRange(profile: StartupProfile, offering: Offering): DelayRange {
  if (offering.purchase === 'owned') return profile.owned;
  return offering.gpu !== null && offering.gpu.count > 0 ? profile.gpu : profile.cpu;
}

/**
 * AWS Spot Instance Advisor publishes, per instance type and region, the share of spot instances interrupted in
 * the trailing month as a bucket. The simulator turns a bucket into an hourly hazard rate: the bucket's
 * midpoint p as the probability that a node running a month (730 h) is interrupted, rate = −ln(1 − p) / 730.
 */
export const SPOT_INTERRUPTION_BUCKETS = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;
export type SpotInterruptionBucket = (typeof SPOT_INTERRUPTION_BUCKETS)[number];

const BUCKET_MONTHLY_PROBABILITY: Record<SpotInterruptionBucket, number> = {
  '<5%': 0.025, '5-10%': 0.075, '10-15%': 0.125, '15-20%': 0.175, '>20%': 0.25,
};

/** Used when the catalog says nothing about an offering's interruptions: the bucket most GPU spot types sit in. */
export const DEFAULT_SPOT_BUCKET: SpotInterruptionBucket = '5-10%';

export function isSpotInterruptionBucket(value: string): value is SpotInterruptionBucket {
  return (SPOT_INTERRUPTION_BUCKETS as readonly string[]).includes(value);
}

export function spotInterruptionRatePerHour(bucket: SpotInterruptionBucket): number {
  return -Math.log(1 - BUCKET_MONTHLY_PROBABILITY[bucket]) / 730;
}
