import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createServeCommand, type ServeDependencies } from '../../../gateway/cli/serve-command.js';
import { main } from '../../../gateway/cli/main.js';
import { findRepoRoot } from '../../../subgraphs/index.js';
import { capturedIo } from '../../helpers/captured-io.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

// `atrium serve` and `atrium openapi` with the real gateway code over the demo supergraph.yaml (composed
// from its schema files; no subgraph needs to run for startup to fail or for the document to print).
const root = findRepoRoot();
const supergraphConfig = join(root, 'supergraph.yaml');
let dir: TempDir;

beforeAll(async () => {
  dir = await tempDir('atrium-rest-cli-');
  return dir.remove;
});

async function gatewayYaml(name: string, routes: string): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, `log:\n  level: silent\nrest:\n  basePath: /api\n  routes:\n${routes}`);
  return path;
}

describe('a bad route stops startup', () => {
  it('atrium serve prints one line per problem naming the route, and exits 1', async () => {
    const config = await gatewayYaml(
      'bad.yaml',
      [
        '    - path: /v1/products/:upc',
        '      operation: "query P($upc: String!) { product(upc: $upc) { nme } }"',
        '    - path: /v1/users/:id',
        '      operation: "{ me { id } }"',
      ].join('\n'),
    );
    const signals = new EventEmitter();
    const serve = createServeCommand({ signals: signals as ServeDependencies['signals'], exit: () => {}, shouldSupervise: () => false });
    const io = capturedIo();
    const code = await serve.run(['--supergraph-config', supergraphConfig, '--config', config, '--port', '0', '--host', '127.0.0.1'], io);
    expect(code).toBe(1);
    expect(io.err().split('\n')).toEqual([
      'rest route GET /api/v1/products/:upc: the operation does not validate: Cannot query field "nme" on type "Product". Did you mean "name"?',
      'rest route GET /api/v1/users/:id: path parameter :id matches no variable of the operation',
      'atrium: could not start the gateway: invalid REST routes (2 problems)',
      '',
    ]);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('atrium openapi', () => {
  it('prints the demo routes\' document offline', async () => {
    const io = capturedIo();
    const code = await main(['openapi', '--config', join(root, 'gateway.yaml'), '--supergraph-config', supergraphConfig], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const document = JSON.parse(io.out());
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/v1/products/{upc}');
  });

  it('exits 1 naming the route that does not validate', async () => {
    const config = await gatewayYaml('bad-openapi.yaml', '    - path: /x\n      operation: "{ nothing }"\n');
    const io = capturedIo();
    expect(await main(['openapi', '--config', config, '--supergraph-config', supergraphConfig], io)).toBe(1);
    expect(io.err()).toContain('rest route GET /api/x: the operation does not validate: Cannot query field "nothing" on type "Query".');
    expect(io.err()).toContain('atrium: invalid REST routes (1 problem)');
  });

  it('exits 2 when gateway.yaml declares no routes', async () => {
    const config = join(dir.path, 'empty.yaml');
    await writeFile(config, 'log:\n  level: silent\n');
    const io = capturedIo();
    expect(await main(['openapi', '--config', config, '--supergraph-config', supergraphConfig], io)).toBe(2);
    expect(io.err()).toBe(`atrium: ${config} declares no REST routes (rest.routes)\n`);
  });
});
