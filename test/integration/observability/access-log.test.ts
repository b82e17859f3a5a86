import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { AtriumError } from '../../../gateway/errors.js';
import { createLogger } from '../../../gateway/logger.js';
import { createObservabilityPlugin, NO_METRICS } from '../../../gateway/observability/index.js';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { type DemoGateway, startDemoGateway } from '../../helpers/demo-gateway.js';

// One access-log line per request, including requests the gateway refuses before GraphQL runs, and no
// secret in any log line. Auth and cost are stand-in plugins here (their helpers build the real ones):
// one sets the principal or rejects in onRequest, the other adds `extensions.cost` after this plugin ran.

const TOKEN = 'Bearer tok-3f9a-very-secret';
const API_KEY = 'key-77c1-also-secret';
const SENSITIVE_VARIABLE = 'upc-sensitive-4411';
const QUERY = 'query ProductByToken($token: String!) { product(upc: $token) { name inStock } topProducts(first: 1) { name inStock } }';

const lines: string[] = [];
let demo: DemoGateway;

const stubAuth: AtriumPlugin = {
  name: 'stub-auth',
  onRequest({ context, reject }) {
    if (context.http.headers['x-deny'] === 'yes') reject(new AtriumError('UNAUTHENTICATED', 'denied by the stub'));
    const clientId = context.http.headers['x-client'];
    if (typeof clientId === 'string') context.principal = { clientId, subject: undefined, scopes: [], claims: {} };
  },
};
const stubCost: AtriumPlugin = {
  name: 'stub-cost',
  onResponse({ setExtension }) {
    setExtension('cost', { estimated: 7, actual: 5 });
  },
};

beforeAll(async () => {
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const config = parseConfig(
    {
      server: { bodyLimit: '2kb' },
      log: { accessLog: { enabled: true, headers: ['user-agent', 'authorization', 'x-api-key'], variables: true } },
    },
    'test',
  );
  const observability = await createObservabilityPlugin({ config, logger, metrics: NO_METRICS });
  demo = await startDemoGateway({
    config: { server: { bodyLimit: '2kb' } },
    logger,
    plugins: [observability!, stubAuth, stubCost],
  });
});
afterAll(async () => demo?.close());

/** The access-log line of one request; it is written just after the response, so wait for it (bounded). */
async function accessLineOf(requestId: string | null, output: readonly string[] = lines): Promise<Record<string, any>> {
  expect(requestId).toBeTruthy();
  const find = () =>
    output.map((line) => JSON.parse(line) as Record<string, any>).find((l) => l.msg === 'access' && l.requestId === requestId);
  await expect.poll(find, { timeout: 5_000 }).toBeDefined();
  return find()!;
}

