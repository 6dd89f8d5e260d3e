// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// ESLint runs the rules that read the syntax alone: ESLint's recommended set and
// typescript-eslint's strict set. The type-aware half of typescript-eslint's strictTypeChecked
// runs in Oxlint with tsgolint, on TypeScript 7 (.oxlintrc.json, `npm run lint:types`): the
// same rules with the same options, the two tools together at about a third of the CPU, and
// ESLint builds no TypeScript program at all (docs/PERFORMANCE.md#test-run). Disable comments
// for a type-aware rule are Oxlint's (`// oxlint-disable-next-line typescript/…`).
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
  tseslint.configs.strict,
  prettier,
);
