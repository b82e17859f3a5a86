import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { startCustomGateway } from '../helpers/custom-gateway.js';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';

/**
 * Issue 16, item 3: a `subscription` operation sent where none can be served was planned, the planner
 * threw, and the client got HTTP 500 while the log got an error with a stack. Now it is a 400 with its
 * own code, decided before planning.
 */
describe('subscription operations over plain POST', () => {
  let gateway: DemoGateway;
  const lines: string[] = [];
  beforeAll(async () => {
    gateway = await startDemoGateway({ logger: createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } }) });
  });
  afterAll(async () => gateway?.close());

  it('-> 400 SUBSCRIPTION_TRANSPORT_REQUIRED, no subgraph asked, nothing logged at error level and no stack', async () => {
    const before = Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const result = await gateway.post('subscription { reviewAdded { id } }');
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([
      { message: expect.stringContaining('subscriptions are served over GraphQL over WebSocket'), extensions: { code: 'SUBSCRIPTION_TRANSPORT_REQUIRED' } },
    ]);
    expect(Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
    const logged = lines.map((line) => JSON.parse(line) as { level: number });
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
    expect(lines.join('\n')).not.toContain('"stack"');
  });

  it('-> 400 SUBSCRIPTIONS_NOT_SUPPORTED when the supergraph has no Subscription type, no subgraph asked', async () => {
    const graph = await startCustomGateway([
      { name: 'greetings', sdl: 'type Query {\n  hello: String\n}\n', resolvers: { Query: { hello: () => 'hi' } } },
    ]);
    try {
      const result = await graph.post('subscription { hello }');
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([{ message: 'the supergraph has no Subscription type', extensions: { code: 'SUBSCRIPTIONS_NOT_SUPPORTED' } }]);
      expect(graph.subgraphs.greetings!.requests).toHaveLength(0);
    } finally {
      await graph.close();
    }
  });
});
