import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GovError } from '../errors.js';
import { NODE_STATES } from '../model/node.js';
import { PURCHASE_OPTIONS, RESERVATION_TERMS, type Offering } from '../model/offering.js';
import type { Pool } from '../model/pool.js';
import type { FleetNode } from '../model/scenario.js';
import type { PlanOptions } from './options.js';

/**
 * Parse and validate an untrusted scenario document (docs: scenario-format.md): the input of
 * `governator plan --scenario`, of `POST /api/v1/cost/simulate` and of backtests. Every problem is reported
 * at once, each with the JSON path of the offending value (`$.pools[0].qos.maxUtilization`).
 */

/** A parsed, checked scenario. */
export interface Scenario {
  readonly name: string | null;
  /** Where the offerings came from: the document itself or the bundled catalog. */
  readonly offeringsSource: 'inline' | 'bundled';
  readonly offerings: readonly Offering[];
  readonly pools: readonly Pool[];
  readonly nodes: readonly FleetNode[];
  /** The instant the scenario describes (ISO 8601), or null: the caller then plans at its own clock's now. */
  readonly now: string | null;
  /** Planner settings the document overrides. */
  readonly options: Partial<PlanOptions>;
}

export interface ParseScenarioOptions {
  /** The bundled catalog, for documents whose `offerings` is omitted or `"bundled"`. */
  readonly bundledOfferings?: () => readonly Offering[];
}

export interface ScenarioProblem {
  /** JSON path of the offending value, `$` for the document itself. */
  readonly path: string;
  readonly message: string;
}

const Name = Type.String({ minLength: 1, maxLength: 256 });
const NonNegative = Type.Number({ minimum: 0 });
const Positive = Type.Number({ exclusiveMinimum: 0 });
const Count = Type.Integer({ minimum: 0 });
const Purchase = Type.Union(PURCHASE_OPTIONS.map((p) => Type.Literal(p)));
const Strict = { additionalProperties: false } as const;

const OfferingSchema = Type.Object({
  id: Name,
  provider: Name,
  region: Name,
  zone: Type.Optional(Type.Union([Name, Type.Null()])),
  instanceType: Name,
  purchase: Purchase,
  term: Type.Optional(Type.Union([...RESERVATION_TERMS.map((t) => Type.Literal(t)), Type.Null()])),
  pricePerHour: NonNegative,
  vcpus: Type.Optional(NonNegative),
  memoryGiB: Type.Optional(NonNegative),
  gpu: Type.Optional(Type.Union([Type.Object({ model: Name, count: Type.Integer({ minimum: 1 }) }, Strict), Type.Null()])),
  available: Type.Optional(Type.Union([Count, Type.Null()])),
  source: Type.Optional(Name),
  asOf: Type.Optional(Type.Union([Type.String(), Type.Null()])),
}, Strict);

const CapacityRecord = Type.Record(Type.String({ minLength: 1 }), Positive);

const PoolSchema = Type.Object({
  name: Name,
  unit: Type.Optional(Type.String({ maxLength: 64 })),
  demand: NonNegative,
  capacity: Type.Object({
    byOffering: Type.Optional(CapacityRecord),
    byInstanceType: Type.Optional(CapacityRecord),
    byGpuModel: Type.Optional(CapacityRecord),
    perVcpu: Type.Optional(Positive),
  }, Strict),
  qos: Type.Object({ maxUtilization: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) }, Strict),
  constraints: Type.Optional(Type.Object({
    providers: Type.Optional(Type.Array(Name, { minItems: 1 })),
    regions: Type.Optional(Type.Array(Name, { minItems: 1 })),
    purchase: Type.Optional(Type.Array(Purchase, { minItems: 1 })),
    minNodes: Type.Optional(Count),
    maxNodes: Type.Optional(Count),
    minDistinctZones: Type.Optional(Count),
    maxSpotFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    budgetPerHour: Type.Optional(NonNegative),
  }, Strict)),
}, Strict);

const NodeSchema = Type.Object({
  id: Name,
  pool: Name,
  offering: Name,
  state: Type.Union(NODE_STATES.map((s) => Type.Literal(s))),
  startedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
}, Strict);

const OptionsSchema = Type.Object({
  minSavingsPerHour: Type.Optional(NonNegative),
  minSavingsPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  minNodeLifetimeSeconds: Type.Optional(NonNegative),
  startCostHours: Type.Optional(NonNegative),
  timeLimitMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  relativeGap: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
}, Strict);

