import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeSubgraphs } from '../../../gateway/supergraph/compose.js';
import { DEMO_SUBGRAPHS, findRepoRoot, readSubgraphSdl } from '../../../subgraphs/index.js';
import { benchQuery, benchSupergraphSdl } from '../../fixtures/bench-workload.js';
import { runMain } from '../../helpers/captured-io.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ROOT = findRepoRoot();
const FIXTURES = join(ROOT, 'test', 'fixtures', 'operations');
/** Demo operations Hive's path cannot plan yet, with the reason docs/architecture.md lists for each. */
const KNOWN_FALLBACKS: Record<string, string> = {
  '05-requires-from-third-subgraph': 'hive-planner-error',
};

describe('atrium plan', () => {
  let demo: string;
  let bench: string;
  beforeAll(async () => {
    const dir = await tempDir('atrium-plan-');
    const composed = composeSubgraphs(DEMO_SUBGRAPHS.map((name) => ({ name, url: `http://${name}.invalid/graphql`, sdl: readSubgraphSdl(name), sourceName: name })));
    if ('errors' in composed) throw new Error('demo graph does not compose');
    demo = join(dir.path, 'demo.graphql');
    bench = join(dir.path, 'bench.graphql');
    await writeFile(demo, composed.supergraphSdl);
    await writeFile(bench, benchSupergraphSdl());
    return dir.remove;
  });

  it('prints the planner and the plan', async () => {
    const { code, out } = await runMain('plan', '--supergraph', demo, '--query', '{ topProducts(first: 1) { name quantity } }');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('planner: hive');
    expect(JSON.parse(out.slice(out.indexOf('\n') + 1)).kind).toBe('QueryPlan');
  });

  it('names the fallback and its reason', async () => {
    const { code, out } = await runMain('plan', '--supergraph', demo, '-q', join(FIXTURES, '05-requires-from-third-subgraph.graphql'));
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^planner: apollo \(fallback: hive-planner-error: .*Expected a single parent/);
  });

  it('refuses an operation the API schema does not validate', async () => {
    const { code, err } = await runMain('plan', '--supergraph', demo, '-q', '{ nope }');
    expect(code).toBe(1);
    expect(err).toMatch(/Cannot query field "nope"/);
  });

  it('needs --supergraph and --query', async () => {
    expect((await runMain('plan', '-q', '{ a }')).code).toBe(2);
    expect((await runMain('plan', '--supergraph', demo)).code).toBe(2);
  });

  it("plans every demo operation with Hive's planner but the known fallbacks", async () => {
    const operations = readdirSync(FIXTURES).filter((file) => file.endsWith('.graphql')).map((file) => file.slice(0, -'.graphql'.length));
    const rest = readdirSync(join(ROOT, 'schema', 'rest')).filter((file) => file.endsWith('.graphql'));
    const fallbacks: Record<string, string> = {};
    const planOne = async (supergraph: string, query: string, label: string, operationName?: string) => {
      const { code, out } = await runMain('plan', '--supergraph', supergraph, '-q', query, ...(operationName ? ['--operation-name', operationName] : []));
      expect(code, label).toBe(0);
      const reason = /^planner: apollo \(fallback: ([a-z-]+)/.exec(out)?.[1];
      if (reason) fallbacks[label] = reason;
    };
    for (const name of operations) {
      const metaPath = join(FIXTURES, `${name}.json`);
      const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as { operationName?: string }) : {};
      await planOne(demo, join(FIXTURES, `${name}.graphql`), name, meta.operationName);
    }
    for (const file of rest) await planOne(demo, join(ROOT, 'schema', 'rest', file), `rest/${file}`);
    await planOne(bench, benchQuery, 'bench');
    expect(operations.length + rest.length).toBeGreaterThan(40);
    expect(fallbacks).toEqual(KNOWN_FALLBACKS);
  });
});
