// @ts-check
import tseslint from 'typescript-eslint';

const ONLY_ADAPTER = 'Only extension/ (the VS Code adapter) may import vscode; keep this module pure.';
const NO_TESTING = 'Shipped code imports nothing from a testing folder (doubles, stand-ins, test processes): keep it out of the .vsix.';
const noTesting = [{ group: ['**/testing/*', '**/testing'], message: NO_TESTING }];
const noVscode = { paths: [{ name: 'vscode', message: ONLY_ADAPTER }], patterns: noTesting };
// no-restricted-imports sees static imports only; this catches `import('…/testing/…')` too.
const noTestingAtRunTime = { selector: 'ImportExpression[source.value=/(^|\\/)testing\\//]', message: NO_TESTING };
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
      'no-restricted-syntax': ['error', ...noVscodeAtRunTime, noTestingAtRunTime],
    },
  },
  {
    // The adapter layer: the only place where `vscode` is allowed. extension/core stays pure.
    files: ['extension/**/*.ts'],
    ignores: ['extension/core/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: noTesting }], 'no-restricted-syntax': ['error', noTestingAtRunTime] },
  },
  {
    // Tests, test helpers, benchmarks and the rig's tooling may use the doubles; they are never bundled.
    files: ['**/*.test.ts', '**/testing/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: noVscode.paths }], 'no-restricted-syntax': ['error', ...noVscodeAtRunTime] },
  },
  {
    files: ['extension/**/*.test.ts', 'extension/**/testing/**/*.ts'],
    ignores: ['extension/core/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
);
