import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { GovError } from '../../core/errors.js';
import type { EventBus, EventEnvelope, GovernatorEventName } from '../../app/events.js';
import type { Store } from '../../ports/store.js';

/**
 * The live event stream (issue #9, docs/dashboard.md): `GET /api/v1/stream` upgrades to a WebSocket that carries
 * every event of the in-process EventBus as one JSON text message each, so the dashboard updates without reloads.
 *
 * Auth happens at the upgrade like any route (`nodes:read`). Browsers cannot set an Authorization header on a
 * WebSocket, so the key may instead be offered as the subprotocol `governator.key.<key>` next to `governator.v1`
 * (src/server/plugins/auth.ts); the server answers with `governator.v1` and never echoes the key, and keys never
 * travel in URLs, where proxies and access logs would keep them.
 *
 * Messages, server → client: `{ type: 'hello', at, data: { heartbeatMs, types } }` once, then events
 * `{ type, at, data }` as EventBus publishes them (src/app/events.ts), and `{ type: 'heartbeat', at }` every
 * `heartbeatMs`. The client sends nothing (anything it sends is ignored; a message over 4 KiB closes the socket).
 */

/** The subprotocol the server speaks; a client offering it gets it back. */
export const STREAM_PROTOCOL = 'governator.v1';

/** Every event name a client may ask for with `?types=`. */
export const STREAM_EVENT_TYPES: readonly GovernatorEventName[] = [
  'node.state', 'decision', 'action', 'anomaly', 'price.change', 'forecast', 'control.paused',
];

export interface StreamRouteOptions {
  readonly events: EventBus;
  readonly store: Store;
  /** Heartbeat period, ms (default 15 s): a message and a ping; a client that missed the previous pong is dropped. */
  readonly heartbeatMs?: number;
  /** Unsent bytes a slow client may accumulate before it is disconnected (close 1013) instead of growing memory. */
  readonly maxBufferedBytes?: number;
  /** Wall clock for message timestamps (events carry the publisher's own). */
  readonly now?: () => Date;
}

const MAX_CLIENT_MESSAGE = 4096;

function parseTypes(raw: unknown): ReadonlySet<GovernatorEventName> | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string') throw new GovError('GOV_VALIDATION', 'types: a comma-separated list of event names', { details: { field: 'types' } });
  const wanted = new Set<GovernatorEventName>();
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (!(STREAM_EVENT_TYPES as readonly string[]).includes(name)) {
      throw new GovError('GOV_VALIDATION', `types: unknown event "${name}"; expected some of ${STREAM_EVENT_TYPES.join(', ')}`, {
        details: { field: 'types', accepted: STREAM_EVENT_TYPES },
      });
    }
    wanted.add(name as GovernatorEventName);
  }
  return wanted;
}

export async function streamRoutes(app: FastifyInstance, options: StreamRouteOptions): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const sockets = new Set<WebSocket>();

  // An upgrade refused with an HTTP answer (401, 403, 400) arrived on a socket the HTTP server no longer tracks:
  // close it, or it stays open until the client gives up.
  app.addHook('onResponse', async (request) => {
    if (String(request.headers.upgrade ?? '').toLowerCase() === 'websocket' && !request.raw.socket.destroyed) request.raw.socket.destroy();
  });
  // Open streams would keep close() waiting for ever: say goodbye (1001, going away) so clients reconnect elsewhere.
  app.addHook('preClose', async () => {
    for (const socket of sockets) socket.close(1001, 'server shutting down');
  });

  app.route({
    method: 'GET',
    url: '/api/v1/stream',
    config: { access: 'nodes:read' },
    schema: { summary: 'Live events over a WebSocket (docs/dashboard.md)', tags: ['nodes'], hide: true },
    // Validate before the upgrade, so a bad `types` is a plain 400 the client can read.
    preValidation: async (request: FastifyRequest) => {
      parseTypes((request.query as Record<string, unknown>).types);
    },
    handler: async () => {
      throw new GovError('GOV_UPGRADE_REQUIRED', 'GET /api/v1/stream is a WebSocket endpoint: send "Connection: Upgrade" and "Upgrade: websocket"');
    },
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const types = parseTypes((request.query as Record<string, unknown>).types);
      const keyId = request.principal?.keyId;
      sockets.add(socket);
      const send = (message: object): void => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > maxBuffered) {
          socket.close(1013, 'too slow: events were piling up; reconnect');
          return;
        }
        socket.send(JSON.stringify(message));
      };
      const unsubscribe = options.events.subscribe((event: EventEnvelope) => {
        if (types === null || types.has(event.type)) send(event);
      });
      let alive = true;
      socket.on('pong', () => { alive = true; });
      const timer = setInterval(() => {
        void (async () => {
          if (!alive) {
            socket.terminate();
            return;
          }
          // A key revoked while its stream is open loses the stream at the next heartbeat.
          if (keyId) {
            const record = await options.store.apiKeys.get(keyId).catch(() => undefined);
            if (record === null || record?.revokedAt) {
              socket.close(4401, 'the API key was revoked');
              return;
            }
          }
          alive = false;
          send({ type: 'heartbeat', at: now().toISOString() });
          if (socket.readyState === socket.OPEN) socket.ping();
        })();
      }, heartbeatMs);
      timer.unref();
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
        if (size > MAX_CLIENT_MESSAGE) socket.close(1009, 'the stream takes no messages from the client');
      });
      socket.on('close', () => {
        clearInterval(timer);
        unsubscribe();
        sockets.delete(socket);
      });
      send({ type: 'hello', at: now().toISOString(), data: { heartbeatMs, types: types ? [...types] : STREAM_EVENT_TYPES } });
    },
  });
}
