// @ts-check
import tseslint from 'typescript-eslint';

const ONLY_ADAPTER = 'Only extension/ (the VS Code adapter) may import vscode; keep this module pure.';
const noVscode = { paths: [{ name: 'vscode', message: ONLY_ADAPTER }] };
// no-restricted-imports sees static imports only; these catch `import('vscode')` and `require('vscode')`.
const noVscodeAtRunTime = [
  { selector: "ImportExpression[source.value='vscode']", message: ONLY_ADAPTER },
  { selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']", message: ONLY_ADAPTER },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.e2e/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', noVscode],
      'no-restricted-syntax': ['error', ...noVscodeAtRunTime],
    },
  },
  {
    // The adapter layer: the only place where `vscode` is allowed. extension/core stays pure.
    files: ['extension/**/*.ts'],
    ignores: ['extension/core/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
);
