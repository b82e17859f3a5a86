import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBGRAPHS, startDemoSubgraphs } from '../../subgraphs/index.js';
import type { DemoSubgraphs } from '../helpers/demo-gateway.js';
import { collect, until, wsClient } from '../helpers/subscription-clients.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';
import { assertBuilt, CLI, ROOT, startNode } from './processes.js';

// SIGTERM to a real `atrium serve` process with open subscriptions: every graphql-ws client observes a
// reconnectable close (1001 going away, not one of graphql-ws's fatal codes), the upstream subscriptions
// are closed, and the process exits 0.

let dir: TempDir;
let subgraphs: DemoSubgraphs;
const clients: Client[] = [];

beforeAll(async () => {
  assertBuilt();
  dir = await tempDir('atrium-e2e-sigterm-');
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  const lines = ['federation_version: 2', 'subgraphs:'];
  for (const name of DEMO_SUBGRAPHS) {
    lines.push(`  ${name}:`, `    routing_url: ${subgraphs.urls[name]}`, '    schema:', `      file: ${join(ROOT, 'schema', `${name}.graphql`)}`);
  }
  await writeFile(join(dir.path, 'supergraph.yaml'), `${lines.join('\n')}\n`);
  // Sharing off: each client's subscription is its own upstream one, so the subgraph's count shows all.
  await writeFile(join(dir.path, 'gateway.yaml'), 'traffic:\n  all:\n    dedupeSubscriptions: false\n');
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await subgraphs?.close();
  await dir?.remove();
});

describe('atrium serve with open subscriptions', () => {
  it('closes every WebSocket with 1001 on SIGTERM, closes upstream and exits 0', async () => {
    const gateway = startNode(CLI, [
      'serve',
      '--supergraph-config', join(dir.path, 'supergraph.yaml'),
      '--config', join(dir.path, 'gateway.yaml'),
      '--port', '0',
      '--host', '127.0.0.1',
    ]);
    const reviews = subgraphs.subgraphs.find((s) => s.name === 'reviews')!;
    let exit: number | string | undefined;
    try {
      const [, url] = await gateway.waitFor(/"url":"([^"]+)"[^\n]*"msg":"gateway: ready"/);
      const streams = [0, 1, 2].map(() => collect(wsClient(url!, clients), 'subscription { reviewAdded { id item { name } } }'));
      await until(() => reviews.subscribers() === 3, 'three upstream subscriptions');
      exit = await gateway.stop('SIGTERM', 15_000);
      for (const stream of streams) {
        const { error } = await stream.ended;
        expect(error).toMatchObject({ code: 1001 });
        expect((error as { reason: string }).reason).toMatch(/^GATEWAY_SHUTTING_DOWN/);
      }
      await until(() => reviews.subscribers() === 0, 'the upstream subscriptions to close');
    } finally {
      exit ??= await gateway.stop('SIGKILL');
    }
    expect(exit).toBe(0);
  });
});