async function post(body: string, headers: Record<string, string> = {}) {
  return fetch(demo.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('access log', () => {
  it('writes one line with operation, client, cost, subgraphs and redacted secrets for an executed query', async () => {
    const response = await demo.post(QUERY, { token: SENSITIVE_VARIABLE }, {
      authorization: TOKEN,
      'x-api-key': API_KEY,
      'x-client': 'client-7',
      'user-agent': 'access-log-test',
    });
    expect(response.status).toBe(200);
    const line = await accessLineOf(response.headers.get('x-request-id'));
    expect(line).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/graphql',
      status: 200,
      clientId: 'client-7',
      operationType: 'query',
      operationName: 'ProductByToken',
      cost: { estimated: 7, actual: 5 },
      headers: { 'user-agent': 'access-log-test', authorization: '[redacted]', 'x-api-key': '[redacted]' },
      variables: { token: '[redacted]' },
    });
    expect(line.operationHash).toMatch(/^[0-9a-f]{64}$/);
    expect(line.durationMs).toBeGreaterThan(0);
    expect(line.errorCodes).toBeUndefined();
    const names = (line.subgraphs as { name: string; durationMs: number }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['products', 'inventory']));
    for (const call of line.subgraphs) expect(call.durationMs).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes(response.headers.get('x-request-id')!) && l.includes('"msg":"access"'))).toHaveLength(1);
  });

  it('lists the GraphQL error codes of a refused operation', async () => {
    const response = await demo.post('query Broken { topProducts { nam } }');
    expect(response.status).toBe(400);
    const line = await accessLineOf(response.headers.get('x-request-id'));
    expect(line).toMatchObject({ status: 400, errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(line.operationName).toBeUndefined();
  });

  it.each([
    ['a body over the limit', () => post(JSON.stringify({ query: `{ ${'x'.repeat(4096)} }` })), 413, 'PAYLOAD_TOO_LARGE'],
    ['malformed JSON', () => post('{"query": '), 400, 'BAD_REQUEST'],
    ['an unknown path', () => fetch(new URL('/nowhere', demo.url)), 404, 'NOT_FOUND'],
    ['a rejection in onRequest', () => post(JSON.stringify({ query: '{ topProducts { name } }' }), { 'x-deny': 'yes' }), 401, 'UNAUTHENTICATED'],
    ['a GET without a CSRF-safe header', () => fetch(`${demo.url}?query=%7B__typename%7D`), 400, 'BAD_REQUEST'],
  ])('logs %s, refused before GraphQL ran, with its status and code', async (_name, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    const line = await accessLineOf(response.headers.get('x-request-id'));
    expect(line).toMatchObject({ status, errorCodes: [code] });
  });

  it('does not log the probes', async () => {
    const response = await fetch(new URL('/health', demo.url));
    expect(response.status).toBe(200);
    const probeId = response.headers.get('x-request-id')!;
    // A request after the probe is logged; by then the probe would have been too.
    const after = await demo.post('{ topProducts(first: 1) { name } }');
    await accessLineOf(after.headers.get('x-request-id'));
    expect(lines.some((line) => line.includes(probeId))).toBe(false);
  });

  it('never writes the token, the API key or a sensitive variable value', () => {
    const output = lines.join('');
    expect(output).toContain('[redacted]');
    expect(output).not.toContain('tok-3f9a');
    expect(output).not.toContain(API_KEY);
    expect(output).not.toContain(SENSITIVE_VARIABLE);
  });
});

describe('access log with the real authentication plugin, from gateway.yaml', () => {
  const KEY = 'ak-live-5e1d0c9b8a7f6e5d4c3b2a19';
  const WRONG_KEY = 'ak-live-guessed-000000000000000';
  const authLines: string[] = [];
  let gateway: DemoGateway;

  beforeAll(async () => {
    gateway = await startDemoGateway({
      // Every level, so that no debug line of any plugin escapes the check below.
      logger: createLogger({ level: 'trace', destination: { write: (line: string) => void authLines.push(line) } }),
      config: {
        log: { level: 'trace', accessLog: { enabled: true, headers: ['x-api-key', 'authorization'] } },
        auth: { apiKeys: { keys: { mobile: { hash: hashApiKey(KEY), clientId: 'mobile-app' } } } },
      },
    });
  });
  afterAll(async () => gateway?.close());

  const lineOf = (requestId: string | null) => accessLineOf(requestId, authLines);

  it('names the client of an API key, and logs a refused key with its code, without any secret', async () => {
    const accepted = await gateway.post('query Mine { topProducts(first: 1) { name } }', undefined, { 'x-api-key': KEY });
    expect(accepted.status).toBe(200);
    expect(await lineOf(accepted.headers.get('x-request-id'))).toMatchObject({
      clientId: 'mobile-app',
      operationName: 'Mine',
      headers: { 'x-api-key': '[redacted]' },
    });
    const refused = await gateway.post('{ topProducts { name } }', undefined, { 'x-api-key': WRONG_KEY, authorization: TOKEN });
    expect(refused.status).toBe(401);
    expect(await lineOf(refused.headers.get('x-request-id'))).toMatchObject({
      status: 401,
      errorCodes: ['UNAUTHENTICATED'],
      headers: { 'x-api-key': '[redacted]', authorization: '[redacted]' },
    });
    const output = authLines.join('');
    expect(output).not.toContain(KEY);
    expect(output).not.toContain(WRONG_KEY);
    expect(output).not.toContain('tok-3f9a');
  });
});
