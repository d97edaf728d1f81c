import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { grantsPermission, type Permission } from '../../core/auth/rbac.js';
import { GovError } from '../../core/errors.js';
import type { ApiKeyService, Principal } from '../../app/api-keys.js';
import type { ServerMetrics } from './metrics.js';

/**
 * Who may call a route. Every route must say (a route without `config.access` fails at start-up, so a new
 * route cannot be public by accident):
 * - `public` — no key needed (only /healthz, /readyz, /metrics and the dashboard's static files at / and /ui/*);
 * - `authenticated` — any valid key;
 * - a permission — a valid key whose role grants it.
 */
export type RouteAccess = 'public' | 'authenticated' | Permission;

export interface RouteAccessEntry {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with who may call it, for docs and the authorisation tests. */
    readonly routeAccess: readonly RouteAccessEntry[];
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The caller, once authenticated. */
    principal?: Principal;
  }
}

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/**
 * Browsers cannot set an Authorization header on a WebSocket, so a WebSocket upgrade may offer the key as the
 * subprotocol `governator.key.<key>` instead (beside `governator.v1`, which the server selects: it never echoes
 * the key back). Keys stay out of URLs, where access logs and proxies would keep them. Issue #9, docs/dashboard.md.
 */
export const WS_KEY_PROTOCOL_PREFIX = 'governator.key.';

function websocketKey(request: FastifyRequest): string | undefined {
  if (String(request.headers.upgrade ?? '').toLowerCase() !== 'websocket') return undefined;
  const offered = request.headers['sec-websocket-protocol'];
  if (typeof offered !== 'string') return undefined;
  for (const part of offered.split(',')) {
    const protocol = part.trim();
    if (protocol.startsWith(WS_KEY_PROTOCOL_PREFIX)) return `Bearer ${protocol.slice(WS_KEY_PROTOCOL_PREFIX.length)}`;
  }
  return undefined;
}

export interface AuthPluginOptions {
  readonly keys: ApiKeyService;
  readonly metrics: ServerMetrics;
}

async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const table: RouteAccessEntry[] = [];
  app.decorate('routeAccess', table);
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: RouteAccess } | undefined)?.access;
    if (access === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.access; every route must (see src/server/plugins/auth.ts)`);
    }
    if (access === 'public' && route.url.startsWith('/api/')) {
      throw new Error(`route ${route.url} is under /api/ and so may not be public`);
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') table.push({ method, url: route.url, access });
    }
  });

  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    // Unmatched URLs reach the not-found handler with no access setting: they answer 404 and expose nothing.
    if (access === undefined || access === 'public') return;
    const header = request.headers.authorization ?? websocketKey(request);
    if (!header) {
      options.metrics.authFailures.inc({ reason: 'missing' });
      throw new GovError('GOV_AUTH_REQUIRED', 'an API key is required: send "Authorization: Bearer <key>"');
    }
    const match = BEARER.exec(header);
    if (!match) {
      options.metrics.authFailures.inc({ reason: 'malformed' });
      throw new GovError('GOV_AUTH_INVALID', 'the API key is not valid', { details: { reason: 'not-bearer' } });
    }
    let principal: Principal;
    try {
      principal = await options.keys.authenticate(match[1]!);
    } catch (error) {
      const reason = (error as GovError).details as { reason?: string } | undefined;
      options.metrics.authFailures.inc({ reason: reason?.reason ?? 'invalid' });
      throw error;
    }
    request.principal = principal;
    if (access !== 'authenticated' && !grantsPermission(principal.permissions, access)) {
      options.metrics.authFailures.inc({ reason: 'forbidden' });
      throw new GovError('GOV_FORBIDDEN', `the role "${principal.role}" lacks the permission "${access}"`, {
        details: { required: access, role: principal.role },
      });
    }
  });
}

export default fp(authPlugin, { name: 'governator-auth', fastify: '5.x' });
