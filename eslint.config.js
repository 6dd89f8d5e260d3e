// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.data/**',
      // Generated from the OpenAPI document; a test checks it is exactly the generator's output.
      'frontend/src/api/generated/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      // Two TypeScript programs for the whole repository (tsconfig.check.json, and the web app's
      // own settings) rather than one per workspace: the same files and compiler options, with
      // shared/ and the services read once instead of up to eight times (half the time and
      // memory). A new folder of TypeScript files goes into tsconfig.check.json's "include".
      parserOptions: {
        project: ['./tsconfig.check.json', './frontend/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Fastify's reply.send() returns the reply; returning it from async handlers is the idiom.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Fastify plugins and handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
