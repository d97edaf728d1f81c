/**
 * The dashboard's only way to the server: the authenticated REST API (docs/api.md). The key lives in
 * sessionStorage (gone when the tab closes) and goes out as `Authorization: Bearer`; it is never put in a URL.
 */

const KEY_STORAGE = 'governator.key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

/** An error answer of the API (docs/errors.md), or a network failure (`status` 0, code `NETWORK`). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly requestId?: string) {
    super(message);
  }
  /** The endpoint does not exist on this server (a feature not built or not enabled). */
  get notAvailable(): boolean {
    return this.status === 404 && this.code === 'GOV_NOT_FOUND';
  }
}

/** Called when the server refuses the key (401): the app signs out. */
let onUnauthorised: (error: ApiError) => void = () => undefined;
export function setUnauthorisedHandler(handler: (error: ApiError) => void): void {
  onUnauthorised = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; key?: string; signal?: AbortSignal } = {}): Promise<T> {
  const key = init.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'the server did not answer; check that Governator is running');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string; requestId?: string } } | null)?.error;
    const error = new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `${res.status} ${res.statusText}`, e?.requestId);
    if (res.status === 401 && init.key === undefined) onUnauthorised(error);
    throw error;
  }
  return body as T;
}

export const qs = (params: Record<string, string | number | undefined | null>): string => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '') as Array<[string, string | number]>;
  return entries.length ? `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}` : '';
};

// ------------------------------------------------------------------------------------------ API shapes

export interface Whoami { keyId: string; name: string; role: string; permissions: string[] }

export interface Node {
  id: string; provider: string; region: string | null; zone: string | null; instanceType: string | null;
  offeringId: string | null; pool: string | null; state: string; labels: Record<string, string>;
  vcpus: number | null; memoryGiB: number | null; gpu: { model: string; count: number } | null;
  pricePerHour: number | null; startedAt: string | null; updatedAt: string;
}

export interface Breakdown { nodes: number; cpus: number; memory_gb: number; gpus: number; cost: number }

export interface Overview {
  generated_at: string; total_nodes: number; total_cpus: number; total_memory_gb: number; total_gpus: number;
  total_cost: number; total_cost_per_month: number; gpus_by_model: Record<string, number>;
  nodes_by_state: Record<string, number>; provider_breakdown: Record<string, Breakdown>;
  pool_breakdown: Record<string, Breakdown>; unpriced_nodes: number; partial: boolean; cost_savings: number;
  savings: { available_per_hour: number; available_per_month: number; realised_per_hour: number | null; realised_per_month: number | null; latest_plan_at: string | null };
  active_actions: number | null; burst_workloads: number; active_migrations: number; policy_violations: number;
}

/** True when a permission list grants `required` (the server's rule: exact, `resource:*` or `*`). */
export function grants(permissions: readonly string[], required: string): boolean {
  const [resource] = required.split(':');
  return permissions.some((p) => p === '*' || p === required || p === `${resource}:*`);
}

/** Every page of GET /api/v1/nodes (1,000 a page), up to `max`. */
export async function allNodes(filter: Record<string, string> = {}, max = 20_000): Promise<Node[]> {
  const nodes: Node[] = [];
  let cursor: string | null = null;
  do {
    const page: { nodes: Node[]; nextCursor: string | null } = await api(`/api/v1/nodes${qs({ ...filter, limit: 1000, cursor })}`);
    nodes.push(...page.nodes);
    cursor = page.nextCursor;
  } while (cursor && nodes.length < max);
  return nodes;
}
