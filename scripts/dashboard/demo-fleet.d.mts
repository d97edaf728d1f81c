import type { Node } from '../../src/core/model/node.js';

export declare const DEMO_POOLS: readonly string[];

interface IngestBody {
  series: Array<{ metric: string; labels: Record<string, string>; samples: Array<[number, number]> }>;
}

/** `count` nodes, reproducible for a seed: mostly running, some pending/stopped, across five providers and four pools. */
export declare function seededFleet(count: number, seed?: number, at?: Date): Node[];

/** Utilisation samples (0..1) for each running node over the last `hours`, as a JSON ingest body. */
export declare function utilisationSeries(nodes: readonly Node[], options: { metric: string; hours: number; stepSeconds: number; seed?: number; now?: number }): IngestBody;

/** The fleet's hourly cost by provider, pool and purchase option over the last `hours`, as a JSON ingest body. */
export declare function costHistorySeries(nodes: readonly Node[], options: { metric: string; hours: number; stepSeconds: number; seed?: number; now?: number }): IngestBody;
