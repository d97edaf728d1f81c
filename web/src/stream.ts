/**
 * The live event stream (GET /api/v1/stream, a WebSocket). The key goes in the subprotocol list
 * (`governator.key.<key>`), never in the URL. The client reconnects by itself with exponential backoff and
 * jitter (1 s doubling to 30 s), and treats a silence longer than two heartbeats as a dead connection.
 */

export interface StreamEvent { type: string; at: string; data?: Record<string, unknown> }
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamHandle { close(): void }

export function openStream(key: string, handlers: { onEvent: (e: StreamEvent) => void; onStatus: (s: StreamStatus, detail?: string) => void }): StreamHandle {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let heartbeatMs = 15_000;

  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/stream`;

  const armWatchdog = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => socket?.close(4000, 'no heartbeat'), heartbeatMs * 2 + 5_000);
  };

  const connect = () => {
    if (stopped) return;
    handlers.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    socket = new WebSocket(url, ['governator.v1', `governator.key.${key}`]);
    socket.onopen = () => {
      attempt = 0;
      armWatchdog();
    };
    socket.onmessage = (message) => {
      armWatchdog();
      let event: StreamEvent;
      try {
        event = JSON.parse(String(message.data)) as StreamEvent;
      } catch {
        return;
      }
      if (event.type === 'hello') {
        heartbeatMs = Number((event.data as { heartbeatMs?: number } | undefined)?.heartbeatMs) || heartbeatMs;
        handlers.onStatus('live');
        return;
      }
      if (event.type === 'heartbeat') return;
      handlers.onEvent(event);
    };
    socket.onclose = (close) => {
      clearTimeout(watchdog);
      socket = null;
      if (stopped) return;
      // 4401: the key was revoked; reconnecting with it cannot work.
      if (close.code === 4401) {
        handlers.onStatus('closed', 'the API key was revoked');
        return;
      }
      const delay = Math.min(30_000, 1_000 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      handlers.onStatus('reconnecting', `retrying in ${Math.round(delay / 1000)} s`);
      retryTimer = setTimeout(connect, delay);
    };
  };
  connect();
  return {
    close: () => {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(watchdog);
      socket?.close(1000, 'signed out');
      handlers.onStatus('closed');
    },
  };
}
