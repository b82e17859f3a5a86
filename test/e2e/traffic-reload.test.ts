import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBGRAPHS, startDemoSubgraphs } from '../../subgraphs/index.js';
import { type FaultSubgraph, startFaultSubgraph } from '../helpers/fault-subgraph.js';
import { assertBuilt, CLI, postGraphQL, ROOT, startNode } from './processes.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

// `atrium serve` as a real process (supervisor + worker): SIGHUP re-reads gateway.yaml and moves a canary
// weight without a restart; an invalid file keeps the running settings.

const PRODUCTS_ONLY = '{ topProducts(first: 1) { name } }';

describe('atrium serve: SIGHUP reloads the traffic settings of gateway.yaml', () => {
  let dir: TempDir;
  let demo: Awaited<ReturnType<typeof startDemoSubgraphs>>;
  let stable: FaultSubgraph;
  let canary: FaultSubgraph;
  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('atrium-e2e-traffic-');
    demo = await startDemoSubgraphs({ host: '127.0.0.1' });
    stable = await startFaultSubgraph('ok', { upstream: demo.urls.products });
    canary = await startFaultSubgraph('ok', { upstream: demo.urls.products });
    const lines = ['federation_version: 2', 'subgraphs:'];
    for (const name of DEMO_SUBGRAPHS) {
      lines.push(`  ${name}:`, `    routing_url: ${demo.urls[name]}`, '    schema:', `      file: ${join(ROOT, 'schema', `${name}.graphql`)}`);
    }
    await writeFile(join(dir.path, 'supergraph.yaml'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await stable.close();
    await canary.close();
    await demo.close();
    await dir.remove();
  });

  const gatewayYaml = (stableWeight: number, canaryWeight: number) =>
    [
      'traffic:',
      '  subgraphs:',
      '    products:',
      '      versions:',
      `        stable: { weight: ${stableWeight}, urls: [${stable.url}] }`,
      `        canary: { weight: ${canaryWeight}, urls: [${canary.url}] }`,
      '',
    ].join('\n');

  it('moves all traffic to the canary on SIGHUP, and keeps it there when the next file is invalid', async () => {
    const configPath = join(dir.path, 'gateway.yaml');
    await writeFile(configPath, gatewayYaml(1, 0));
    const gateway = startNode(CLI, [
      'serve', '--supergraph-config', join(dir.path, 'supergraph.yaml'), '--config', configPath, '--port', '0', '--host', '127.0.0.1',
    ]);
    try {
      const [, url] = await gateway.waitFor(/"url":"([^"]+)"[^\n]*"msg":"gateway: ready"/);
      const sendQueries = async (count: number) => {
        const before = [stable.requests, canary.requests];
        for (let i = 0; i < count; i++) expect((await postGraphQL(url!, PRODUCTS_ONLY)).body.errors).toBeUndefined();
        return [stable.requests - before[0]!, canary.requests - before[1]!];
      };
      expect(await sendQueries(4)).toEqual([4, 0]);

      await writeFile(configPath, gatewayYaml(0, 1));
      gateway.child.kill('SIGHUP');
      await gateway.waitFor(/gateway\.yaml reloaded, traffic settings applied/);
      expect(await sendQueries(4)).toEqual([0, 4]);

      await writeFile(configPath, 'traffic:\n  all:\n    timeout: whenever\n');
      gateway.child.kill('SIGHUP');
      await gateway.waitFor(/gateway\.yaml is invalid, keeping the running settings/);
      expect(gateway.output()).toContain('traffic.all.timeout: expected a duration');
      expect(await sendQueries(4)).toEqual([0, 4]);

      expect(await gateway.stop('SIGTERM')).toBe(0);
    } finally {
      await gateway.stop('SIGKILL');
    }
  });
});
