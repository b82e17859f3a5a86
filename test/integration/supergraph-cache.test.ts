import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import { type RunningGateway, startGateway } from '../../gateway/start-gateway.js';
import type { RunningSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { postGraphQL } from '../helpers/demo-gateway.js';
import { startGreetingsSubgraph } from '../helpers/greetings-subgraph.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 19, item 4: `reload.cacheDir`. A gateway keeps a copy of the supergraph it serves; restarted while
 * its introspected subgraph is down, it serves the copy at once (instead of waiting with 503), says so in
 * its status, and swaps to the live sources when they answer again.
 */
describe('reload.cacheDir', () => {
  let dir: TempDir;
  let subgraph: RunningSubgraph | undefined;
  const gateways: RunningGateway[] = [];

  beforeEach(async () => {
    dir = await tempDir('atrium-cache-');
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await subgraph?.close();
    subgraph = undefined;
    await dir.remove();
  });

  const start = async () => {
    const gateway = await startGateway({
      config: parseConfig(
        { server: { port: 0, host: '127.0.0.1' }, reload: { watch: false, pollInterval: 0, cacheDir: './cache' } },
        'test gateway.yaml',
      ),
      supergraph: { kind: 'config', path: join(dir.path, 'supergraph.yaml') },
      logger: createLogger({ level: 'silent' }),
      configDir: dir.path,
    });
    gateways.push(gateway);
    return gateway;
  };

  it('serves the cached supergraph when the sources do not answer at startup, then swaps to them', async () => {
    subgraph = await startGreetingsSubgraph();
    const port = Number(new URL(subgraph.url).port);
    await writeFile(
      join(dir.path, 'supergraph.yaml'),
      `subgraphs:\n  greetings:\n    routing_url: ${subgraph.url}\n    schema:\n      subgraph_url: ${subgraph.url}\n`,
    );
    const first = await start();
    expect(first.supergraph.status().source).toBe('live');
    await vi.waitFor(() => expect(existsSync(join(dir.path, 'cache', 'supergraph.graphql'))).toBe(true));
    await first.close();
    gateways.splice(0);

    // The subgraph is down: without the cache this start would wait (503) until it answers.
    await subgraph.close();
    subgraph = undefined;
    const restarted = await start();
    expect(restarted.supergraph.status().source).toBe('cache');
    const down = await postGraphQL(restarted.url, { query: '{ hello }' });
    expect(down.body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');

    subgraph = await startGreetingsSubgraph('greetings', { port });
    await vi.waitFor(() => expect(restarted.supergraph.status().source).toBe('live'), { timeout: 20_000, interval: 100 });
    expect((await postGraphQL(restarted.url, { query: '{ hello }' })).body).toEqual({ data: { hello: 'hello' } });
  });

  it('still refuses to start on a problem waiting cannot fix, even with a cached copy', async () => {
    // A copy that would not even build: were it used, the error would be another one.
    await mkdir(join(dir.path, 'cache'));
    await writeFile(join(dir.path, 'cache', 'supergraph.graphql'), 'not a supergraph');
    await writeFile(join(dir.path, 'supergraph.yaml'), 'subgraphs:\n  broken:\n    routing_url: http://127.0.0.1:1/graphql\n    schema:\n      file: ./missing.graphql\n');
    await expect(start()).rejects.toThrow(/missing\.graphql/);
  });
});
