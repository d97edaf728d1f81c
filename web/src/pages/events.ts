import type { StreamEvent } from '../stream';
import { money } from '../format';

/** One line for a live event, for the activity feed. */
export function describeEvent(e: StreamEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  switch (e.type) {
    case 'node.state': return `${String(d.nodeId)} (${String(d.provider)}${d.pool ? `, ${String(d.pool)}` : ''}) ${d.previous ? `${String(d.previous)} → ` : ''}${String(d.state)}`;
    case 'decision': return `plan #${String(d.id)} for ${String(d.pool ?? 'the fleet')} (${String(d.mode)}): ${String(d.summary)} · saves ${money(Number(d.savingsPerHour))}/h`;
    case 'action': return `${String(d.kind)} ${String(d.nodeId ?? '')} in ${String(d.pool)} on ${String(d.provider)}: ${String(d.status)}${d.detail ? ` (${String(d.detail)})` : ''}`;
    case 'anomaly': return `${String(d.kind)} on ${String(d.series)}${d.value !== null && d.value !== undefined ? ` = ${String(d.value)}` : ''}`;
    case 'price.change': return `${String(d.offeringId)}: ${money(Number(d.previous))} → ${money(Number(d.current))}/h`;
    case 'forecast': return `forecast for ${String(d.pool)} (${String(d.model)})`;
    case 'control.paused': return d.paused ? `actions paused by ${String(d.by)}` : `actions resumed by ${String(d.by)}`;
    default: return JSON.stringify(d);
  }
}
