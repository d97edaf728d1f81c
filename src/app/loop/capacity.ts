/**
 * Learned capacity (issue #8, item 2): how much demand one node of each offering really serves at 100%
 * utilisation, estimated from what the pool served and how busy its nodes were.
 *
 * Model: at every observation t the pool serves demand D(t) and node i of offering o(i) is busy u_i(t) ∈ [0, 1].
 * If a node of offering o serves c_o at full load, then D(t) = Σ_o c_o · U_o(t) with U_o(t) = Σ_{i ∈ o} u_i(t).
 * Over a window of observations that is a linear least-squares problem in the c_o, solved here with a small
 * ridge term (so offerings that were always busy together still get an answer) and clipped at 0. An offering
 * needs `minSamples` observations with it busy before its estimate is trusted.
 */

export interface CapacityObservation {
  /** Demand served in the pool's unit (observed, not forecast). */
  readonly demand: number;
  /** Per running node: its offering and utilisation in [0, 1]. */
  readonly nodes: ReadonlyArray<{ readonly offering: string; readonly utilization: number }>;
}

export interface CapacityEstimate {
  /** Demand units one node serves at 100% utilisation, per offering id. */
  readonly byOffering: Readonly<Record<string, number>>;
  /** Observations behind each estimate. */
  readonly samples: Readonly<Record<string, number>>;
}

export interface CapacityLearnerOptions {
  /** Observations kept per pool (default 240: two hours at 30 s). */
  readonly window?: number;
  /** Observations an offering needs before its estimate is used (default 10). */
  readonly minSamples?: number;
}

/** Per-pool ring of observations and the least-squares estimate over it. */
export class CapacityLearner {
  readonly #window: number;
  readonly #minSamples: number;
  readonly #rings = new Map<string, CapacityObservation[]>();

  constructor(options: CapacityLearnerOptions = {}) {
    this.#window = options.window ?? 240;
    this.#minSamples = options.minSamples ?? 10;
  }

  /** Record one observation (ignored when no node reported utilisation or the values are not finite). */
  observe(pool: string, observation: CapacityObservation): void {
    if (!Number.isFinite(observation.demand) || observation.demand < 0) return;
    const nodes = observation.nodes.filter((n) => Number.isFinite(n.utilization) && n.utilization > 0);
    if (nodes.length === 0) return;
    const ring = this.#rings.get(pool) ?? [];
    ring.push({ demand: observation.demand, nodes: nodes.map((n) => ({ offering: n.offering, utilization: Math.min(n.utilization, 1.5) })) });
    if (ring.length > this.#window) ring.splice(0, ring.length - this.#window);
    this.#rings.set(pool, ring);
  }

  /** The estimate for the pool, or null before any offering has `minSamples` observations. */
  estimate(pool: string): CapacityEstimate | null {
    const ring = this.#rings.get(pool);
    if (ring === undefined || ring.length === 0) return null;
    const offerings = [...new Set(ring.flatMap((o) => o.nodes.map((n) => n.offering)))].sort();
    const k = offerings.length;
    const index = new Map(offerings.map((o, i) => [o, i]));
    const ata = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const atb = new Array<number>(k).fill(0);
    const counts = new Array<number>(k).fill(0);
    for (const obs of ring) {
      const row = new Array<number>(k).fill(0);
      for (const n of obs.nodes) {
        const j = index.get(n.offering) as number;
        row[j] = (row[j] ?? 0) + n.utilization;
      }
      for (let i = 0; i < k; i += 1) {
        const ri = row[i] as number;
        if (ri === 0) continue;
        counts[i] = (counts[i] ?? 0) + 1;
        atb[i] = (atb[i] ?? 0) + ri * obs.demand;
        const ai = ata[i] as number[];
        for (let j = 0; j < k; j += 1) ai[j] = (ai[j] ?? 0) + ri * (row[j] as number);
      }
    }
    // Ridge: 1e-6 of the diagonal's scale keeps the system solvable without biasing well-determined entries.
    for (let i = 0; i < k; i += 1) {
      const ai = ata[i] as number[];
      ai[i] = (ai[i] as number) * (1 + 1e-6) + 1e-9;
    }
    const c = solve(ata, atb);
    const byOffering: Record<string, number> = {};
    const samples: Record<string, number> = {};
    offerings.forEach((o, i) => {
      const value = c[i] as number;
      if ((counts[i] as number) >= this.#minSamples && Number.isFinite(value) && value > 0) {
        byOffering[o] = value;
        samples[o] = counts[i] as number;
      }
    });
    return Object.keys(byOffering).length === 0 ? null : { byOffering, samples };
  }
}

/** Gaussian elimination with partial pivoting; a singular column gets 0. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs((m[r] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const p = (m[col] as number[])[col] as number;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const f = ((m[r] as number[])[col] as number) / p;
      if (f === 0) continue;
      const mr = m[r] as number[];
      const mc = m[col] as number[];
      for (let c = col; c <= n; c += 1) mr[c] = (mr[c] as number) - f * (mc[c] as number);
    }
  }
  return m.map((row, i) => {
    const p = row[i] as number;
    return Math.abs(p) < 1e-12 ? 0 : (row[n] as number) / p;
  });
}

/**
 * Compare a declared capacity with a learned one: a finding when they differ by more than `tolerance`
 * (default 25%), for the decision's explanation.
 */
export function capacityContradiction(offering: string, declared: number, learned: number, tolerance = 0.25): string | null {
  if (!(declared > 0) || !(learned > 0)) return null;
  const diff = (learned - declared) / declared;
  if (Math.abs(diff) <= tolerance) return null;
  return `declared capacity of ${offering} is ${fmt(declared)} per node but telemetry shows ${fmt(learned)} (${diff > 0 ? '+' : ''}${Math.round(diff * 100)}%); planning with the learned value`;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toPrecision(3);
}
