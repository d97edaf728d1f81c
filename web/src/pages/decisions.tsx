import { useState } from 'preact/hooks';
import { api, ApiError, grants, qs } from '../api';
import { useApp, useLive } from '../app-context';
import { ErrorState, Loading, Empty } from '../components/states';
import { useLoad, useThrottled } from '../components/use-api';
import { money, signedMoney, when } from '../format';

interface PlanAction { action: 'start' | 'stop'; pool: string; offering: string; count?: number; nodeId?: string; costDeltaPerHour: number }
interface Alternative { description: string; costPerHour: number | null; whyLost: string }
interface DecisionPlan { explanation?: string[]; savingsPerHour?: number; costPerHourBefore?: number; costPerHourAfter?: number; diagnostics?: { alternatives?: Alternative[] } }
/** GET /api/v1/plans: the action engine's plans (docs/api.md). Read leniently: fields beyond these are ignored. */
interface ActionPlan {
  id: number; pool: string; mode: string; status: string; source: string; summary: string; detail: string | null;
  actions: PlanAction[]; decisionId: number | null; createdAt?: string; at?: string; updatedAt?: string; decidedBy?: string | null;
  explanation?: string[]; alternatives?: Alternative[]; costDeltaPerHour?: number; savingsPerHour?: number;
  decision?: { plan?: DecisionPlan } | DecisionPlan | null; plan?: DecisionPlan | null;
}

/** GET /api/v1/decisions: a recorded plan with its explanation, joined to an action plan by `decisionId`. */
interface RecordedDecision extends DecisionPlan { id: number }

const decisionPlan = (p: ActionPlan): DecisionPlan | undefined => {
  const d = p.decision as { plan?: DecisionPlan } & DecisionPlan | null | undefined;
  return p.plan ?? d?.plan ?? d ?? undefined;
};

