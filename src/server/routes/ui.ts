import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The dashboard's static files (issue #9, docs/dashboard.md): the Vite build of web/ (dist/web), served at `/`
 * and `/ui/*` with no key, because it is only code: every figure on screen comes from the authenticated API.
 *
 * - Files are read once, at start-up, and kept in memory with an ETag and a gzip copy (the whole app is a few
 *   hundred KiB); a rebuilt dashboard needs a restart.
 * - Hashed assets (`/ui/assets/*`) are cached for a year (`immutable`); `index.html` is revalidated every time
 *   (`no-cache`), so a new version shows up on the next load.
 * - `/ui/<page>` without a file extension answers index.html (single-page app routing); a missing file with an
 *   extension is a real 404.
 * - No build (a `tsc`-only build, or `npm run build` not run): 503 with a page that says how to build it.
 */

/** Where `npm run build` puts the dashboard: <package>/dist/web. The same path from src/ (tests) and dist/ (installed). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map']);

// The app loads only its own files and talks only to this origin (REST and the WebSocket stream).
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Every file under `root`, keyed by its URL path below /ui/ (`assets/index-3f2a.js`, `index.html`). */
export function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(root, 'index.html'))) return assets;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const key = relative(root, path).split(sep).join('/');
      const ext = extname(name).toLowerCase();
      const body = readFileSync(path);
      const gzip = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
      assets.set(key, {
        body,
        gzip: gzip && gzip.length < body.length ? gzip : null,
        type: TYPES[ext] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        immutable: key.startsWith('assets/'),
      });
    }
  };
  walk(root);
  return assets;
}

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Governator: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This Governator serves its API, but the web dashboard's files are missing. Build them and restart:</p>
<pre>npm run build        # TypeScript and the dashboard (or: npm run build:web)
npm start</pre>
<p>The API works without it: see <code>docs/api.md</code>.</p>
</body></html>
`;

export interface UiRouteOptions {
  /** The built dashboard (default: dist/web of this package). */
  readonly root?: string;
}

export function uiRoutes(app: FastifyInstance, options: UiRouteOptions = {}): void {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const assets = loadAssets(root);
  const index = assets.get('index.html');
  if (!index) app.log.warn({ root }, 'the dashboard is not built: / and /ui/ answer 503 until `npm run build` (docs/dashboard.md)');

  const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('etag', asset.etag);
    reply.header('vary', 'accept-encoding');
    reply.type(asset.type);
    const match = request.headers['if-none-match'];
    if (typeof match === 'string' && match.split(',').some((tag) => tag.trim() === asset.etag)) return reply.code(304).send();
    const accepts = String(request.headers['accept-encoding'] ?? '');
    if (asset.gzip && /\bgzip\b/.test(accepts)) {
      reply.header('content-encoding', 'gzip');
      return reply.send(asset.gzip);
    }
    return reply.send(asset.body);
  };

  const serveIndex = (request: FastifyRequest, reply: FastifyReply) => {
    if (!index) {
      reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8');
      return reply.send(MISSING_BUILD);
    }
    return send(request, reply, index);
  };

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, serveIndex);

  app.get('/ui/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const asset = path.includes('..') ? undefined : assets.get(path);
    if (asset) return send(request, reply, asset);
    // A page of the app (/ui/nodes) gets the app; a file that is not there (/ui/assets/gone.js) is a 404, so a
    // stale index.html never receives HTML where it expects JavaScript.
    if (extname(path) === '') return serveIndex(request, reply);
    reply.code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8');
    return reply.send(`no such dashboard file: /ui/${path}\n`);
  });
}
