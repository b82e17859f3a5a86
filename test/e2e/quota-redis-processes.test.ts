import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBGRAPHS, startDemoSubgraphs } from '../../subgraphs/index.js';
import type { DemoSubgraphs } from '../helpers/demo-gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { assertBuilt, CLI, postGraphQL, ROOT, type RunningProcess, startNode } from './processes.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

// Two real `atrium serve` processes sharing one real redis-server: one cost budget across replicas.

/** 2 points, estimated and actual. */
const TWO_POINTS = '{ topProducts(first: 2) { upc } }';

describe('two gateway processes sharing one Redis', () => {
  let dir: TempDir;
  let redis: TestRedis;
  let subgraphs: DemoSubgraphs;
  const gateways: RunningProcess[] = [];

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('atrium-quota-e2e-');
    redis = await startRedis();
    subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
    const lines = ['federation_version: 2', 'subgraphs:'];
    for (const name of DEMO_SUBGRAPHS) {
      lines.push(`  ${name}:`, `    routing_url: ${subgraphs.urls[name]}`, '    schema:', `      file: ${join(ROOT, 'schema', `${name}.graphql`)}`);
    }
    await writeFile(join(dir.path, 'supergraph.yaml'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir.path, 'gateway.yaml'),
      [
        'log: { level: info }',
        'cost:',
        '  budget:',
        '    anonymous: { capacity: 40, restoreRate: 0.001 }',
        'quotaStore:',
        '  kind: redis',
        `  url: ${redis.url}`,
        '  timeout: 1s',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop('SIGTERM')));
    await subgraphs?.close();
    await redis?.close();
    await dir?.remove();
  });

  it('admit exactly the bucket capacity across both under concurrent load, no double spending', async () => {
    const urls: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const gateway = startNode(CLI, [
        'serve', '--supergraph-config', join(dir.path, 'supergraph.yaml'), '--config', join(dir.path, 'gateway.yaml'), '--port', '0', '--host', '127.0.0.1',
      ]);
      gateways.push(gateway);
      const [, url] = await gateway.waitFor(/"url":"([^"]+)"[^\n]*"msg":"gateway: ready"/, 30_000);
      urls.push(url!);
    }
    expect(urls).toHaveLength(2);
    // 60 requests of 2 points, alternating processes, all in flight together, against 40 points: 20 fit.
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => postGraphQL(urls[i % 2]!, TWO_POINTS)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    expect(results.filter((r) => r.status === 429)).toHaveLength(40);
    expect(results.filter((r) => r.status === 429).every((r) => r.body.errors[0].extensions.code === 'RATE_LIMITED')).toBe(true);
  }, 60_000);
});
