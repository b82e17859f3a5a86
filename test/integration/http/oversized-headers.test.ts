import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { type DemoGateway, startDemoGateway } from '../../helpers/demo-gateway.js';

// Request headers over server.maxHeaderSize, through the real server: node:http refuses them before any
// request object exists, and the gateway still answers like every other refusal.

const QUERY = '{ topProducts(first: 1) { name } }';
const lines: string[] = [];
let gateway: DemoGateway;

beforeAll(async () => {
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  gateway = await startDemoGateway({
    config: { server: { maxHeaderSize: '4kb' }, log: { accessLog: { enabled: true } } },
    logger,
  });
});

afterAll(async () => {
  await gateway?.close();
});

describe('server.maxHeaderSize', () => {
  it('accepts headers within the configured limit', async () => {
    const result = await gateway.post(QUERY, undefined, { 'x-note': 'a'.repeat(3 * 1024) });
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });

  it('answers headers over it with 431, a JSON error body, security headers and an access-log line', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-note': 'a'.repeat(5 * 1024) },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('connection')).toBe('close');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: 'the request headers exceed the limit of 4096 bytes (server.maxHeaderSize)',
          extensions: { code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' },
        },
      ],
    });
    const access = () => lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'access' && line.requestId === requestId);
    await expect.poll(access, { timeout: 5_000 }).toBeDefined();
    expect(access()).toMatchObject({ method: 'POST', path: '/graphql', status: 431, errorCodes: ['REQUEST_HEADER_FIELDS_TOO_LARGE'] });
    // The gateway keeps serving.
    expect((await gateway.post(QUERY)).status).toBe(200);
  });
});
