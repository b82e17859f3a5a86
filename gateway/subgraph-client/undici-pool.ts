import { createRequire } from 'node:module';
import type { Pool } from 'undici';

/**
 * undici's `Pool`, loaded from its own file rather than from the package's entry: `require('undici')` loads
 * all of undici (fetch, WebSocket, cookies, caches, mocks), about 110 ms of CPU at start-up for a gateway
 * that only dispatches through pools (docs/performance.md, "Start-up"). undici has no `exports` map, so the
 * file is reachable; test/unit/subgraph-client/undici-pool.test.ts checks it is still the class the entry
 * exports.
 */
export const UndiciPool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof Pool;
