import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';

/**
 * Issue 16, item 3: a `subscription` operation against a supergraph without subscriptions was planned,
 * the planner threw, and the client got HTTP 500 while the log got an error with a stack.
 */
describe('subscription operations', () => {
  let gateway: DemoGateway;
  const lines: string[] = [];
  beforeAll(async () => {
    gateway = await startDemoGateway({ logger: createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } }) });
  });
  afterAll(async () => gateway?.close());

  it('-> 400 SUBSCRIPTION_NOT_SUPPORTED, no subgraph asked, nothing logged at error level and no stack', async () => {
    const before = Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const result = await gateway.post('subscription { topProducts { name } }');
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([
      { message: 'the supergraph has no subscription type', extensions: { code: 'SUBSCRIPTION_NOT_SUPPORTED' } },
    ]);
    expect(Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
    const logged = lines.map((line) => JSON.parse(line) as { level: number });
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
    expect(lines.join('\n')).not.toContain('"stack"');
  });
});
