import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../gateway/config/load-config.js';

function issuesOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the defaults without a path', () => {
    expect(loadConfig()).toEqual({
      server: {
        host: '0.0.0.0',
        port: 4000,
        graphqlPath: '/graphql',
        bodyLimit: 1024 * 1024,
        maxHeaderSize: 16 * 1024,
        headersTimeout: 10_000,
        receiveTimeout: 30_000,
        shutdownGrace: 10_000,
        // On outside NODE_ENV=production (vitest runs with NODE_ENV=test).
        ide: { enabled: true, defaultQuery: expect.stringContaining('{\n  __typename\n}') },
      },
      graphql: { introspection: true, csrfPrevention: true },
      subscriptions: {
        enabled: true,
        maxPerConnection: 100,
        maxPerClient: 1000,
        maxConnectionsPerAddress: 1000,
        maxEventBytes: 1024 * 1024,
        maxBufferedBytes: 4 * 1024 * 1024,
        keepAlive: 12_000,
        multipartHeartbeat: 5_000,
        connectionInitTimeout: 3_000,
        idleTimeout: 60_000,
        closeOnTokenExpiry: true,
        upstreamReconnect: { attempts: 0, delay: 1_000 },
      },
      traffic: { requestTimeout: 0, all: { timeout: 30_000, dedupe: true, maxResponseSize: 16 * 1024 * 1024, dedupeSubscriptions: true }, subgraphs: {} },
      engine: { executor: 'atrium', planner: 'auto', planCacheSize: 1000, planCacheMaxBytes: 64 * 1024 * 1024, fallbackMaxSelections: 100, maxConcurrentOperations: 0, dedupe: { enabled: false } },
      log: {
        level: 'info',
        format: 'auto',
        accessLog: { enabled: false, headers: [], variables: false },
        redact: [
          'authorization',
          'proxy-authorization',
          'cookie',
          'set-cookie',
          'x-api-key',
          'apiKey',
          'api_key',
          'password',
          'secret',
          'token',
          'accessToken',
          'refreshToken',
        ],
      },
      metrics: { enabled: false, path: '/metrics', maxOperationNames: 100 },
      tracing: {
        enabled: false,
        endpoint: 'http://localhost:4318/v1/traces',
        headers: {},
        sampleRatio: 1,
        serviceName: 'atrium',
        exportDelay: 5000,
      },
      auth: expect.objectContaining({ required: false, apiKeys: { header: 'x-api-key', keys: {} } }),
      clients: { idClaim: 'client_id', tierClaim: 'plan', trustedProxies: [] },
      quotaStore: { kind: 'memory', url: 'redis://127.0.0.1:6379', keyPrefix: 'atrium:quota:', onStoreError: 'allow', timeout: 250 },
      limits: { mode: 'enforce', maxDepth: 100, maxAliases: 100, maxRootFields: 50, maxTokens: 15_000, maxDirectives: 50, maxSelections: 300, maxNameLength: 256, maxBatchSize: 0 },
      persistedDocuments: { onlyTrusted: false, apq: { enabled: true, store: 'memory', ttl: 86_400_000, maxBytes: 16 * 1024 * 1024 } },
      responseCache: { enabled: false, defaultTtl: 0, ttl: {}, store: 'memory', maxBytes: 64 * 1024 * 1024, purgePath: '/admin/cache/purge' },
      cors: {
        origins: [],
        credentials: false,
        allowHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'],
        exposeHeaders: ['x-request-id', 'x-cache', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit', 'ratelimit-policy', 'retry-after', 'etag', 'x-graphql-errors'],
        maxAge: 600_000,
      },
      security: { headers: {} },
      subgraphErrors: { all: {}, subgraphs: {} },
      authorization: { mode: 'filter', policies: {} },
      reload: { watch: true, pollInterval: 10_000, debounce: 200, warmPlans: 100 },
      rest: { basePath: '', openapiPath: '/openapi.json', docsPath: '/docs', title: 'Atrium REST API', version: '1.0.0', routes: [] },
    });
  });

  it('reads a YAML file, keeps defaults for what it leaves out and normalises units', async () => {
    const path = join(dir, 'gateway.yaml');
    await writeFile(
      path,
      ['server:', '  port: 8080', '  bodyLimit: 512kb', 'traffic:', '  all:', '    timeout: 2m', '  subgraphs:', '    products:', '      timeout: 500ms'].join('\n'),
    );
    const config = loadConfig(path);
    expect(config.server).toMatchObject({ port: 8080, host: '0.0.0.0', bodyLimit: 512 * 1024 });
    expect(config.traffic.all.timeout).toBe(120_000);
    expect(config.traffic.subgraphs.products).toEqual({ timeout: 500 });
  });

  it('treats an empty file as all defaults', async () => {
    const path = join(dir, 'gateway.yaml');
    await writeFile(path, '# nothing set\n');
    expect(loadConfig(path).server.port).toBe(4000);
  });

  it('names the file and the line of a YAML syntax error', async () => {
    const path = join(dir, 'gateway.yaml');
    await writeFile(path, 'server:\n  port: [4000\n');
    const [issue] = issuesOf(() => loadConfig(path));
    expect(issue).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  });

  it('reports a missing file', () => {
    expect(issuesOf(() => loadConfig(join(dir, 'nope.yaml')))).toEqual([`${join(dir, 'nope.yaml')}: file not found`]);
  });

  it('rejects a file whose top level is not a mapping', async () => {
    const path = join(dir, 'gateway.yaml');
    await writeFile(path, '- a\n- b\n');
    expect(issuesOf(() => loadConfig(path))).toEqual([`${path}: expected a mapping of settings at the top level`]);
  });
});

