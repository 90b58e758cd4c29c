'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const local = require('./scripts/lint/plugin');

module.exports = tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'mediation-sequences/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './scripts/tsconfig.typecheck.json', tsconfigRootDir: __dirname },
    },
    plugins: { 'synapse-ai': local },
    rules: {
      'synapse-ai/package-boundaries': 'error',
      'synapse-ai/declared-dependencies': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // converters and scanners match control characters on purpose
    files: ['packages/json-xml/src/**/*.ts', 'packages/sdk/src/**/*.ts', 'packages/redact/src/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // The request path of the sidecar and of policy chains: an object literal with a getter there
    // kept every request's body alive until a full GC (see "What it took" under bench:policies in
    // docs/benchmarks.md). Use a class with the getter on its prototype.
    files: ['packages/sdk/src/**/*.ts', 'packages/sidecar/src/**/*.ts', 'packages/policies/src/**/*.ts'],
    ignores: ['**/__tests__/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > Property[kind="get"]',
          message:
            'No getters in object literals on the request path: V8 may pretenure them and they then keep per-request data alive until a full GC. Use a class with the getter on its prototype.',
        },
      ],
    },
  },
  {
    files: ['**/__tests__/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Identity Server adaptive authentication scripts: the server defines these functions, and the
    // server calls onLoginRequest.
    files: ['examples/adaptive-auth/**/*.js'],
    languageOptions: {
      globals: {
        executeStep: 'readonly',
        httpPost: 'readonly',
        fail: 'readonly',
        getSecretByName: 'readonly',
        Log: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^onLoginRequest$', args: 'none' }] },
  },
);
