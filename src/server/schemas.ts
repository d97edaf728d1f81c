import { Type, type TSchema } from '@sinclair/typebox';
import { NODE_STATES } from '../core/model/node.js';

/** Schemas shared by several routes; each route keeps its own request schemas beside it. */

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable error code, GOV_… (docs/errors.md).' }),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    requestId: Type.Optional(Type.String()),
  }),
}, { $id: 'ErrorResponse', description: 'Every error has this shape.' });

/** Standard error responses for an authenticated route, for the OpenAPI document. */
export function withErrors<T extends Record<number, TSchema>>(responses: T): T & Record<number, TSchema> {
  const ref = Type.Ref('ErrorResponse');
  return { 400: ref, 401: ref, 403: ref, 500: ref, ...responses };
}

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const NodeState = Type.Union(NODE_STATES.map((s) => Type.Literal(s)));

export const NodeSchema = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  region: Nullable(Type.String()),
  zone: Nullable(Type.String()),
  instanceType: Nullable(Type.String()),
  offeringId: Nullable(Type.String()),
  pool: Nullable(Type.String()),
  state: NodeState,
  labels: Type.Record(Type.String(), Type.String()),
  vcpus: Nullable(Type.Number()),
  memoryGiB: Nullable(Type.Number()),
  gpu: Nullable(Type.Object({ model: Type.String(), count: Type.Integer() })),
  pricePerHour: Nullable(Type.Number()),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Node' });
