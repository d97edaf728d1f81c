import { NODE_STATES } from '../../../core/model/node.js';
import type { Node, NodeState } from '../../../core/model/node.js';
import type { NodeFilter, NodePage, NodeRepository } from '../../../ports/store.js';
import type { SqlExecutor } from './client.js';
import {
  timestampParam, timestampParamOrNull, toDate, toDateOrNull, toJsonObject, toNumber, toNumberOrNull, toStringOrNull,
} from './rows.js';
import { checkLimit } from './validate.js';

interface NodeRow {
  id: string;
  provider: string;
  region: string | null;
  zone: string | null;
  instance_type: string | null;
  offering_id: string | null;
  pool: string | null;
  state: string;
  labels: unknown;
  vcpus: unknown;
  memory_gib: unknown;
  gpu_model: string | null;
  gpu_count: unknown;
  price_per_hour: unknown;
  started_at: unknown;
  updated_at: unknown;
}

const COLUMNS = `id, provider, region, zone, instance_type, offering_id, pool, state, labels, vcpus, memory_gib,
  gpu_model, gpu_count, price_per_hour, started_at, updated_at`;

function isNodeState(value: string): value is NodeState {
  return (NODE_STATES as readonly string[]).includes(value);
}

function toNode(row: NodeRow): Node {
  if (!isNodeState(row.state)) throw new TypeError(`nodes.state: unknown state ${row.state}`);
  const labels = toJsonObject(row.labels, 'nodes.labels');
  return {
    id: row.id,
    provider: row.provider,
    region: toStringOrNull(row.region),
    zone: toStringOrNull(row.zone),
    instanceType: toStringOrNull(row.instance_type),
    offeringId: toStringOrNull(row.offering_id),
    pool: toStringOrNull(row.pool),
    state: row.state,
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    vcpus: toNumberOrNull(row.vcpus, 'nodes.vcpus'),
    memoryGiB: toNumberOrNull(row.memory_gib, 'nodes.memory_gib'),
    gpu: row.gpu_model === null ? null : { model: row.gpu_model, count: toNumber(row.gpu_count, 'nodes.gpu_count') },
    pricePerHour: toNumberOrNull(row.price_per_hour, 'nodes.price_per_hour'),
    startedAt: toDateOrNull(row.started_at, 'nodes.started_at'),
    updatedAt: toDate(row.updated_at, 'nodes.updated_at'),
  };
}

/** NodeRepository over SQL. Ids sort bytewise (the column is COLLATE "C"), the same on every server. */
export class SqlNodeRepository implements NodeRepository {
  constructor(private readonly db: SqlExecutor) {}

  async list(filter: NodeFilter): Promise<NodePage> {
    checkLimit(filter.limit, 1000, 'nodes.list');
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: string | undefined): void => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    add('provider', filter.provider);
    add('pool', filter.pool);
    add('state', filter.state);
    add('region', filter.region);
    if (filter.after !== undefined) {
      params.push(filter.after);
      where.push(`id > $${params.length}`);
    }
    params.push(filter.limit + 1);
    const rows = await this.db.query<NodeRow>(
      `SELECT ${COLUMNS} FROM nodes ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id LIMIT $${params.length}`, params);
    const more = rows.length > filter.limit;
    const nodes = (more ? rows.slice(0, filter.limit) : rows).map(toNode);
    return { nodes, nextCursor: more ? (nodes.at(-1)?.id ?? null) : null };
  }

  async get(id: string): Promise<Node | null> {
    const rows = await this.db.query<NodeRow>(`SELECT ${COLUMNS} FROM nodes WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : toNode(rows[0]);
  }

  async upsert(node: Node): Promise<void> {
    await this.db.query(
      `INSERT INTO nodes (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO UPDATE SET
         provider = EXCLUDED.provider, region = EXCLUDED.region, zone = EXCLUDED.zone,
         instance_type = EXCLUDED.instance_type, offering_id = EXCLUDED.offering_id, pool = EXCLUDED.pool,
         state = EXCLUDED.state, labels = EXCLUDED.labels, vcpus = EXCLUDED.vcpus, memory_gib = EXCLUDED.memory_gib,
         gpu_model = EXCLUDED.gpu_model, gpu_count = EXCLUDED.gpu_count, price_per_hour = EXCLUDED.price_per_hour,
         started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at`,
      [
        node.id, node.provider, node.region, node.zone, node.instanceType, node.offeringId, node.pool, node.state,
        JSON.stringify(node.labels), node.vcpus, node.memoryGiB, node.gpu?.model ?? null, node.gpu?.count ?? null,
        node.pricePerHour, timestampParamOrNull(node.startedAt), timestampParam(node.updatedAt),
      ]);
  }

  async countByState(): Promise<Partial<Record<NodeState, number>>> {
    const rows = await this.db.query<{ state: string; n: unknown }>('SELECT state, count(*) AS n FROM nodes GROUP BY state');
    const counts: Partial<Record<NodeState, number>> = {};
    for (const row of rows) {
      if (isNodeState(row.state)) counts[row.state] = toNumber(row.n, 'count');
    }
    return counts;
  }
}
