import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { findRepoRoot } from '../../../subgraphs/index.js';
import { type DemoGateway, startDemoGateway } from '../../helpers/demo-gateway.js';
import { codeBlocks } from '../../helpers/markdown-code-blocks.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

// Issue 20, item 7: the typed example plugin of docs/library-and-plugins.md is taken from the page itself,
// type-checked (as an ES module, .mts) against the package's types (its `atrium-gateway` import pointed at gateway/index.ts) and run
// in a gateway over the demo subgraphs, so the page and the plugin contract cannot drift apart.

const ROOT = findRepoRoot();
const PAGE = 'docs/library-and-plugins.md';

const example = codeBlocks(readFileSync(join(ROOT, PAGE), 'utf8')).filter((block) => block.heading === 'A typed example plugin' && block.language === 'ts');
const source = example[0]?.code.replace(/from 'atrium-gateway'/g, `from '${join(ROOT, 'gateway', 'index.js')}'`) ?? '';

let dir: TempDir;
let tenantPlugin: (options: { header: string; allowed: ReadonlySet<string> }) => AtriumPlugin;
let demo: DemoGateway;

beforeAll(async () => {
  expect(example, `one \`\`\`ts block under "## A typed example plugin" in ${PAGE}`).toHaveLength(1);
  expect(source).toContain(join(ROOT, 'gateway', 'index.js'));
  dir = await tempDir('atrium-plugin-example-');
  await writeFile(join(dir.path, 'tenant-plugin.mts'), source);
  ({ tenantPlugin } = await import(pathToFileURL(join(dir.path, 'tenant-plugin.mts')).href));
  demo = await startDemoGateway({ plugins: [tenantPlugin({ header: 'x-tenant', allowed: new Set(['acme']) })], withBuiltInPlugins: true });
});
afterAll(async () => {
  await demo?.close();
  await dir?.remove();
});

/** tsc's diagnostics for each file, with the repository's compiler options. */
function typeErrors(files: readonly string[]): Map<string, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  // No emit, so no rootDir: the examples live in a temporary directory outside the repository.
  const program = ts.createProgram(files, { ...options, noEmit: true, incremental: false, rootDir: undefined });
  const errors = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '';
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    (errors.get(file) ?? errors.set(file, []).get(file)!).push(message);
  }
  return errors;
}

describe(`the example plugin of ${PAGE}`, () => {
  it('type-checks against the plugin contract, and a copy that breaks the contract does not', async () => {
    const good = join(dir.path, 'tenant-plugin.mts');
    const broken = join(dir.path, 'broken-plugin.mts');
    // setExtension takes a string key: a wrong payload use must be a type error, or the check proves nothing.
    await writeFile(broken, source.replace("setExtension('tenant',", 'setExtension(42,'));
    const errors = typeErrors([good, broken]);
    expect(errors.get(good)).toEqual([]);
    expect(errors.get(broken)!.join('\n')).toMatch(/not assignable to parameter of type 'string'/);
    const elsewhere = [...errors].filter(([file, messages]) => file !== good && file !== broken && messages.length > 0);
    expect(elsewhere).toEqual([]);
  }, 120_000);

  it('refuses a request without a known tenant with 403 FORBIDDEN', async () => {
    for (const headers of [{}, { 'x-tenant': 'unknown' }] as Record<string, string>[]) {
      const { status, body } = await demo.post('{ topProducts(first: 1) { name } }', {}, headers);
      expect(status).toBe(403);
      expect(body.errors[0]).toMatchObject({ message: 'the x-tenant header must name a known tenant', extensions: { code: 'FORBIDDEN' } });
    }
  });

  it('sends the tenant to every subgraph and reports it in the extensions', async () => {
    const before = demo.subgraphs.inventory!.requests.length;
    const { status, body } = await demo.post('{ topProducts(first: 1) { name inStock } }', {}, { 'x-tenant': 'acme' });
    expect(status).toBe(200);
    expect(body.data.topProducts[0].name).toEqual(expect.any(String));
    expect(body.extensions.tenant).toBe('acme');
    const received = demo.subgraphs.inventory!.requests.slice(before);
    expect(received.length).toBeGreaterThan(0);
    for (const request of received) expect(request.headers['x-tenant-id']).toBe('acme');
  });
});
