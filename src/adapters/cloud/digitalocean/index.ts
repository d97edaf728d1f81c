import { createHash } from 'node:crypto';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import type { NodeState } from '../../../core/model/node.js';
import { isGovError } from '../../../core/errors.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import { POOL_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';

/**
 * DigitalOcean tags are plain strings (letters, digits, `:`, `-`, `_`; at most 255), not key=value pairs, so a
 * label `k=v` is spelled as the tag `k:v`: the pool is `governator:pool:<pool>`, the start's token
 * `governator:token:<sha256 of token, 32 hex>` (hashed because a token may hold characters tags refuse).
 */
export const POOL_TAG_PREFIX = `${POOL_LABEL}:`;
export const TOKEN_TAG_PREFIX = 'governator:token:';
export const OFFERING_TAG_PREFIX = 'governator:offering:';

export interface DigitalOceanProviderOptions {
  /** Provider instance name (config), e.g. `do-nyc`. */
  readonly name: string;
  /** API token (read and write). Sent only in the Authorization header; never in a message. */
  readonly token: string;
  /** Default region slug when an offering has none. */
  readonly region?: string;
  /** Image slug or id of new droplets; default `ubuntu-24-04-x64`. */
  readonly image?: string;
  readonly sshKeys?: readonly string[];
  readonly vpcUuid?: string;
  /** API base URL; default https://api.digitalocean.com. */
  readonly endpoint?: string;
  /** `owned` lists only droplets with a pool tag; `all` (default) the whole account. */
  readonly listScope?: 'all' | 'owned';
  /** Tests: an undici MockAgent. */
  readonly dispatcher?: Dispatcher;
  /** Within this window after a create, a 404 for that droplet reads as `pending`. Default 120 000 ms. */
  readonly consistencyGraceMs?: number;
  readonly now?: () => number;
}

/** The droplet fields this adapter reads (GET /v2/droplets). */
interface Droplet {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly created_at?: string;
  readonly size_slug?: string;
  readonly region?: { readonly slug?: string };
  readonly tags?: readonly string[];
  readonly networks?: { readonly v4?: ReadonlyArray<{ readonly ip_address: string; readonly type: string }> };
}

/**
 * DigitalOcean droplets over the v2 API. Start: look for a droplet tagged with the token, else POST /v2/droplets
 * (so a retried start returns the first droplet). Stop `terminate` → DELETE, `stop` → power_off action.
 * 429 → Throttled with retryAfterMs from Retry-After or ratelimit-reset; 401/403 → AuthFailed.
 */
export function createDigitalOceanProvider(options: DigitalOceanProviderOptions): CloudProvider {
  return new DigitalOceanProvider(options);
}

export function tokenTag(token: string): string {
  return TOKEN_TAG_PREFIX + createHash('sha256').update(token).digest('hex').slice(0, 32);
}

const VALID_TAG = /^[A-Za-z0-9:_-]{1,255}$/;

const STATES: Readonly<Record<string, NodeState>> = { new: 'pending', active: 'running', off: 'stopped', archive: 'terminated' };

class DigitalOceanProvider implements CloudProvider {
  readonly kind = 'digitalocean';
  readonly name: string;
  private readonly base: string;
  private readonly justStarted = new Map<string, { node: ProviderNode; at: number }>();

  constructor(private readonly options: DigitalOceanProviderOptions) {
    this.name = options.name;
    this.base = (options.endpoint ?? 'https://api.digitalocean.com').replace(/\/+$/, '');
  }

  async listNodes(opts: { signal?: AbortSignal } = {}): Promise<readonly ProviderNode[]> {
    const droplets = await this.listDroplets('listNodes', undefined, opts.signal);
    const nodes = droplets.map((d) => this.toNode(d));
    return this.options.listScope === 'owned' ? nodes.filter((n) => n.pool !== null) : nodes;
  }