describe('parseConfig', () => {
  it('rejects an unknown key, naming its path', () => {
    expect(issuesOf(() => parseConfig({ server: { prot: 4000 } }, 'gateway.yaml'))).toEqual([
      'gateway.yaml: server.prot: unknown key',
    ]);
    expect(issuesOf(() => parseConfig({ traffic: { subgraphs: { products: { timout: '1s' } } } }, 'gateway.yaml'))).toEqual([
      'gateway.yaml: traffic.subgraphs.products.timout: unknown key',
    ]);
  });

  it('rejects a headers timeout longer than the receive timeout (node:http would throw)', () => {
    expect(issuesOf(() => parseConfig({ server: { headersTimeout: '40s' } }, 'gateway.yaml'))).toEqual([
      'gateway.yaml: server.headersTimeout: must not be longer than receiveTimeout (30000 ms)',
    ]);
    expect(parseConfig({ server: { headersTimeout: '1s', receiveTimeout: '2s' } }, 'g').server).toMatchObject({ headersTimeout: 1000, receiveTimeout: 2000 });
  });

  it('rejects a url under traffic.all: overrides are per subgraph only', () => {
    expect(issuesOf(() => parseConfig({ traffic: { all: { url: 'http://x' } } }, 'gateway.yaml'))).toEqual([
      'gateway.yaml: traffic.all.url: unknown key',
    ]);
  });

  it('rejects a bad duration with a hint of the accepted forms', () => {
    for (const timeout of ['fast', '30 seconds', -1, true]) {
      expect(issuesOf(() => parseConfig({ traffic: { all: { timeout } } }, 'gateway.yaml'))).toEqual([
        'gateway.yaml: traffic.all.timeout: expected a duration such as "30s" or a number of milliseconds',
      ]);
    }
  });

  it('accepts durations as numbers of milliseconds and as unit strings', () => {
    const durations = { 250: 250, '750ms': 750, '30s': 30_000, '2m': 120_000, '1m30s': 90_000, '1h': 3_600_000, '1.5s': 1500 };
    for (const [input, ms] of Object.entries(durations)) {
      const value = /^\d+$/.test(input) ? Number(input) : input;
      expect(parseConfig({ server: { shutdownGrace: value } }, 't').server.shutdownGrace).toBe(ms);
    }
  });

  it('rejects a bad size and a bad port', () => {
    expect(issuesOf(() => parseConfig({ server: { bodyLimit: 'huge', port: 70_000 } }, 'g.yaml'))).toEqual([
      'g.yaml: server.port: expected an integer from 0 to 65535',
      'g.yaml: server.bodyLimit: expected a size such as "1mb" or a number of bytes',
    ]);
  });

  it('reports every problem at once, including enum values and non-mappings', () => {
    const issues = issuesOf(() =>
      parseConfig({ log: { level: 'loud' }, engine: { executor: 'fast' }, traffic: { subgraphs: { products: 3 } } }, 'g.yaml'),
    );
    expect(issues).toEqual([
      'g.yaml: traffic.subgraphs.products: expected a mapping of settings',
      'g.yaml: engine.executor: expected one of atrium, apollo',
      'g.yaml: log.level: expected one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('accepts the hive planner with the atrium executor only', () => {
    expect(parseConfig({ engine: { planner: 'hive' } }, 'g.yaml').engine.planner).toBe('hive');
    // auto picks the planner the executor can run, so it goes with either.
    expect(parseConfig({ engine: { executor: 'apollo' } }, 'g.yaml').engine.planner).toBe('auto');
    expect(issuesOf(() => parseConfig({ engine: { planner: 'hive', executor: 'apollo' } }, 'g.yaml'))).toEqual([
      'g.yaml: engine.planner: planner "hive" needs executor "atrium" (the apollo executor does not run batched entity fetches)',
    ]);
    expect(issuesOf(() => parseConfig({ engine: { planner: 'rust' } }, 'g.yaml'))).toEqual([
      'g.yaml: engine.planner: expected one of auto, apollo, hive',
    ]);
  });

  it('rejects a subgraph url that is not http(s)', () => {
    expect(issuesOf(() => parseConfig({ traffic: { subgraphs: { products: { url: 'ftp://x' } } } }, 'g.yaml'))).toEqual([
      'g.yaml: traffic.subgraphs.products.url: expected an http:// or https:// URL',
    ]);
  });

  it('expands ${env.NAME} in string values and accepts the string spelling of numbers and booleans', () => {
    const config = parseConfig(
      {
        server: { port: '${env.PORT}', host: '${env.HOST:-127.0.0.1}' },
        graphql: { introspection: '${env.INTROSPECTION}' },
        traffic: { subgraphs: { products: { url: 'http://${env.PRODUCTS_HOST}:4002/graphql' } } },
      },
      'g.yaml',
      { env: { PORT: '8080', INTROSPECTION: 'false', PRODUCTS_HOST: 'products.internal' } },
    );
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.graphql.introspection).toBe(false);
    expect(config.traffic.subgraphs.products?.url).toBe('http://products.internal:4002/graphql');
  });

  it('uses the default of ${env.NAME:-default} when the variable is empty, and the value when set', () => {
    const hostOf = (env: Record<string, string>) => parseConfig({ server: { host: '${env.HOST:-::}' } }, 'g', { env }).server.host;
    expect(hostOf({ HOST: '' })).toBe('::');
    expect(hostOf({ HOST: '10.0.0.1' })).toBe('10.0.0.1');
  });

  it('names a missing variable and where it was used', () => {
    expect(
      issuesOf(() => parseConfig({ traffic: { subgraphs: { products: { url: '${env.PRODUCTS_URL}' } } } }, 'gateway.yaml', { env: {} })),
    ).toEqual(['gateway.yaml: traffic.subgraphs.products.url: environment variable PRODUCTS_URL is not set (used as ${env.PRODUCTS_URL})']);
  });

  it('validates values after expansion', () => {
    expect(issuesOf(() => parseConfig({ server: { port: '${env.PORT}' } }, 'g.yaml', { env: { PORT: 'http' } }))).toEqual([
      'g.yaml: server.port: expected an integer from 0 to 65535',
    ]);
  });

  it('quotes path segments that are not identifiers', () => {
    expect(issuesOf(() => parseConfig({ traffic: { subgraphs: { 'a.b': { x: 1 } } } }, 'g'))).toEqual([
      'g: traffic.subgraphs["a.b"].x: unknown key',
    ]);
  });

  it('returns a deeply frozen config', () => {
    const config = parseConfig({ traffic: { subgraphs: { products: { timeout: '5s' } } } }, 'g');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.traffic.subgraphs.products)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});
