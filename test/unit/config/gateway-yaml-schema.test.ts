import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { gatewayConfigJsonSchemaText } from '../../../gateway/config/config-json-schema.js';
import { parseYaml } from '../../../gateway/config/parse-yaml.js';

// Issue 20, item 3: editor completion for gateway.yaml. schema/gateway.schema.json is the committed copy of the
// JSON Schema (npm run docs writes it); every gateway.yaml in the repository points at it on its first line, and
// the examples in docs/ are checked against it, as an editor with the YAML extension would check them.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const committedPath = 'schema/gateway.schema.json';
const schema = JSON.parse(read(committedPath)) as { properties: Record<string, unknown> };
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

/** Every gateway.yaml of the repository, with the `$schema` path its first line must name. */
const gatewayYamls: Record<string, string> = {
  'gateway.yaml': './schema/gateway.schema.json',
  'bench/gateway.yaml': '../schema/gateway.schema.json',
  'deploy/compose/gateway.yaml': '../../schema/gateway.schema.json',
  'deploy/kubernetes/base/gateway.yaml': '../../../schema/gateway.schema.json',
};

function parse(text: string, name: string): unknown {
  const { value, errors } = parseYaml(text, name);
  expect(errors).toEqual([]);
  return value;
}

/** The value at a JSON Pointer (ajv's `instancePath`). */
function at(value: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

/**
 * Schema errors, except those on a `${env.NAME}` string: the gateway expands placeholders before it validates,
 * the JSON Schema sees the text (where a number is expected, `${env.PORT:-4000}` is flagged by an editor and
 * accepted by the gateway; docs/configuration.md, "Editor completion").
 */
function schemaErrors(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? [])
    .filter((error: ErrorObject) => !/\$\{env\./.test(String(at(value, error.instancePath))))
    .map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
}

/** The ```yaml blocks of docs/*.md whose top-level keys are all gateway.yaml sections. */
function docsExamples(): { name: string; value: unknown }[] {
  const examples: { name: string; value: unknown }[] = [];
  for (const file of readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'))) {
    const blocks = [...read(`docs/${file}`).matchAll(/^```yaml\n([\s\S]*?)^```/gm)];
    blocks.forEach(([, text], index) => {
      const value = parse(text!, `docs/${file}`);
      const keys = Object.keys((value ?? {}) as object);
      if (keys.length > 0 && keys.every((key) => key in schema.properties)) {
        examples.push({ name: `docs/${file} yaml block ${index + 1}`, value });
      }
    });
  }
  return examples;
}

describe('schema/gateway.schema.json', () => {
  it('is what npm run docs (and the build, into dist/) writes from gateway/config/schema.ts', () => {
    if (read(committedPath) !== gatewayConfigJsonSchemaText()) expect.fail(`${committedPath} is out of date: run npm run docs`);
  });

  it('is named on the first line of every gateway.yaml in the repository', () => {
    for (const [path, schemaPath] of Object.entries(gatewayYamls)) {
      expect(read(path).split('\n')[0], path).toBe(`# yaml-language-server: $schema=${schemaPath}`);
      expect(readFileSync(join(root, path, '..', schemaPath), 'utf8'), path).toBe(read(committedPath));
    }
  });

  it.each(Object.keys(gatewayYamls))('validates %s', (path) => {
    expect(schemaErrors(parse(read(path), path))).toEqual([]);
  });

  it('validates every gateway.yaml example in docs/*.md', () => {
    const examples = docsExamples();
    // Not a vacuous pass: most of the docs' examples are gateway.yaml sections (not supergraph.yaml, CI YAML).
    expect(examples.length).toBeGreaterThanOrEqual(18);
    for (const { name, value } of examples) expect(schemaErrors(value), name).toEqual([]);
  });

  it('fails an unknown key, at the top level and inside a section', () => {
    expect(validate({ server: { port: 4000 }, srever: {} })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', params: { additionalProperty: 'srever' } });
    expect(validate({ server: { prot: 4000 } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/server', params: { additionalProperty: 'prot' } });
  });

  it('fails a wrong type and an unknown enum value; accepts durations and sizes as text', () => {
    expect(validate({ server: { port: 'four thousand' } })).toBe(false);
    expect(validate({ log: { level: 'loud' } })).toBe(false);
    expect(validate({ server: { shutdownGrace: '10s', bodyLimit: '2mb' } })).toBe(true);
  });

  it('flags ${env.NAME} where a number is expected (the gateway expands it first), which schemaErrors leaves out', () => {
    const value = { server: { port: '${env.PORT:-4000}' } };
    expect(validate(value)).toBe(false);
    expect(schemaErrors(value)).toEqual([]);
  });
});