  async getNode(id: string, opts: { signal?: AbortSignal } = {}): Promise<ProviderNode> {
    if (!/^\d{1,20}$/.test(id)) throw providerError('NotFound', this.name, 'getNode', `no droplet ${JSON.stringify(id)}`, { nodeId: id });
    try {
      const body = await this.call('getNode', 'GET', `/v2/droplets/${id}`, undefined, opts.signal, id) as { droplet: Droplet };
      return this.toNode(body.droplet);
    } catch (error) {
      const recent = this.justStarted.get(id);
      if (isGovError(error) && error.code === 'GOV_PROVIDER_NOT_FOUND' && recent && this.now() - recent.at < (this.options.consistencyGraceMs ?? 120_000)) {
        return recent.node;
      }
      throw error;
    }
  }

  async startNode(request: StartNodeRequest): Promise<ProviderNode> {
    const tTag = tokenTag(request.idempotencyToken);
    const existing = await this.listDroplets('startNode', tTag, request.signal);
    if (existing[0]) return this.toNode(existing[0]);
    const offering = request.offering;
    const region = offering.region || this.options.region;
    if (!region) throw providerError('InvalidRequest', this.name, 'startNode', 'no region: the offering has none and no default region is configured');
    const extra = Object.entries(request.labels ?? {}).map(([k, v]) => `${k}:${v}`);
    const offeringTag = OFFERING_TAG_PREFIX + offering.id;
    // The offering tag only helps journal matching; an id with characters tags refuse is left off, not an error.
    const tags = [POOL_TAG_PREFIX + request.pool, tTag, ...(VALID_TAG.test(offeringTag) ? [offeringTag] : []), ...extra];
    const bad = tags.find((t) => !VALID_TAG.test(t));
    if (bad !== undefined) throw providerError('InvalidRequest', this.name, 'startNode', `tag ${JSON.stringify(bad)} has characters DigitalOcean refuses (letters, digits, ':', '-', '_' only)`);
    const body = {
      name: `gov-${request.pool}-${tTag.slice(TOKEN_TAG_PREFIX.length, TOKEN_TAG_PREFIX.length + 12)}`.replace(/[^A-Za-z0-9.-]/g, '-'),
      region, size: offering.instanceType, image: this.options.image ?? 'ubuntu-24-04-x64', tags,
      ...(this.options.sshKeys ? { ssh_keys: this.options.sshKeys } : {}),
      ...(this.options.vpcUuid ? { vpc_uuid: this.options.vpcUuid } : {}),
    };
    const created = await this.call('startNode', 'POST', '/v2/droplets', body, request.signal) as { droplet: Droplet };
    const node = this.toNode(created.droplet);
    this.justStarted.set(node.id, { node, at: this.now() });
    return node;
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    const node = await this.getNode(request.nodeId, request.signal ? { signal: request.signal } : {});
    if (node.state === 'terminated') return;
    if (request.mode === 'terminate') {
      try {
        await this.call('stopNode', 'DELETE', `/v2/droplets/${node.id}`, undefined, request.signal, node.id);
      } catch (error) {
        // Deleted between our get and our delete: the goal is reached.
        if (isGovError(error) && error.code === 'GOV_PROVIDER_NOT_FOUND') return;
        throw error;
      }
      this.justStarted.delete(node.id);
      return;
    }
    if (node.state === 'stopped' || node.state === 'stopping') return;
    try {
      await this.call('stopNode', 'POST', `/v2/droplets/${node.id}/actions`, { type: 'power_off' }, request.signal, node.id);
    } catch (error) {
      // 422 "Droplet is already powered off": idempotent.
      if (isGovError(error) && error.code === 'GOV_PROVIDER_INVALID_REQUEST' && /already powered off/i.test(error.message)) return;
      throw error;
    }
  }

  async health(): Promise<ProviderHealth> {
    const started = this.now();
    try {
      await this.call('health', 'GET', '/v2/account');
      return { ok: true, latencyMs: this.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: this.now() - started, detail: (error as Error).message };
    }
  }

  private now(): number { return (this.options.now ?? Date.now)(); }

