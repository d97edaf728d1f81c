/** Lifecycle states of a governed node, as providers report them (docs: architecture.md, Vocabulary). */
export const NODE_STATES = ['pending', 'running', 'stopping', 'stopped', 'terminated', 'unknown'] as const;
export type NodeState = (typeof NODE_STATES)[number];

export interface GpuSpec {
  /** Normalised model name: H200, H100, A100-80GB, L4 … */
  readonly model: string;
  readonly count: number;
}

/** A machine Governator governs. */
export interface Node {
  readonly id: string;
  readonly provider: string;
  readonly region: string | null;
  readonly zone: string | null;
  readonly instanceType: string | null;
  /** Id of the catalog offering this node was bought as, when known. */
  readonly offeringId: string | null;
  readonly pool: string | null;
  readonly state: NodeState;
  readonly labels: Readonly<Record<string, string>>;
  readonly vcpus: number | null;
  readonly memoryGiB: number | null;
  readonly gpu: GpuSpec | null;
  readonly pricePerHour: number | null;
  readonly startedAt: Date | null;
  readonly updatedAt: Date;
}
