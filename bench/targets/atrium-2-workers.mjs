/**
 * Atrium with `atrium serve --workers 2` (node:cluster): two gateway processes on both cores. Both cores
 * are shared with the subgraphs and the load generator, so this row is not pinned like the others.
 * Skipped with a note when the CLI does not accept `--workers` yet.
 */

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-2-workers',
    what: 'Atrium (dist/gateway/cli.js serve --workers 2), 2 processes',
    peer: false,
    dedup: 'none',
    cpus: '0,1',
    note: 'atrium-2-workers runs on both cores, competing with the subgraphs and the load generator on core 0.',
    command: ({ root, port, supergraphFile, atriumConfig }) => ({
      command: process.execPath,
      args: [
        `${root}dist/gateway/cli.js`,
        'serve',
        '--workers',
        '2',
        '--supergraph',
        supergraphFile,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--config',
        atriumConfig,
      ],
    }),
    skipWhenExited: (code, output) =>
      code === 2 && /workers/i.test(output) ? `the CLI rejected --workers (exit 2): ${output.trim().split('\n')[0]}` : undefined,
  },
];
