import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the workspace packages from their TypeScript sources: the `berth-source` export condition (the
// published packages resolve to dist/ without it). Vitest's own default drops `module`: node_modules packages load
// on Node, not through a bundler.
const ssr = {
  resolve: { conditions: ['berth-source', ...defaultServerConditions.filter((c) => c !== 'module')] },
};

// One project per layer so `npm run test:faults` can run the slow fault suite alone.

export default defineConfig({
  test: {
    projects: [
      {
        ssr,
        test: {
          name: 'unit',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'examples/seeds/*/*.test.ts',
            'test/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/*.faults.test.ts', '**/*.browser.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        ssr,
        test: {
          name: 'browser',
          include: ['**/test/**/*.browser.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
      {
        ssr,
        test: {
          name: 'faults',
          include: ['**/test/**/*.faults.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
