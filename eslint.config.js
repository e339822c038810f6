// Lint config: typescript-eslint recommended rules plus the house rules (README "Development")
// (no `export *`, `import type` for type-only imports, only src/shared/env.ts reads process.env),
// and the type-aware promise rules. Formatting is Prettier's (`npm run format`), not the linter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'scripts/**',
      '**/dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      'bin/**',
      '.tmp/**',
      '.tmp-*/**',
      'test/artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Type-aware: a promise nobody awaits or handles is a lost error (or an unhandled rejection
      // that kills the process); a promise passed where a void callback is expected is the same.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly (no export *).' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/shared/config.ts', 'src/shared/env.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Only src/shared/env.ts reads process.env.',
        },
      ],
    },
  },
);