const DocumentSchema = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Type.String()),
  now: Type.Optional(Type.String()),
  offerings: Type.Optional(Type.Unknown()),
  pools: Type.Array(Type.Unknown(), { minItems: 1 }),
  nodes: Type.Optional(Type.Array(Type.Unknown())),
  options: Type.Optional(OptionsSchema),
}, Strict);

/** `/pools/0/qos` → `$.pools[0].qos`. */
function jsonPath(base: string, pointer: string): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  }
  return out;
}

function schemaProblems(schema: TSchema, value: unknown, base: string): ScenarioProblem[] {
  const seen = new Set<string>();
  const out: ScenarioProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    const path = jsonPath(base, error.path);
    if (seen.has(path)) continue; // a missing field also fails its type check: report it once
    seen.add(path);
    const message = error.message === 'Unexpected property' ? 'is not a known field'
      : error.message === 'Expected required property' ? 'is required'
      : error.message === 'Expected union value' ? `has the wrong form (got ${JSON.stringify(error.value)})`
      : `${error.message.charAt(0).toLowerCase()}${error.message.slice(1)} (got ${JSON.stringify(error.value) ?? String(error.value)})`;
    out.push({ path, message });
  }
  return out;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function isInstant(text: string): boolean {
  return ISO_INSTANT.test(text) && !Number.isNaN(Date.parse(text));
}

type Obj = Record<string, unknown>;
const MAX_REPORTED = 100;

/**
 * Parse a scenario document (already JSON-decoded).
 * @throws GovError GOV_VALIDATION with `details.errors: [{ path, message }]` naming every problem found.
 */
