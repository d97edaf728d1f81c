import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GovError } from '../../core/errors.js';
import { parseDuration } from '../../config/duration.js';
import { PROVIDER_KINDS } from '../../config/schema.js';
import type { CredentialInfo, CredentialService } from '../../app/credentials/service.js';
import type { ProviderRegistry, ProviderView } from '../../app/providers/registry.js';
import { withErrors } from '../schemas.js';

const Name = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Duration = Type.String({ pattern: '^[0-9]+(ms|s|m|h)$' });

const CredentialSchema = Type.Object({
  name: Type.String(),
  provider: Type.String(),
  description: Nullable(Type.String()),
  fields: Type.Array(Type.String(), { description: 'Names of the secret values held; the values are never returned.' }),
  keyId: Type.String({ description: 'Fingerprint of the master key that sealed it.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
});

const HealthSchema = Type.Object({
  status: Type.Union(['healthy', 'degraded', 'unreachable', 'unknown', 'disabled', 'unavailable'].map((s) => Type.Literal(s))),
  reachable: Nullable(Type.Boolean()),
  lastCheckAt: Nullable(Type.String({ format: 'date-time' })),
  lastOkAt: Nullable(Type.String({ format: 'date-time' })),
  lastError: Nullable(Type.String()),
  consecutiveFailures: Type.Integer(),
  probeLatencyMs: Nullable(Type.Number()),
  calls: Type.Integer(),
  failures: Type.Integer(),
  errorRate: Type.Number(),
  latencyMs: Type.Object({ p50: Nullable(Type.Number()), p95: Nullable(Type.Number()), max: Nullable(Type.Number()) }),
  windowSeconds: Type.Number(),
});

const ProviderSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  enabled: Type.Boolean(),
  credentials: Nullable(Type.String()),
  settings: Type.Record(Type.String(), Type.Unknown(), { description: 'The kind\'s options; secret ones masked.' }),
  health: HealthSchema,
  error: Nullable(Type.String()),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
});

function credentialToJson(c: CredentialInfo) {
  return {
    name: c.name, provider: c.provider, description: c.description, fields: [...c.fields], keyId: c.keyId,
    createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(), createdBy: c.createdBy,
  };
}

const providerToJson = (view: ProviderView) => ({ ...view, settings: { ...view.settings } });

export interface ProviderRouteDeps {
  readonly credentials: CredentialService;
  readonly registry: ProviderRegistry;
}

/**
 * Provider credentials (`/api/v1/providers/credentials`, the seed endpoint) and the provider registry
 * (`/api/multicloud/providers`, the seed's multi-cloud endpoints). Secrets go in, never out: responses carry
 * field names and the master key's fingerprint only (docs/providers.md).
 */
