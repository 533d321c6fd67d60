import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Product code never depends on the sandbox emulators.
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**', 'src/demo.ts', 'src/dev.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sandbox/**'], message: 'Product code must not import the sandbox.' }] }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node, no I/O, no sandbox emulators.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'http', 'https', 'crypto', 'undici', '@okta/*', 'fastify', '**/sandbox/**', '**/activities/*', '**/clients/**', '**/config/tenant'], message: 'Workflows must stay deterministic: import activities as types only and do I/O in activities.', allowTypeImports: true },
        ],
      }],
    },
  },
);
