// @ts-check
import tseslint from 'typescript-eslint';

const noVscode = {
  paths: [{ name: 'vscode', message: 'Only extension/ (the VS Code adapter) may import vscode; keep this module pure.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.e2e/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', noVscode],
    },
  },
  {
    // The adapter layer: the only place where `vscode` is allowed. extension/core stays pure.
    files: ['extension/**/*.ts'],
    ignores: ['extension/core/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
