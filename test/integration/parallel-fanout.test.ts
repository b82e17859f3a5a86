import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import { type RunningGateway, startGateway } from '../../gateway/start-gateway.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

// A query whose two root fields live in two subgraphs plans as Parallel { Fetch, Fetch }. Each subgraph
// holds its answer for DELAY_MS; if the second request arrives before either answer leaves, the gateway
// sent both at once. Ordering of events proves concurrency without asserting on elapsed time.
const DELAY_MS = 300;

type Event = `${'arrive' | 'respond'}:${string}`;

interface SlowSubgraph {
  name: string;
  url: string;
  sdl: string;
  server: Server;
}

async function startSlowSubgraph(name: string, events: Event[]): Promise<SlowSubgraph> {
  const sdl = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { ${name}: String! }
  `;
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: { Query: { [name]: () => `from ${name}` } } });
  const server = createServer((req, res) => {
    events.push(`arrive:${name}`);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const result = await execute({ schema, document: parse(body.query), variableValues: body.variables });
      await sleep(DELAY_MS);
      events.push(`respond:${name}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { name, url: `http://127.0.0.1:${port}/graphql`, sdl, server };
}

describe('parallel fan-out', () => {
  const events: Event[] = [];
  const subgraphs: SlowSubgraph[] = [];
  let dir: TempDir;
  let supergraphPath: string;

  beforeAll(async () => {
    subgraphs.push(await startSlowSubgraph('alpha', events), await startSlowSubgraph('beta', events));
    const composed = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    dir = await tempDir('atrium-fanout-');
    supergraphPath = join(dir.path, 'supergraph.graphql');
    await writeFile(supergraphPath, composed.supergraphSdl);
  });

  afterAll(async () => {
    await Promise.all(subgraphs.map((s) => new Promise((resolve) => s.server.close(resolve))));
    await dir?.remove();
  });

  for (const executor of ['atrium', 'apollo'] as const) {
    it(`${executor} executor sends both root fetches before either subgraph answers`, async () => {
      events.length = 0;
      let gateway: RunningGateway | undefined;
      try {
        gateway = await startGateway({
          config: parseConfig({ server: { port: 0, host: '127.0.0.1' }, engine: { executor } }, 'test gateway.yaml'),
          supergraph: { kind: 'file', path: supergraphPath },
          logger: createLogger({ level: 'silent' }),
        });
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ alpha beta }' }),
        });
        expect(await response.json()).toEqual({ data: { alpha: 'from alpha', beta: 'from beta' } });
      } finally {
        await gateway?.close();
      }
      expect(events.filter((e) => e.startsWith('arrive:')).sort()).toEqual(['arrive:alpha', 'arrive:beta']);
      const firstResponse = events.findIndex((e) => e.startsWith('respond:'));
      const lastArrival = events.findLastIndex((e) => e.startsWith('arrive:'));
      expect(lastArrival, `events: ${events.join(', ')}`).toBeLessThan(firstResponse);
    });
  }
});
