import { fileURLToPath } from 'node:url';

/**
 * No gateway: one Node process serving the same query from the same data with graphql-js
 * (bench/monolith.mjs). The ceiling for one Node process on this workload.
 */

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'monolith',
    what: 'no gateway: graphql-js over the same data in one process (bench/monolith.mjs)',
    peer: false,
    dedup: 'none',
    cpus: '1',
    command: ({ port }) => ({
      command: process.execPath,
      args: [fileURLToPath(new URL('../monolith.mjs', import.meta.url)), '--port', String(port), '--host', '127.0.0.1'],
    }),
  },
];
