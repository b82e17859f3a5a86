import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // e2e tests start real processes; two cores are shared with them.
    maxWorkers: 2,
  },
});