export function providerRoutes(app: FastifyInstance, deps: ProviderRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const who = (request: { principal?: { keyId: string } }) => (request.principal ? `key:${request.principal.keyId}` : 'unknown');

  api.post('/api/v1/providers/credentials', {
    config: { access: 'providers:write' },
    schema: {
      summary: 'Store (or replace) a provider credential, sealed with AES-256-GCM',
      description: 'Creates the credential, or replaces the values of the one with the same name. The values are never returned.',
      tags: ['providers'],
      body: Type.Object({
        name: Name,
        provider: Type.Union(PROVIDER_KINDS.map((k) => Type.Literal(k))),
        description: Type.Optional(Type.String({ maxLength: 512 })),
        values: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), Type.String({ minLength: 1, maxLength: 65_536 }), { description: 'Secret values by field, e.g. {"token": "…"} for digitalocean.' }),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ credential: CredentialSchema }), 201: Type.Object({ credential: CredentialSchema }) }),
    },
  }, async (request, reply) => {
    const { credential, created } = await deps.credentials.put({ ...request.body, createdBy: who(request) });
    return reply.status(created ? 201 : 200).send({ credential: credentialToJson(credential) });
  });

  api.get('/api/v1/providers/credentials', {
    config: { access: 'providers:read' },
    schema: {
      summary: 'List stored provider credentials (names and fields, never values)',
      tags: ['providers'],
      response: withErrors({ 200: Type.Object({ credentials: Type.Array(CredentialSchema), masterKeyId: Nullable(Type.String()) }) }),
    },
  }, async () => ({ credentials: (await deps.credentials.list()).map(credentialToJson), masterKeyId: deps.credentials.keyId }));

  api.delete('/api/v1/providers/credentials/:name', {
    config: { access: 'providers:write' },
    schema: {
      summary: 'Delete a stored provider credential',
      description: 'Refused with GOV_CONFLICT while a registered provider references it.',
      tags: ['providers'],
      params: Type.Object({ name: Name }),
      response: withErrors({ 200: Type.Object({ credential: CredentialSchema }), 404: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => {
    const users = deps.registry.usersOf(request.params.name);
    if (users.length > 0) {
      throw new GovError('GOV_CONFLICT', `credential "${request.params.name}" is used by provider(s) ${users.join(', ')}; remove them first`, { details: { credential: request.params.name, providers: users } });
    }
    return { credential: credentialToJson(await deps.credentials.delete(request.params.name)) };
  });

  api.get('/api/multicloud/providers', {
    config: { access: 'providers:read' },
    schema: {
      summary: 'Registered providers with their live health (reachability, error rate, latency)',
      tags: ['providers'],
      response: withErrors({ 200: Type.Object({ providers: Type.Array(ProviderSchema), availableKinds: Type.Array(Type.String()) }) }),
    },
  }, async () => ({ providers: deps.registry.list().map(providerToJson), availableKinds: [...deps.registry.availableKinds()] }));

  api.post('/api/multicloud/providers', {
    config: { access: 'providers:write' },
    schema: {
      summary: 'Register a provider',
      description: 'Builds it at once (so a bad setting or credential is refused now) and starts probing its health. Secrets go in a stored credential referenced by name.',
      tags: ['providers'],
      body: Type.Object({
        name: Name,
        kind: Type.String({ minLength: 1, maxLength: 32 }),
        settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        credentials: Type.Optional(Nullable(Name)),
        enabled: Type.Optional(Type.Boolean()),
        health_interval: Type.Optional(Duration),
        health_timeout: Type.Optional(Duration),
      }, { additionalProperties: false }),
      response: withErrors({ 201: Type.Object({ provider: ProviderSchema }), 409: Type.Ref('ErrorResponse') }),
    },
  }, async (request, reply) => {
    const body = request.body;
    const interval = body.health_interval === undefined ? undefined : Math.max(1000, parseDuration(body.health_interval));
    const timeout = body.health_timeout === undefined ? undefined : Math.max(1, parseDuration(body.health_timeout));
    const view = await deps.registry.register({
      name: body.name, kind: body.kind, createdBy: who(request),
      ...(body.settings === undefined ? {} : { settings: body.settings }),
      ...(body.credentials === undefined ? {} : { credentials: body.credentials }),
      ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
      ...(interval === undefined ? {} : { healthIntervalMs: interval }),
      ...(timeout === undefined ? {} : { healthTimeoutMs: timeout }),
    });
    return reply.status(201).send({ provider: providerToJson(view) });
  });

  api.get('/api/multicloud/providers/:id', {
    config: { access: 'providers:read' },
    schema: {
      summary: 'One provider with its live health',
      tags: ['providers'],
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: withErrors({ 200: Type.Object({ provider: ProviderSchema }), 404: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => ({ provider: providerToJson(deps.registry.view(request.params.id)) }));

  api.delete('/api/multicloud/providers/:id', {
    config: { access: 'providers:write' },
    schema: {
      summary: 'Remove a provider registered through the API',
      description: 'Providers from the configuration file are refused with GOV_CONFLICT (remove them from the file).',
      tags: ['providers'],
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: withErrors({ 200: Type.Object({ provider: ProviderSchema }), 404: Type.Ref('ErrorResponse'), 409: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => ({ provider: providerToJson(await deps.registry.unregister(request.params.id)) }));
}
