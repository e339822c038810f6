import { defineConfig } from 'vitest/config';

// libchdb binds one data directory per process, so every test file runs in its own forked
// process (pool: 'forks', no isolation sharing) and owns its own temporary data directory.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // One temporary root per run, removed at the end (see the file).
    globalSetup: ['test/helpers/tmp-root.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
