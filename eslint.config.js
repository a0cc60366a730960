// Lint: typescript-eslint's type-checked recommendations, relaxed where the library's job
// (proxying arbitrary user values) makes `any` the honest type.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Plain JavaScript fixtures (a user's .mjs module) are outside the TypeScript project.
  { ignores: ['node_modules/**', 'bench/results/**', 'test/fixtures/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // The dashboard's page script runs in the browser, as plain JavaScript (no build step).
    files: ['lib/dashboard/page/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: { document: 'readonly', location: 'readonly', EventSource: 'readonly', getComputedStyle: 'readonly' },
    },
  },
);
