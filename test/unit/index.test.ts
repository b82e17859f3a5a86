import { describe, expect, it } from 'vitest';

describe('the library entry (gateway/index.ts)', () => {
  it('turns Apollo telemetry off and exports the gateway and its parts', async () => {
    const atrium = await import('../../gateway/index.js');
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('1');
    for (const name of ['startGateway', 'loadConfig', 'parseConfig', 'createEngine', 'buildSupergraph', 'loadSupergraphSdl', 'createSubgraphClient', 'createUndiciTransport', 'createLogger', 'toGraphQLError', 'createRestService', 'buildOpenApi']) {
      expect(typeof atrium[name as keyof typeof atrium], name).toBe('function');
    }
    expect(new atrium.AtriumError('SUBGRAPH_TIMEOUT', 'x').status).toBe(504);
  });
});
