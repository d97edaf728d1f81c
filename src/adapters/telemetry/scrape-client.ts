import { request, type Dispatcher } from 'undici';
import type { ScrapeClient, ScrapeResponse } from '../../ports/telemetry-ingest.js';

const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/** ScrapeClient over undici: one GET per scrape, time-limited, body size-limited. */
export function createScrapeClient(options: { dispatcher?: Dispatcher } = {}): ScrapeClient {
  return {
    async get(url, { timeoutMs, maxBytes, headers }): Promise<ScrapeResponse> {
      const signal = AbortSignal.timeout(timeoutMs);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: 'GET', signal, headers: { accept: ACCEPT, 'user-agent': 'governator-scraper', ...headers },
          ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        });
      } catch (error) {
        if (signal.aborted) throw new Error(`timed out after ${timeoutMs} ms`);
        throw new Error((error as { cause?: Error }).cause?.message ?? (error as Error).message);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new Error(`the response is larger than ${maxBytes} bytes`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (error) {
        if (signal.aborted) throw new Error(`timed out after ${timeoutMs} ms`);
        throw error;
      }
      const type = res.headers['content-type'];
      return { status: res.statusCode, contentType: Array.isArray(type) ? type[0] : type, body: Buffer.concat(chunks).toString('utf8') };
    },
  };
}
