import { GraphQLError } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { type CustomGateway, startCustomGateway, type TestSubgraphDefinition } from '../helpers/custom-gateway.js';

/**
 * Issue 16, item 2: subgraph error `extensions` were forwarded unchanged, stack traces included. By default
 * a client gets the message, the path, `extensions.code` and the gateway's `serviceName`, nothing else.
 */
const VAULT: TestSubgraphDefinition = {
  name: 'vault',
  sdl: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { secret: String  plain: String }
  `,
  resolvers: {
    Query: {
      secret: () => {
        throw new GraphQLError('the vault is locked', {
          extensions: {
            code: 'VAULT_LOCKED',
            stacktrace: ['Error: the vault is locked', '    at /srv/vault/resolvers.js:42:11'],
            exception: { stacktrace: ['at /srv/vault/db.js:7'], sql: 'SELECT * FROM secrets' },
            retryable: true,
            serviceName: 'forged',
          },
        });
      },
      plain: () => {
        throw new Error('connection to 10.1.2.3:5432 refused');
      },
    },
  },
};

describe('subgraph errors reaching clients (subgraphErrors)', () => {
  const gateways: CustomGateway[] = [];
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
  });
  const start = async (config: Record<string, unknown> = {}) => {
    const gateway = await startCustomGateway([VAULT], config);
    gateways.push(gateway);
    return gateway;
  };

  it('by default forwards message, path, code and serviceName only: no stacktrace, no exception, no other key', async () => {
    const gateway = await start();
    const result = await gateway.post('{ secret plain }');
    expect(result.status).toBe(200);
    expect(result.body.errors).toEqual([
      { message: 'the vault is locked', path: ['secret'], extensions: { code: 'VAULT_LOCKED', serviceName: 'vault' } },
      expect.objectContaining({ path: ['plain'], extensions: expect.objectContaining({ serviceName: 'vault' }) }),
    ]);
    expect(Object.keys(result.body.errors[1].extensions).sort()).toEqual(['code', 'serviceName']);
    expect(result.text).not.toContain('stacktrace');
    expect(result.text).not.toContain('/srv/vault');
    expect(result.text).not.toContain('SELECT');
  });

  it('forwards the extension keys a subgraph\'s allow-list names, never a forged serviceName', async () => {
    const gateway = await start({ subgraphErrors: { subgraphs: { vault: { allowExtensions: ['retryable', 'serviceName'] } } } });
    const result = await gateway.post('{ secret }');
    expect(result.body.errors[0]).toEqual({
      message: 'the vault is locked',
      path: ['secret'],
      extensions: { code: 'VAULT_LOCKED', retryable: true, serviceName: 'vault' },
    });
  });

  it('redacts messages when asked, keeping path, code and serviceName', async () => {
    const gateway = await start({ subgraphErrors: { all: { redactMessage: true } } });
    const result = await gateway.post('{ secret plain }');
    expect(result.body.errors[0]).toEqual({
      message: 'error from subgraph "vault"',
      path: ['secret'],
      extensions: { code: 'VAULT_LOCKED', serviceName: 'vault' },
    });
    expect(result.body.errors[1].message).toBe('error from subgraph "vault"');
    expect(result.text).not.toContain('10.1.2.3');
  });
});
