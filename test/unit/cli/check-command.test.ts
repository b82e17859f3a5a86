import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../gateway/cli/main.js';
import { GREETINGS, WEATHER_SDL } from '../../helpers/greetings-subgraph.js';
import { capturedIo } from '../../helpers/captured-io.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

// `atrium check` offline, as a CI job runs it: the other subgraphs come from supergraph.yaml.
describe('atrium check', () => {
  let dir: TempDir;
  let supergraph: string;
  beforeAll(async () => {
    dir = await tempDir('atrium-check-');
    await writeFile(join(dir.path, 'greetings.graphql'), GREETINGS.v2);
    await writeFile(join(dir.path, 'weather.graphql'), WEATHER_SDL);
    supergraph = join(dir.path, 'supergraph.yaml');
    await writeFile(
      supergraph,
      'subgraphs:\n' +
        '  greetings: { routing_url: "http://greetings/graphql", schema: { file: ./greetings.graphql } }\n' +
        '  weather: { routing_url: "http://weather/graphql", schema: { file: ./weather.graphql } }\n',
    );
    return dir.remove;
  });

  async function check(sdl: string, ...flags: string[]) {
    const file = join(dir.path, `candidate-${Math.random().toString(36).slice(2)}.graphql`);
    await writeFile(file, sdl);
    const io = capturedIo();
    const code = await main(['check', '--name', 'greetings', '--schema', file, '--supergraph-config', supergraph, ...flags], io);
    return { code, out: io.out(), err: io.err() };
  }

  it('exits 1 on breaking changes and prints them as a readable diff', async () => {
    const { code, out } = await check(GREETINGS.breaking);
    expect(code).toBe(1);
    expect(out).toMatch(/^greetings: API changes against the live schema \(2 breaking\):$/m);
    expect(out).toMatch(/^ {2}✗ field-removed\s+Query\.hello was removed\.$/m);
    expect(out).toMatch(/^ {2}✗ input-nullability-tightened\s+Query\.goodbye arg name has changed type from String to String!\.$/m);
    expect(out).toMatch(/greetings: refused — 2 breaking change\(s\) \(use --allow-breaking to accept them\)\n$/);
  });

  it('exits 0 with --allow-breaking, still listing the changes', async () => {
    const { code, out } = await check(GREETINGS.breaking, '--allow-breaking');
    expect(code).toBe(0);
    expect(out).toContain('✗ field-removed');
    expect(out).toMatch(/passes with 2 breaking change\(s\) allowed/);
  });

  it('exits 0 for a compatible change and shows what it adds', async () => {
    const { code, out } = await check(GREETINGS.v2.replace('type Query {', 'type Query {\n  welcome: String'));
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}\+ field-added\s+Query\.welcome was added\.$/m);
    expect(out).toMatch(/greetings: passes\n$/);
  });

  it('exits 1 when the schema does not compose, naming the subgraph, file and line:column', async () => {
    const { code, out } = await check(GREETINGS.invalid);
    expect(code).toBe(1);
    expect(out).toMatch(/greetings \(.*candidate-\w+\.graphql:5:12\)/);
    expect(out).toContain('composition failed');
  });

  it('refuses a schema that breaks a trusted document of gateway.yaml, even with --allow-breaking', async () => {
    await writeFile(join(dir.path, 'trusted.json'), JSON.stringify({ 'hello-1': '{ hello }', 'weather-1': '{ weather }' }));
    await writeFile(join(dir.path, 'gateway.yaml'), 'persistedDocuments:\n  manifest: ./trusted.json\n');
    const { code, out } = await check(GREETINGS.breaking, '--allow-breaking', '--config', join(dir.path, 'gateway.yaml'));
    expect(code).toBe(1);
    expect(out).toContain('trusted documents: document hello-1: Cannot query field "hello" on type "Query".');
    expect(out).not.toContain('weather-1');
    expect(out).toMatch(/refused — feature checks failed\n$/);
  });

  it('refuses a schema that breaks a REST route of gateway.yaml, naming the route', async () => {
    await writeFile(
      join(dir.path, 'gateway-rest.yaml'),
      'rest:\n  routes:\n' +
        '    - { method: GET, path: /hello, operation: "query Hello { hello }" }\n' +
        '    - { method: GET, path: /weather, operation: "query Weather { weather }" }\n',
    );
    const { code, out } = await check(GREETINGS.breaking, '--allow-breaking', '--config', join(dir.path, 'gateway-rest.yaml'));
    expect(code).toBe(1);
    expect(out).toMatch(/rest routes: rest route GET \/hello: .*Cannot query field "hello" on type "Query"/);
    expect(out).not.toContain('/weather');
    expect(out).toMatch(/refused — feature checks failed\n$/);
  });

  it("reads only the sections it uses: a serving secret that CI does not have is no error (issue 19, item 7)", async () => {
    await writeFile(join(dir.path, 'trusted-2.json'), JSON.stringify({ 'hello-1': '{ hello }' }));
    await writeFile(
      join(dir.path, 'gateway-secrets.yaml'),
      'admin:\n  token: ${env.ATRIUM_TEST_UNSET_ADMIN_TOKEN}\n' +
        'auth:\n  apiKeys:\n    keys:\n      ci: { hash: "${env.ATRIUM_TEST_UNSET_KEY_HASH}" }\n' +
        'persistedDocuments:\n  manifest: ${env.ATRIUM_TEST_UNSET_MANIFEST:-./trusted-2.json}\n',
    );
    const { code, out } = await check(GREETINGS.breaking, '--allow-breaking', '--config', join(dir.path, 'gateway-secrets.yaml'));
    // The trusted document was read (through the expanded fallback), the unset secrets were never asked for.
    expect(code).toBe(1);
    expect(out).toContain('trusted documents: document hello-1: Cannot query field "hello" on type "Query".');

    await writeFile(join(dir.path, 'gateway-unset.yaml'), 'persistedDocuments:\n  manifest: ${env.ATRIUM_TEST_UNSET_MANIFEST}\n');
    const unset = await check(GREETINGS.v2, '--config', join(dir.path, 'gateway-unset.yaml'));
    expect(unset.code).toBe(2);
    expect(unset.err).toContain('persistedDocuments.manifest: environment variable ATRIUM_TEST_UNSET_MANIFEST is not set');
  });

  it('exits 2 on bad arguments', async () => {
    const io = capturedIo();
    expect(await main(['check', '--schema', 'x.graphql'], io)).toBe(2);
    expect(io.err()).toContain('--name is required');
    expect(await main(['check', '--name', 'a', '--schema', join(dir.path, 'missing.graphql')], io)).toBe(2);
  });
});
