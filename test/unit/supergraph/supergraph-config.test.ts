import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSupergraphConfig, readSupergraphConfig } from '../../../gateway/supergraph/supergraph-config.js';
import { SupergraphLoadError } from '../../../gateway/supergraph/supergraph-load-error.js';

function problemsOf(text: string, path = 'supergraph.yaml'): readonly string[] {
  try {
    parseSupergraphConfig(text, path);
  } catch (error) {
    expect(error).toBeInstanceOf(SupergraphLoadError);
    return (error as SupergraphLoadError).problems;
  }
  throw new Error('expected a SupergraphLoadError');
}

describe('parseSupergraphConfig', () => {
  it('reads rover\'s format, resolving schema files against the YAML\'s directory', () => {
    const config = parseSupergraphConfig(
      [
        'federation_version: =2.9.0',
        'subgraphs:',
        '  products:',
        '    routing_url: http://localhost:4002/graphql',
        '    schema:',
        '      file: ./products.graphql',
        '  inventory:',
        '    routing_url: http://inventory:4003/graphql',
        '    schema:',
        '      subgraph_url: http://localhost:4003/graphql',
        '  accounts:',
        '    routing_url: http://localhost:4001/graphql',
        '    schema: { file: /abs/accounts.graphql }',
      ].join('\n'),
      join('deploy', 'schema', 'supergraph.yaml'),
    );
    expect(config).toEqual({
      federationVersion: '=2.9.0',
      subgraphs: [
        { name: 'products', routingUrl: 'http://localhost:4002/graphql', schema: { kind: 'file', path: join('deploy', 'schema', 'products.graphql') } },
        { name: 'inventory', routingUrl: 'http://inventory:4003/graphql', schema: { kind: 'introspect', url: 'http://localhost:4003/graphql' } },
        { name: 'accounts', routingUrl: 'http://localhost:4001/graphql', schema: { kind: 'file', path: '/abs/accounts.graphql' } },
      ],
    });
  });

  it('routes an introspected subgraph without routing_url to its subgraph_url, and takes a numeric version', () => {
    const config = parseSupergraphConfig('federation_version: 2\nsubgraphs:\n  a:\n    schema: { subgraph_url: "http://a:1/graphql" }\n', 'x.yaml');
    expect(config).toEqual({
      federationVersion: '2',
      subgraphs: [{ name: 'a', routingUrl: 'http://a:1/graphql', schema: { kind: 'introspect', url: 'http://a:1/graphql' } }],
    });
  });

  it('rejects unknown keys with their path', () => {
    expect(problemsOf('subgraphs:\n  a:\n    routing_url: http://a/graphql\n    schema: { file: a.graphql, graphref: g@v }\n    extra: 1\n')).toEqual([
      'supergraph.yaml: subgraphs.a.schema.graphref: unknown key',
      'supergraph.yaml: subgraphs.a.extra: unknown key',
    ]);
    expect(problemsOf('subgraph:\n  a: {}\n')).toEqual(['supergraph.yaml: subgraphs: required', 'supergraph.yaml: subgraph: unknown key']);
  });

  it('requires exactly one schema source, and a routing_url for files', () => {
    expect(
      problemsOf(
        [
          'subgraphs:',
          '  both:',
          '    routing_url: http://a/graphql',
          '    schema: { file: a.graphql, subgraph_url: "http://a/graphql" }',
          '  neither:',
          '    routing_url: http://a/graphql',
          '    schema: {}',
          '  unrouted:',
          '    schema: { file: a.graphql }',
          '  bad_url:',
          '    routing_url: localhost:4000',
          '    schema: { file: a.graphql }',
        ].join('\n'),
      ),
    ).toEqual([
      'supergraph.yaml: subgraphs.both.schema: expected exactly one of file or subgraph_url',
      'supergraph.yaml: subgraphs.neither.schema: expected exactly one of file or subgraph_url',
      'supergraph.yaml: subgraphs.unrouted.routing_url: required when the schema comes from a file',
      'supergraph.yaml: subgraphs.bad_url.routing_url: expected an http:// or https:// URL',
    ]);
  });

  it('rejects an empty subgraph list and YAML syntax errors with their position', () => {
    expect(problemsOf('subgraphs: {}\n')).toEqual(['supergraph.yaml: subgraphs: expected at least one subgraph']);
    expect(problemsOf('subgraphs:\n  a: [\n')[0]).toMatch(/^supergraph\.yaml:\d+:\d+: /);
  });
});

describe('supergraph.yaml: environment and introspection headers', () => {
  const yaml = (schema: string) => ['subgraphs:', '  inventory:', '    routing_url: ${env.INVENTORY_URL:-http://localhost:4003/graphql}', '    schema:', ...schema.split('\n').map((line) => `      ${line}`)].join('\n');

  it('expands ${env.NAME} from the environment given, with :- fallbacks, in values only', () => {
    const config = parseSupergraphConfig(yaml('subgraph_url: ${env.INTROSPECT_URL}\nintrospection_headers:\n  authorization: Bearer ${env.TOKEN}'), 'supergraph.yaml', {
      INTROSPECT_URL: 'http://inventory:4003/graphql',
      TOKEN: 'abc',
    });
    expect(config.subgraphs[0]).toEqual({
      name: 'inventory',
      routingUrl: 'http://localhost:4003/graphql',
      schema: { kind: 'introspect', url: 'http://inventory:4003/graphql', headers: { authorization: 'Bearer abc' } },
    });
  });

  it('names every unset variable and where it is used', () => {
    expect(() => parseSupergraphConfig(yaml('subgraph_url: ${env.INTROSPECT_URL}'), 'supergraph.yaml', {})).toThrow(
      'supergraph.yaml: subgraphs.inventory.schema.subgraph_url: environment variable INTROSPECT_URL is not set (used as ${env.INTROSPECT_URL})',
    );
  });

  it('refuses introspection_headers without subgraph_url, and values that are not strings', () => {
    expect(problemsOf(yaml('file: inventory.graphql\nintrospection_headers: { a: b }'))).toEqual([
      'supergraph.yaml: subgraphs.inventory.schema.introspection_headers: only valid with subgraph_url',
    ]);
    expect(problemsOf(yaml('subgraph_url: http://x.test/graphql\nintrospection_headers: { a: [1] }'))).toEqual([
      'supergraph.yaml: subgraphs.inventory.schema.introspection_headers.a: expected a header value',
    ]);
  });
});

describe('readSupergraphConfig', () => {
  it('names a missing file', async () => {
    await expect(readSupergraphConfig('does/not/exist.yaml')).rejects.toThrow('supergraph config not found: does/not/exist.yaml');
  });
});
