import { describe, expect, it } from 'vitest';
import { bearer, startTestServer } from '../support/server.js';

describe('graceful close', () => {
  it('finishes a request in flight, then refuses new connections', async () => {
    const server = await startTestServer();
    const list = server.store.nodes.list.bind(server.store.nodes);
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    (server.store.nodes as { list: unknown }).list = async (filter: Parameters<typeof list>[0]) => {
      entered();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return list(filter);
    };
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;

    const inFlight = fetch(`${base}/api/v1/nodes`, { headers: bearer(server.tokens.viewer) });
    await inHandler;
    const closed = server.app.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ nodes: [], nextCursor: null });
    await closed;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await server.store.close();
  });
});
