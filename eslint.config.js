// ESLint flat config. Besides the usual TypeScript rules it holds the architecture's import
// boundaries (docs/design/layout.md): core <- ports <- adapters; core + ports <- app <- server/cli;
// only bootstrap/ wires concrete adapters together.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ioModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'http', 'https', 'child_process', 'crypto', 'worker_threads',
  'pg', 'pg-*', '@electric-sql/*', 'fastify', 'fastify-*', '@fastify/*', 'pino', 'pino-*', 'prom-client',
  'commander', 'smol-toml', '@aws-sdk/*', '@google-cloud/*', '@azure/*', '@kubernetes/*', 'undici',
];
const layer = (name) => [`**/${name}`, `**/${name}/**`];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'web/dist/**', '.governator-test-*/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The pure core: no I/O, no clock, no randomness, nothing from outer layers.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ioModules, message: 'src/core is pure: no I/O, frameworks or SDKs (see docs/design/layout.md).' },
          { group: [...layer('ports'), ...layer('adapters'), ...layer('app'), ...layer('server'), ...layer('cli'), ...layer('config'), ...layer('bootstrap')],
            message: 'src/core imports nothing from outer layers.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/core is pure: pass values in.' },
        { name: 'fetch', message: 'src/core is pure: no I/O.' },
        { name: 'setTimeout', message: 'src/core is pure: no timers.' },
        { name: 'setInterval', message: 'src/core is pure: no timers.' },
        { name: 'console', message: 'src/core is pure: return diagnostics instead of logging.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'src/core is pure: take `now` as an argument.' },
        { object: 'Math', property: 'random', message: 'src/core is pure: take a seeded random source.' },
        { object: 'performance', property: 'now', message: 'src/core is pure: take `now` as an argument.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/core is pure: take `now` as an argument.' },
      ],
    },
  },
  {
    files: ['src/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: [...layer('adapters'), ...layer('app'), ...layer('server'), ...layer('cli'), ...layer('bootstrap')],
          message: 'ports depend only on core.' },
      ] }],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: [...layer('app'), ...layer('server'), ...layer('cli'), ...layer('bootstrap')],
          message: 'adapters implement ports; they do not reach into app, server or cli.' },
      ] }],
    },
  },
  {
    files: ['src/app/**/*.ts', 'src/server/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: [...layer('adapters'), ...layer('bootstrap'), ...layer('cli')],
          message: 'app and server use ports; only src/bootstrap wires concrete adapters.' },
      ] }],
    },
  },
);
