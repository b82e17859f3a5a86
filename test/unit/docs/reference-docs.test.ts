import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { parseYaml } from '../../../gateway/config/parse-yaml.js';
import { readConfigSchema } from '../../../gateway/docs/read-config-schema.js';
import { renderConfigReference } from '../../../gateway/docs/render-config-reference.js';
import { renderErrorReference } from '../../../gateway/docs/render-error-reference.js';
import { ERROR_CODES } from '../../../gateway/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const committed = (path: string) => readFileSync(join(root, path), 'utf8');

function expectUpToDate(path: string, rendered: string): void {
  // Not toEqual on the strings: a 200-line diff hides the one thing to do about it.
  if (committed(path) !== rendered) expect.fail(`${path} is out of date: run npm run docs`);
}

/** Key path → default cell of every table row in docs/config.md. */
function configDefaults(markdown: string): Map<string, string> {
  const rows = markdown.matchAll(/^\| `([^`]+)` \| ([^|]*) \|/gm);
  return new Map([...rows].map(([, path, defaultCell]) => [path!, defaultCell!.trim()]));
}

describe('docs/errors.md', () => {
  it('is what npm run docs writes from ERROR_CODES', () => {
    expectUpToDate('docs/errors.md', renderErrorReference());
  });

  it('lists every error code with its status', () => {
    const markdown = committed('docs/errors.md');
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(markdown).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});

describe('docs/config.md', () => {
  const schemaPath = join(root, 'gateway/config/schema.ts');

  it('is what npm run docs writes from the TSDoc in gateway/config/schema.ts', () => {
    expectUpToDate('docs/config.md', renderConfigReference(schemaPath));
  });

  it('shows known keys with their defaults, record entries under <name>, list entries under []', () => {
    const defaults = configDefaults(committed('docs/config.md'));
    expect(defaults.get('server.port')).toBe('`4000`');
    expect(defaults.get('traffic.all.timeout')).toBe('`"30s"`');
    expect(defaults.get('traffic.subgraphs.<name>.timeout')).toBe('`traffic.all.timeout`');
    expect(defaults.get('traffic.subgraphs.<name>.url')).toBe("the supergraph's routing URL");
    expect(defaults.get('engine.executor')).toBe('`"atrium"`');
    expect(defaults.get('rest.routes[].method')).toBe('`"GET"`');
  });

  it('has an example that is a valid gateway.yaml', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(committed('docs/config.md'))?.[1];
    expect(example).toBeDefined();
    const { value, errors } = parseYaml(example!, 'example');
    expect(errors).toEqual([]);
    const config = parseConfig(value, 'example', { env: { PRODUCTS_URL: 'http://products.internal/graphql' } });
    expect(config.traffic.subgraphs.products?.url).toBe('http://products.internal/graphql');
  });
});

describe('readConfigSchema', () => {
  it('fails on a field without TSDoc, naming its path', () => {
    const source = `import { z } from 'zod';
const limitsSchema = z.object({
  /**
   * Documented.
   * @default 1
   */
  documented: z.number().default(1),
  undocumented: z.number().default(2),
}).strict();
/** The root. */
export const rootSchema = z.object({
  /** Limits. */
  limits: limitsSchema.prefault({}),
}).strict();
`;
    expect(() => readConfigSchema(source, 'schema.ts')).toThrow(/^schema\.ts:8: limits\.undocumented has no TSDoc comment/);
  });

  it('fails on a leaf without @default', () => {
    const source = `import { z } from 'zod';
export const rootSchema = z.object({
  /** How many. */
  count: z.number().default(2),
}).strict();
`;
    expect(() => readConfigSchema(source, 'schema.ts')).toThrow(/count has no @default tag/);
  });

  it('fails on an object schema used in a shape it does not read', () => {
    const source = `import { z } from 'zod';
const itemSchema = z.object({}).strict();
export const rootSchema = z.object({
  /**
   * Items.
   * @default []
   */
  items: z.union([itemSchema, z.string()]),
}).strict();
`;
    expect(() => readConfigSchema(source, 'schema.ts')).toThrow(/items: itemSchema is used in a shape/);
  });

  it('reads a list of objects as a list field with the object\'s fields', () => {
    const source = `import { z } from 'zod';
const itemSchema = z.object({
  /**
   * Name.
   * @default none
   */
  name: z.string(),
}).strict();
export const rootSchema = z.object({
  /**
   * Items.
   * @default []
   */
  items: z.array(itemSchema).default([]),
}).strict();
`;
    const [items] = readConfigSchema(source, 'schema.ts');
    expect(items).toMatchObject({ key: 'items', kind: 'list', default: '[]', fields: [{ key: 'name', kind: 'value' }] });
  });
  it('reads base.extend({...}) as the base\'s fields followed by the extension\'s', () => {
    const source = `import { z } from 'zod';
const connectionSchema = z.object({
  /**
   * URL.
   * @default none
   */
  url: z.string().optional(),
}).strict();
const storeSchema = connectionSchema.extend({
  /**
   * Prefix.
   * @default "a:"
   */
  prefix: z.string().default('a:'),
});
export const rootSchema = z.object({
  /** The store. */
  store: storeSchema.superRefine(() => {}).optional(),
}).strict();
`;
    const [store] = readConfigSchema(source, 'schema.ts');
    expect(store).toMatchObject({ key: 'store', kind: 'object', fields: [{ key: 'url' }, { key: 'prefix', default: '"a:"' }] });
  });
  it('follows a schema variable imported from a relative module into that module\'s source', () => {
    const source = `import { z } from 'zod';
import { limitsSchema as limits } from '../plugins/limits/config.js';
export const rootSchema = z.object({
  /** Limits. */
  limits: limits.prefault({}),
}).strict();
`;
    const limitsConfig = `import { z } from 'zod';
import { integer } from '../../config/units.js';
export const limitsSchema = z.object({
  /**
   * Deepest nesting.
   * @default 100
   */
  maxDepth: integer(0, 1000).default(100),
}).strict();
`;
    const read: string[] = [];
    const readFile = (path: string) => {
      read.push(relative('/repo', path));
      return path.endsWith('limits/config.ts') ? limitsConfig : 'export function integer() {}';
    };
    const [limits] = readConfigSchema(source, '/repo/gateway/config/schema.ts', readFile);
    expect(limits).toMatchObject({ key: 'limits', kind: 'object', fields: [{ key: 'maxDepth', default: '100' }] });
    expect(read).toContain('gateway/plugins/limits/config.ts');
  });
});

describe('gateway/docs', () => {
  it('is imported by nothing else in gateway/: it pulls in typescript, a devDependency dist/ ships without', () => {
    const gateway = join(root, 'gateway');
    const importers = (readdirSync(gateway, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((path) => path.endsWith('.ts') && !path.startsWith('docs/'))
      .filter((path) => /(from |import\()'(\.\.?\/)+docs\//.test(readFileSync(join(gateway, path), 'utf8')));
    expect(importers.map((path) => relative(root, join(gateway, path)))).toEqual([]);
  });
});
