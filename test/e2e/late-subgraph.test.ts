import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSubgraph, serveDemoSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { assertBuilt, CLI, postGraphQL, startNode, waitForStatus } from './processes.js';
import { freePort } from '../helpers/free-port.js';

// Issue 19, item 5: subgraphs and the gateway often start together (docker compose, a Kubernetes rollout).
// A `subgraph_url` that does not answer yet must not stop `atrium serve`: it retries with backoff, answers
// /health 503 meanwhile, and serves once the subgraph is up.

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\n\ntype Query {\n  hello: String\n}\n';

let dir: string;
let subgraph: RunningSubgraph | undefined;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'atrium-late-'));
});

afterAll(async () => {
  await subgraph?.close();
  await rm(dir, { recursive: true, force: true });
});

async function supergraphYaml(subgraphPort: number): Promise<string> {
  const url = `http://127.0.0.1:${subgraphPort}/graphql`;
  const path = join(dir, `supergraph-${subgraphPort}.yaml`);
  await writeFile(path, ['federation_version: 2', 'subgraphs:', '  late:', `    routing_url: ${url}`, '    schema:', `      subgraph_url: ${url}`, ''].join('\n'));
  return path;
}

describe('atrium serve with a subgraph_url that is not up yet', () => {
  it('waits with /health 503, retrying, and serves once the subgraph starts', async () => {
    const subgraphPort = await freePort();
    const port = await freePort();
    const gateway = startNode(CLI, ['serve', '--supergraph-config', await supergraphYaml(subgraphPort), '--port', String(port), '--host', '127.0.0.1']);
    try {
      // Generous: on two busy cores the process alone can take seconds to load.
      await gateway.waitFor(/"attempt":2[^\n]*not loaded yet \(a subgraph did not answer introspection, or the registry is empty\), retrying/, 45_000);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(503);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(503);
      // Why it is not ready is in the log (waited for above), not on the client port.
      expect(await ready.json()).toEqual({ status: 'fail', subgraphs: {} });

      const schema = buildSubgraphSchema({ typeDefs: parse(SDL), resolvers: { Query: { hello: () => 'late but here' } } as any });
      subgraph = await serveDemoSubgraph({ name: 'late', sdl: SDL, schema, createContext: () => ({}), reset() {} }, { port: subgraphPort });
      await waitForStatus(`http://127.0.0.1:${port}/health`, 200, 30_000);
      const result = await postGraphQL(`http://127.0.0.1:${port}/graphql`, '{ hello }');
      expect(result.body).toEqual({ data: { hello: 'late but here' } });
    } finally {
      expect(await gateway.stop('SIGTERM'), gateway.output()).toBe(0);
    }
  }, 120_000);

  it('stops at once, exiting 0, on SIGTERM while it waits', async () => {
    const gateway = startNode(CLI, ['serve', '--supergraph-config', await supergraphYaml(await freePort()), '--port', '0', '--host', '127.0.0.1']);
    await gateway.waitFor(/not loaded yet \(a subgraph did not answer introspection, or the registry is empty\), retrying/, 45_000);
    // Exit 0 rather than the SIGKILL stop() sends after 10 s: the signal ended the wait for the subgraph.
    expect(await gateway.stop('SIGTERM', 10_000), gateway.output()).toBe(0);
    expect(gateway.output()).toMatch(/stopped before the supergraph was loaded/);
  }, 60_000);

  it('still exits 1 at once on a problem waiting would not fix (a missing schema file)', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'federation_version: 2\nsubgraphs:\n  a:\n    routing_url: http://127.0.0.1:1/graphql\n    schema:\n      file: ./missing.graphql\n');
    const gateway = startNode(CLI, ['serve', '--supergraph-config', broken, '--port', '0', '--host', '127.0.0.1']);
    expect(await gateway.exited()).toBe(1);
  }, 60_000);
});
