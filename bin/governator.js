#!/usr/bin/env node
// The governator command. Runs the compiled code in dist/ (npm install builds it; npm run build rebuilds it).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('governator: dist/ is missing; run `npm run build` (or `npm install`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
