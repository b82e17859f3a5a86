import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships both index.mjs ("module") and index.js ("main"). Node resolves "main" for ESM and
    // CJS alike, but Vite prefers "module", which would give Apollo's CJS packages a second graphql
    // instance ("Cannot use GraphQLSchema from another module or realm"). Resolve like Node does.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    // Bounds for hangs, not speed checks: e2e tests start processes that load slowly on busy cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // e2e tests start real processes; two cores are shared with them.
    maxWorkers: 2,
  },
});
