/**
 * Mapping telemetry to governed nodes, pure (issue #5). A series belongs to the node named by the first of the
 * configured labels it carries (telemetry.node_labels, default governator_node, node, instance). The
 * `instance` label is Prometheus' `host:port` scrape address: its port is dropped, so `10.0.0.7:9100` maps to
 * node `10.0.0.7` and `[fe80::1]:9100` to `fe80::1`.
 */
import type { Labels } from './series.js';

export const DEFAULT_NODE_LABELS: readonly string[] = ['governator_node', 'node', 'instance'];

/** `host` from `host:port` / `[v6]:port`; other values unchanged. */
export function stripPort(value: string): string {
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(value);
  if (v6) return v6[1] as string;
  const v4 = /^([^:]+):\d+$/.exec(value);
  return v4 ? (v4[1] as string) : value;
}

/** The node id a series' labels name, or null. */
export function nodeIdOf(labels: Labels, nodeLabels: readonly string[]): string | null {
  for (const name of nodeLabels) {
    const value = labels[name];
    if (value === undefined || value === '') continue;
    return name === 'instance' ? stripPort(value) : value;
  }
  return null;
}