  private async listDroplets(op: string, tag: string | undefined, signal?: AbortSignal): Promise<Droplet[]> {
    const out: Droplet[] = [];
    let path: string | null = `/v2/droplets?per_page=200${tag ? `&tag_name=${encodeURIComponent(tag)}` : ''}`;
    for (let page = 0; path !== null && page < 1000; page++) {
      const body = await this.call(op, 'GET', path, undefined, signal) as { droplets?: Droplet[]; links?: { pages?: { next?: string } } };
      out.push(...(body.droplets ?? []));
      const next = body.links?.pages?.next;
      path = next ? new URL(next).pathname + new URL(next).search : null;
    }
    return out;
  }

  private toNode(d: Droplet): ProviderNode {
    const tags = d.tags ?? [];
    const after = (prefix: string) => tags.find((t) => t.startsWith(prefix))?.slice(prefix.length) ?? null;
    const labels: Record<string, string> = {};
    for (const t of tags) {
      const i = t.lastIndexOf(':');
      if (i > 0) labels[t.slice(0, i)] = t.slice(i + 1); else labels[t] = '';
    }
    const region = d.region?.slug ?? null;
    return {
      id: String(d.id), provider: this.name, offeringId: after(OFFERING_TAG_PREFIX),
      instanceType: d.size_slug ?? null, region, zone: null, pool: after(POOL_TAG_PREFIX),
      state: STATES[d.status] ?? 'unknown', labels, launchedAt: d.created_at ?? null,
      idempotencyToken: null,
      address: d.networks?.v4?.find((n) => n.type === 'private')?.ip_address ?? d.networks?.v4?.[0]?.ip_address ?? null,
    };
  }

  private async call(op: string, method: string, path: string, body?: unknown, signal?: AbortSignal, nodeId?: string): Promise<unknown> {
    const nodeOpt = nodeId === undefined ? {} : { nodeId };
    let response;
    try {
      response = await undiciFetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
    } catch (error) {
      const aborted = (error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError';
      throw providerError(aborted ? 'Timeout' : 'Unavailable', this.name, op, aborted ? 'request aborted' : `cannot reach the API: ${(error as Error).message}`, nodeOpt);
    }
    if (response.status === 204) return {};
    const text = await response.text();
    let parsed: { id?: string; message?: string } & Record<string, unknown> = {};
    try { parsed = text ? JSON.parse(text) as typeof parsed : {}; } catch { /* non-JSON error page: status decides */ }
    if (response.ok) return parsed;
    const message = `HTTP ${response.status}${parsed.message ? `: ${parsed.message}` : ''}`;
    const providerCode = typeof parsed.id === 'string' ? parsed.id : undefined;
    const kind = classify(response.status, providerCode, parsed.message ?? '');
    const retryAfterMs = kind === 'Throttled' ? retryAfter(response.headers, this.now()) : undefined;
    throw providerError(kind, this.name, op, message, {
      ...nodeOpt, ...(providerCode ? { providerCode } : {}), ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

function classify(status: number, code: string | undefined, message: string): ProviderErrorKind {
  if (status === 401 || status === 403) return 'AuthFailed';
  if (status === 404) return 'NotFound';
  if (status === 429) return 'Throttled';
  if (status === 422 && /limit|quota/i.test(message)) return 'QuotaExceeded';
  if (status === 422 && /(not available|unavailable|capacity)/i.test(message)) return 'CapacityUnavailable';
  if (status >= 500) return code === 'server_error' || status !== 501 ? 'Unavailable' : 'InvalidRequest';
  return 'InvalidRequest';
}

/** Retry-After (seconds) or DigitalOcean's ratelimit-reset (epoch seconds), in ms. */
function retryAfter(headers: Headers, nowMs: number): number | undefined {
  const ra = Number(headers.get('retry-after'));
  if (headers.get('retry-after') !== null && Number.isFinite(ra)) return Math.max(0, ra * 1000);
  const reset = Number(headers.get('ratelimit-reset'));
  if (headers.get('ratelimit-reset') !== null && Number.isFinite(reset)) return Math.max(0, reset * 1000 - nowMs);
  return undefined;
}
