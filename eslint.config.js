// Lint config: typescript-eslint recommended rules plus the house rules from DEVELOPERS.md
// (no `export *`, `import type` for type-only imports, only src/shared/config.ts reads process.env).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['scripts/**', 'dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bin/**', '.tmp/**', '.tmp-*/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
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
        { object: 'process', property: 'env', message: 'Only src/shared/env.ts reads process.env.' },
      ],
    },
  },
);
