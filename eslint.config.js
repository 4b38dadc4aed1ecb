// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '.data/', 'demo-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  {
    // Shared with the CloudFront Function, which esbuild emits as ES5: no let/const there.
    files: [
      'lambda/core/ocsp/ocsp-request.ts',
      'lambda/core/ocsp/ocsp-object-key.ts',
      'lambda/core/ocsp/cert-id.ts',
      'lambda/core/pki/hash-algorithms.ts',
      'lambda/edge/**/*.ts',
    ],
    ignores: ['lambda/edge/build-viewer-request.ts'],
    rules: { 'no-var': 'off', 'prefer-const': 'off' },
  },
  {
    // core/ is pure: no environment, no wall clock (the clock is passed in). Its imports are walled
    // by dependency-cruiser (.dependency-cruiser.cjs, `npm run boundaries`).
    files: ['lambda/core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pass the clock in (Clock port).' },
        {
          object: 'process',
          property: 'env',
          message: 'Configuration is passed in, never read from the environment.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Pass the clock in (Clock port).',
        },
      ],
    },
  },
);
