import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { FAREWELLS_SDL, GREETINGS, startGreetingsSubgraph, WEATHER_SDL } from '../helpers/greetings-subgraph.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { assertBuilt, CLI, postGraphQL, type RunningProcess, startNode } from './processes.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

// A fleet: two `atrium serve` processes sharing one real Redis registry. Schemas are published with the
// real `atrium publish` / `atrium subgraphs` commands to one of them; both must serve every accepted
// version, and requests running across the swap must all succeed.

const TOKEN = 'fleet-admin-token-0123456789';
let dir: TempDir;
let redis: TestRedis;
let greetings: RunningSubgraph;
let gatewayYaml: string;
let supergraphYaml: string;

interface FleetGateway {
  readonly process: RunningProcess;
  readonly url: string;
  readonly adminUrl: string;
}

async function startFleetGateway(): Promise<FleetGateway> {
  const child = startNode(CLI, ['serve', '--supergraph-config', supergraphYaml, '--config', gatewayYaml, '--port', '0', '--host', '127.0.0.1']);
  try {
    const [, adminUrl] = await child.waitFor(/"url":"(http:\/\/[^"]+)","msg":"admin: listening"/, 30_000);
    const [, url] = await child.waitFor(/"url":"(http:\/\/[^"]+\/graphql)".*"msg":"gateway: ready"/, 30_000);
    return { process: child, url: url!, adminUrl: adminUrl! };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** Polls until `query` answers `expected` data on `url` (a replica picks a publish up asynchronously). */
async function eventually(url: string, query: string, expected: unknown, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = (await postGraphQL(url, query)).body;
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer ${JSON.stringify(expected)} within ${withinMs} ms; last answer ${JSON.stringify(last)}`);
}

async function cli(args: string[]): Promise<{ code: number | string; output: string }> {
  const child = startNode(CLI, args);
  const code = await child.exited();
  return { code, output: child.output() };
}

const schemaFile = async (name: string, sdl: string) => {
  const path = join(dir.path, `${name}.graphql`);
  await writeFile(path, sdl);
  return path;
};

const adminPost = async (adminUrl: string, path: string, body: unknown) => {
  const response = await fetch(`${adminUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  assertBuilt();
  dir = await tempDir('atrium-fleet-');
  redis = await startRedis();
  greetings = await startGreetingsSubgraph();
  // The base graph of supergraph.yaml: one subgraph, served by the same test server.
  await writeFile(join(dir.path, 'weather.graphql'), WEATHER_SDL);
  supergraphYaml = join(dir.path, 'supergraph.yaml');
  await writeFile(supergraphYaml, `subgraphs:\n  weather:\n    routing_url: ${greetings.url}\n    schema:\n      file: ./weather.graphql\n`);
  gatewayYaml = join(dir.path, 'gateway.yaml');
  await writeFile(
    gatewayYaml,
    [
      'log:', '  level: info',
      'admin:', '  host: 127.0.0.1', '  port: 0', `  token: ${TOKEN}`,
      'registry:', `  redis: { url: "${redis.url}" }`, '  pollInterval: 1s',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await greetings?.close();
  await redis?.close();
  await dir.remove();
});

describe('publishing to a fleet sharing one Redis registry', () => {
  it('publish → live on both gateways; breaking refused with its list; concurrent publishes serialize; rollback; restart', async () => {
    const a = await startFleetGateway();
    let b = await startFleetGateway();
    try {
      // atrium publish (the real command) to gateway A; both serve it.
      const published = await cli(['publish', '--name', 'greetings', '--schema', await schemaFile('v1', GREETINGS.v1), '--url', greetings.url, '--admin-url', a.adminUrl, '--token', TOKEN]);
      expect(published.output).toContain('greetings: published as version 1, served by this gateway');
      expect(published.code).toBe(0);
      expect((await postGraphQL(a.url, '{ hello weather }')).body).toEqual({ data: { hello: 'hello', weather: 'sunny' } });
      await eventually(b.url, '{ hello }', { data: { hello: 'hello' } });

      // A breaking publish is refused with its list and changes nothing.
      const refused = await cli(['publish', '--name', 'greetings', '--schema', await schemaFile('breaking', GREETINGS.breaking), '--url', greetings.url, '--admin-url', b.adminUrl, '--token', TOKEN]);
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/✗ field-removed\s+Query\.hello was removed\./);
      expect(refused.output).toContain('greetings: refused');

      // Two teams publish at once, one to each gateway; together their schemas conflict. One wins.
      const [g, f] = await Promise.all([
        adminPost(a.adminUrl, '/subgraphs/greetings/versions', { sdl: GREETINGS.v2, url: greetings.url, sourceName: 'greetings.graphql' }),
        adminPost(b.adminUrl, '/subgraphs/farewells/versions', { sdl: FAREWELLS_SDL, url: greetings.url, sourceName: 'farewells.graphql' }),
      ]);
      expect([g.status, f.status].sort()).toEqual([201, 422]);
      const winner = g.status === 201 ? 'greetings' : 'farewells';
      const loser = g.status === 201 ? f : g;
      expect(JSON.stringify(loser.body.report.compositionErrors)).toContain('goodbye');

      // A publish under load: every request across the swap on B succeeds.
      const load = (async () => {
        const failures: unknown[] = [];
        for (let round = 0; round < 80; round++) {
          const answers = await Promise.all(Array.from({ length: 6 }, () => postGraphQL(b.url, '{ hello weather }')));
          for (const answer of answers) if (answer.status !== 200 || answer.body.errors) failures.push(answer);
        }
        return failures;
      })();
      const [rollback] = await Promise.all([
        cli(['subgraphs', 'rollback', 'greetings', '1', '--allow-breaking', '--admin-url', a.adminUrl, '--token', TOKEN]),
        load,
      ]);
      expect(await load).toEqual([]);
      expect(rollback.code).toBe(0);
      expect(rollback.output).toMatch(/greetings: published as version \d+, served by this gateway/);
      // Rolled back to v1: when greetings v2 had won, Query.goodbye is gone again.
      if (winner === 'greetings') expect((await postGraphQL(a.url, '{ goodbye }')).status).toBe(400);

      const history = await cli(['subgraphs', 'history', 'greetings', '--admin-url', b.adminUrl, '--token', TOKEN]);
      expect(history.output).toMatch(/^v1 /m);
      const list = await cli(['subgraphs', '--admin-url', b.adminUrl, '--token', TOKEN]);
      expect(list.output).toMatch(/^weather\s+supergraph\.yaml/m);
      expect(list.output).toMatch(/^greetings\s+v\d/m);

      // A replica restarted after the publishes serves the published versions from Redis.
      expect(await b.process.stop('SIGTERM')).toBe(0);
      b = await startFleetGateway();
      expect((await postGraphQL(b.url, '{ hello weather }')).body).toEqual({ data: { hello: 'hello', weather: 'sunny' } });
    } finally {
      await Promise.all([a.process.stop(), b.process.stop()]);
    }
  }, 180_000);
});