export function parseScenario(document: unknown, options: ParseScenarioOptions = {}): Scenario {
  const problems: ScenarioProblem[] = [];
  const fail = (): never => {
    const shown = problems.slice(0, 5).map((p) => `${p.path} ${p.message}`).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new GovError('GOV_VALIDATION', `invalid scenario: ${shown}${more}`, { details: { errors: problems.slice(0, MAX_REPORTED) } });
  };
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    problems.push({ path: '$', message: 'must be a JSON object with offerings, pools and nodes' });
    return fail();
  }
  problems.push(...schemaProblems(DocumentSchema, document, '$'));
  const doc = document as Obj;

  // Offerings: inline, or the bundled catalog.
  let offeringsSource: 'inline' | 'bundled' = 'inline';
  // The bundled list is passed on as is (not copied): the planner indexes an offerings array once and
  // remembers it, so every plan over the same catalog reuses the index.
  let offerings: readonly Offering[] = [];
  const inline: Offering[] = [];
  const rawOfferings = doc.offerings;
  if (rawOfferings === undefined || rawOfferings === 'bundled') {
    offeringsSource = 'bundled';
    if (!options.bundledOfferings) {
      problems.push({ path: '$.offerings', message: 'asks for the bundled catalog, which is not available here: list the offerings in the document' });
    } else {
      offerings = options.bundledOfferings();
    }
  } else if (!Array.isArray(rawOfferings)) {
    problems.push({ path: '$.offerings', message: 'must be an array of offerings or "bundled"' });
  } else {
    offerings = inline;
    const ids = new Map<string, number>();
    rawOfferings.forEach((raw, i) => {
      const found = schemaProblems(OfferingSchema, raw, `$.offerings[${i}]`);
      problems.push(...found);
      if (found.length > 0) return;
      const o = raw as Obj;
      const id = o.id as string;
      const first = ids.get(id);
      if (first !== undefined) problems.push({ path: `$.offerings[${i}].id`, message: `duplicates $.offerings[${first}].id ${JSON.stringify(id)}` });
      else ids.set(id, i);
      if (o.term !== undefined && o.term !== null && o.purchase !== 'reserved') {
        problems.push({ path: `$.offerings[${i}].term`, message: 'is only for reserved offerings' });
      }
      inline.push({
        id,
        provider: o.provider as string,
        region: o.region as string,
        zone: (o.zone as string | null | undefined) ?? null,
        instanceType: o.instanceType as string,
        vcpus: (o.vcpus as number | undefined) ?? 0,
        memoryGiB: (o.memoryGiB as number | undefined) ?? 0,
        gpu: (o.gpu as Offering['gpu'] | undefined) ?? null,
        purchase: o.purchase as Offering['purchase'],
        term: (o.term as Offering['term'] | undefined) ?? null,
        pricePerHour: o.pricePerHour as number,
        available: (o.available as number | null | undefined) ?? null,
        source: (o.source as string | undefined) ?? 'scenario',
        asOf: (o.asOf as string | null | undefined) ?? null,
      });
    });
  }

  // Pools.
  const pools: Pool[] = [];
  const poolIndex = new Map<string, number>();
  const rawPools = Array.isArray(doc.pools) ? doc.pools : [];
  rawPools.forEach((raw, i) => {
    const found = schemaProblems(PoolSchema, raw, `$.pools[${i}]`);
    problems.push(...found);
    if (found.length > 0) return;
    const p = raw as Obj;
    const name = p.name as string;
    const first = poolIndex.get(name);
    if (first !== undefined) problems.push({ path: `$.pools[${i}].name`, message: `duplicates $.pools[${first}].name ${JSON.stringify(name)}` });
    else poolIndex.set(name, i);
    const capacity = p.capacity as Pool['capacity'];
    if (Object.keys(capacity).length === 0) {
      problems.push({ path: `$.pools[${i}].capacity`, message: 'needs at least one of byOffering, byInstanceType, byGpuModel, perVcpu' });
    }
    const constraints = (p.constraints as Pool['constraints'] | undefined) ?? {};
    if (constraints.minNodes !== undefined && constraints.maxNodes !== undefined && constraints.minNodes > constraints.maxNodes) {
      problems.push({ path: `$.pools[${i}].constraints.minNodes`, message: `(${constraints.minNodes}) exceeds maxNodes (${constraints.maxNodes})` });
    }
    pools.push({ name, unit: (p.unit as string | undefined) ?? 'units', demand: p.demand as number, capacity, qos: p.qos as Pool['qos'], constraints });
  });

  // Nodes.
  const nodes: FleetNode[] = [];
  // Names as written, even in entries with other problems, so one bad pool does not orphan its nodes too.
  const nameOf = (raw: unknown, key: string): string | undefined => {
    const v = typeof raw === 'object' && raw !== null ? (raw as Obj)[key] : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  const offeringIds = new Set(offeringsSource === 'inline' && Array.isArray(rawOfferings)
    ? rawOfferings.map((o) => nameOf(o, 'id')) : offerings.map((o) => o.id));
  const poolNames = new Set(rawPools.map((p) => nameOf(p, 'name')));
  const checkOfferings = offeringsSource === 'inline' ? Array.isArray(rawOfferings) : offerings.length > 0;
  const nodeIds = new Map<string, number>();
  const rawNodes = Array.isArray(doc.nodes) ? doc.nodes : [];
  rawNodes.forEach((raw, i) => {
    const found = schemaProblems(NodeSchema, raw, `$.nodes[${i}]`);
    problems.push(...found);
    if (found.length > 0) return;
    const n = raw as Obj;
    const id = n.id as string;
    const first = nodeIds.get(id);
    if (first !== undefined) problems.push({ path: `$.nodes[${i}].id`, message: `duplicates $.nodes[${first}].id ${JSON.stringify(id)}` });
    else nodeIds.set(id, i);
    if (!poolNames.has(n.pool as string)) {
      problems.push({ path: `$.nodes[${i}].pool`, message: `names no pool in $.pools (got ${JSON.stringify(n.pool)})` });
    }
    if (checkOfferings && !offeringIds.has(n.offering as string)) {
      problems.push({ path: `$.nodes[${i}].offering`, message: `names no offering in ${offeringsSource === 'inline' ? '$.offerings' : 'the bundled catalog'} (got ${JSON.stringify(n.offering)})` });
    }
    const startedAt = (n.startedAt as string | null | undefined) ?? null;
    if (startedAt !== null && !isInstant(startedAt)) {
      problems.push({ path: `$.nodes[${i}].startedAt`, message: `must be an ISO 8601 instant such as 2026-01-01T00:00:00Z (got ${JSON.stringify(startedAt)})` });
    }
    nodes.push({ id, pool: n.pool as string, offering: n.offering as string, state: n.state as FleetNode['state'], startedAt });
  });

  const now = typeof doc.now === 'string' ? doc.now : null;
  if (now !== null && !isInstant(now)) {
    problems.push({ path: '$.now', message: `must be an ISO 8601 instant such as 2026-01-01T00:00:00Z (got ${JSON.stringify(now)})` });
  }
  if (problems.length > 0) fail();

  return {
    name: typeof doc.name === 'string' ? doc.name : null,
    offeringsSource,
    offerings,
    pools,
    nodes,
    now,
    options: (doc.options as Partial<PlanOptions> | undefined) ?? {},
  };
}
