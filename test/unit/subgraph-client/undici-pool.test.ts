import { Pool } from 'undici';
import { expect, it } from 'vitest';
import { UndiciPool } from '../../../gateway/subgraph-client/undici-pool.js';

it("is undici's own Pool, loaded from its file (a new undici that moved it fails here, not at a gateway's start)", () => {
  expect(UndiciPool).toBe(Pool);
});