function PlanCard({ plan, recorded, canDecide, onDone }: { plan: ActionPlan; recorded: RecordedDecision | undefined; canDecide: boolean; onDone: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const d = decisionPlan(plan) ?? recorded;
  const explanation = plan.explanation ?? d?.explanation ?? [];
  const alternatives = plan.alternatives ?? d?.diagnostics?.alternatives ?? [];
  const delta = plan.costDeltaPerHour ?? plan.actions.reduce((s, a) => s + a.costDeltaPerHour, 0);
  const decide = async (verb: 'approve' | 'reject') => {
    setBusy(verb);
    setError(undefined);
    try {
      await api(`/api/v1/plans/${plan.id}/${verb}`, { method: 'POST', body: {} });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <article class={`plan plan-${plan.status}`} data-plan={plan.id} data-status={plan.status} aria-labelledby={`plan-${plan.id}`}>
      <header>
        <h2 id={`plan-${plan.id}`}>Plan #{plan.id} · {plan.pool}</h2>
        <span class={`state-pill p-${plan.status}`}>{plan.status}</span>
        <span class="muted">{plan.mode} · {plan.source} · {when(plan.createdAt ?? plan.at ?? null)}</span>
      </header>
      <p class="summary">{plan.summary}</p>
      <p>Cost change: <strong class={delta < 0 ? 'good' : delta > 0 ? 'bad' : ''}>{signedMoney(delta)}/h</strong>
        {d?.costPerHourBefore !== undefined && d.costPerHourAfter !== undefined && <> ({money(d.costPerHourBefore)} → {money(d.costPerHourAfter)} per hour for the plan's pools)</>}</p>
      {plan.actions.length > 0 && (
        <table class="grid">
          <thead><tr><th scope="col">Action</th><th scope="col">What</th><th scope="col" class="num">Δ $/h</th></tr></thead>
          <tbody>{plan.actions.map((a, i) => (
            <tr key={i}><td>{a.action}</td><td>{a.action === 'start' ? `${a.count ?? 1} × ${a.offering}` : `${a.nodeId} (${a.offering})`}</td><td class="num">{signedMoney(a.costDeltaPerHour)}</td></tr>
          ))}</tbody>
        </table>
      )}
      {explanation.length > 0 && <details open><summary>Why</summary><ul>{explanation.map((line, i) => <li key={i}>{line}</li>)}</ul></details>}
      {alternatives.length > 0 && (
        <details><summary>Alternatives considered ({alternatives.length})</summary>
          <ul>{alternatives.map((a, i) => <li key={i}>{a.description}: {a.costPerHour === null ? 'not a complete fleet' : `${money(a.costPerHour)}/h`}; {a.whyLost}</li>)}</ul>
        </details>
      )}
      {plan.detail && <p class="muted">{plan.detail}</p>}
      {plan.decidedBy && <p class="muted">Decided by {plan.decidedBy}</p>}
      {plan.status === 'pending-approval' && canDecide && (
        <div class="actions">
          <button type="button" class="primary" disabled={busy !== null} onClick={() => void decide('approve')}>{busy === 'approve' ? 'Approving…' : 'Approve'}</button>
          <button type="button" disabled={busy !== null} onClick={() => void decide('reject')}>{busy === 'reject' ? 'Rejecting…' : 'Reject'}</button>
        </div>
      )}
      {plan.status === 'pending-approval' && !canDecide && <p class="muted" data-testid="no-approve">Waiting for approval by a role with <code>nodes:scale</code>.</p>}
      {error !== undefined && <ErrorState error={error} feature="the decision" />}
    </article>
  );
}

/** Plans with their explanation, alternatives and cost change; approve/reject only for roles with nodes:scale. */
export function DecisionsPage() {
  const { who, events } = useApp();
  const [status, setStatus] = useState('');
  const plans = useLoad(async (signal) => {
    const answer = await api<{ plans: ActionPlan[] } | ActionPlan[]>(`/api/v1/plans${qs({ status, limit: 100 })}`, { signal });
    return Array.isArray(answer) ? answer : answer.plans;
  }, `plans:${status}`);
  const refresh = useThrottled(plans.reload, 400);
  useLive(['decision', 'action'], refresh);
  // The explanation of each plan is in the decision it was recorded as; without that endpoint (or the right to
  // read it) plans are shown without one.
  const recorded = useLoad(async (signal) => {
    try {
      const answer = await api<{ decisions: RecordedDecision[] }>(`/api/v1/decisions${qs({ limit: 200 })}`, { signal });
      return new Map(answer.decisions.map((d) => [d.id, d]));
    } catch (error) {
      if (error instanceof ApiError) return new Map<number, RecordedDecision>();
      throw error;
    }
  }, 'recorded-decisions');
  const refreshRecorded = useThrottled(recorded.reload, 1000);
  useLive(['decision'], refreshRecorded);
  const canDecide = grants(who.permissions, 'nodes:scale');
  const liveDecisions = events.filter((e) => e.type === 'decision');
  const unavailable = plans.error instanceof ApiError && plans.error.notAvailable;

  return (
    <section aria-labelledby="decisions-title">
      <h1 id="decisions-title">Decisions</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Status
          <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">all</option>
            {['pending-approval', 'recommended', 'running', 'succeeded', 'failed', 'rolled-back', 'rejected', 'blocked', 'superseded', 'halted'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        {!canDecide && <span class="muted">Your role ({who.role}) can see plans but not approve them.</span>}
      </form>
      {plans.error !== undefined && <ErrorState error={plans.error} feature="The action engine's plans" retry={plans.reload} />}
      {!plans.data && plans.loading && <Loading what="plans" />}
      {plans.data && plans.data.length === 0 && <Empty>No plans yet. The control loop records one whenever a pool's fleet should change.</Empty>}
      {plans.data?.map((p) => <PlanCard key={p.id} plan={p} recorded={p.decisionId === null ? undefined : recorded.data?.get(p.decisionId)} canDecide={canDecide} onDone={plans.reload} />)}
      {unavailable && (
        <>
          <h2>Decisions seen live</h2>
          {liveDecisions.length === 0 ? <Empty>No decision since you opened the dashboard.</Empty> : (
            <ul class="feed" data-testid="live-decisions">{liveDecisions.map((e, i) => {
              const d = e.data as { id: number; pool: string | null; summary: string; savingsPerHour: number; mode: string };
              return <li key={i} data-decision={d.id}>#{d.id} {d.pool ?? ''} ({d.mode}): {d.summary} · saves {money(d.savingsPerHour)}/h</li>;
            })}</ul>
          )}
        </>
      )}
    </section>
  );
}
