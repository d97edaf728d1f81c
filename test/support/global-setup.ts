import { execFileSync } from 'node:child_process';

/** The CLI tests run bin/governator.js, which runs dist/: compile once before any test file. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
