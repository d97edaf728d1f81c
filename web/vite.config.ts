import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The dashboard (issue #9, docs/dashboard.md). Built into dist/web, which the Governator server serves at / and
// /ui/* (src/server/routes/ui.ts); hashed file names under /ui/assets/ let the server cache them for a year.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [preact({ devToolsInProd: false, prefreshEnabled: false })],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev:web`: the app on Vite's dev server, the API from a local `governator serve`.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
