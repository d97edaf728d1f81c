import { useState } from 'preact/hooks';
import { api, grants } from '../api';
import { useApp } from '../app-context';
import { ErrorState, Loading, Empty } from '../components/states';
import { useLoad } from '../components/use-api';
import { VirtualTable, type Column } from '../components/virtual-table';
import { when } from '../format';

interface Entry { id: number; at: string; actor: string; action: string; target: string | null; outcome: string; details: Record<string, unknown>; hash?: string }
interface Verify { ok: boolean; checked: number; breaks: Array<{ id: number; reason: string }> }

/** The tamper-evident audit log (GET /api/v1/audit) and its hash-chain check; needs audit:read. */
export function AuditPage() {
  const { who } = useApp();
  const allowed = grants(who.permissions, 'audit:read');
  const entries = useLoad((signal) => (allowed ? api<{ entries: Entry[] } | Entry[]>('/api/v1/audit?limit=1000', { signal }).then((a) => (Array.isArray(a) ? a : a.entries)) : Promise.resolve([])), 'audit');
  const [verify, setVerify] = useState<Verify | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(undefined);
  if (!allowed) return <section><h1>Audit log</h1><Empty>Your role ({who.role}) may not read the audit log (it needs <code>audit:read</code>).</Empty></section>;
  const columns: Column<Entry>[] = [
    { key: 'id', header: '#', width: '4.5rem', align: 'right', render: (e) => e.id, sort: (e) => e.id },
    { key: 'at', header: 'When', width: '11rem', render: (e) => when(e.at), sort: (e) => e.at },
    { key: 'actor', header: 'Who', width: '11rem', render: (e) => <code>{e.actor}</code>, sort: (e) => e.actor },
    { key: 'action', header: 'What', width: 'minmax(12rem, 1.5fr)', render: (e) => e.action, sort: (e) => e.action },
    { key: 'target', header: 'Target', width: 'minmax(8rem, 1fr)', render: (e) => e.target ?? '—' },
    { key: 'outcome', header: 'Outcome', width: '6rem', render: (e) => <span class={`state-pill o-${e.outcome}`}>{e.outcome}</span>, sort: (e) => e.outcome },
    { key: 'details', header: 'Details', width: 'minmax(10rem, 2fr)', render: (e) => <span class="muted" title={JSON.stringify(e.details)}>{Object.entries(e.details).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}</span> },
  ];
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p>
        <button type="button" onClick={() => { setVerifyError(undefined); api<Verify>('/api/v1/audit/verify').then(setVerify, setVerifyError); }}>Verify the hash chain</button>
        {verify && <span role="status" class={verify.ok ? 'good' : 'bad'}> {verify.ok ? `Intact: ${verify.checked} entries checked.` : `BROKEN at ${verify.breaks.map((b) => `#${b.id} (${b.reason})`).join(', ')}`}</span>}
      </p>
      {verifyError !== undefined && <ErrorState error={verifyError} feature="the verification" />}
      {entries.error !== undefined && <ErrorState error={entries.error} feature="the audit log" retry={entries.reload} />}
      {!entries.data && entries.loading && <Loading what="the audit log" />}
      {entries.data && (entries.data.length === 0 ? <Empty>No entries.</Empty> : <VirtualTable rows={entries.data} columns={columns} rowKey={(e) => String(e.id)} label="Audit entries" />)}
    </section>
  );
}
