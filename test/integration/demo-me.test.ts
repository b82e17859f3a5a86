import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../gateway/plugins/auth/api-keys.js';
import { startDemoGateway, type DemoGateway } from '../helpers/demo-gateway.js';

// Issue 20, item 6d: docs/authentication.md said `me` is null without credentials; the demo accounts subgraph
// answers user 1 (ada) to everyone. The docs now say so and why; this pins what they say: the same answer with
// and without credentials, and the difference in the identity headers the accounts subgraph receives.
const ME = '{ me { username } }';
const SECRET = 'demo-me-test-shared-secret-0123456789';

let demo: DemoGateway;

beforeAll(async () => {
  demo = await startDemoGateway({
    config: {
      auth: {
        jwt: { issuers: { test: { issuer: 'test', secret: SECRET } } },
        // The demo gateway.yaml's key: demo-ci-key, scopes orders:read.
        apiKeys: { keys: { 'demo-ci': { hash: hashApiKey('demo-ci-key'), scopes: ['orders:read'] } } },
      },
    },
  });
});
afterAll(async () => demo?.close());

/** `{ me { username } }` with `headers`; the answer and the headers the accounts subgraph got. */
async function me(headers: Record<string, string>) {
  const before = demo.subgraphs.accounts!.requests.length;
  const result = await demo.post(ME, {}, headers);
  const received = demo.subgraphs.accounts!.requests.slice(before).at(-1)!.headers;
  return { status: result.status, body: result.body, received };
}

describe('the `me` example of docs/authentication.md', () => {
  it('answers ada with no credentials: anonymous, and no identity headers reach the subgraph', async () => {
    const { status, body, received } = await me({});
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: { username: 'ada' } } });
    expect(received['x-user-id']).toBeUndefined();
    expect(received['x-user-scopes']).toBeUndefined();
  });

  it('answers ada with a token too, which the subgraph receives as x-user-id and x-user-scopes', async () => {
    const token = await new SignJWT({ scope: 'orders:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('test')
      .setSubject('1')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const { body, received } = await me({ authorization: `Bearer ${token}` });
    expect(body).toEqual({ data: { me: { username: 'ada' } } });
    expect(received).toMatchObject({ 'x-user-id': '1', 'x-user-scopes': 'orders:read' });
  });

  it('answers ada with the demo API key: no subject, its scopes and its client id', async () => {
    const { body, received } = await me({ 'x-api-key': 'demo-ci-key' });
    expect(body).toEqual({ data: { me: { username: 'ada' } } });
    expect(received['x-user-id']).toBeUndefined();
    expect(received).toMatchObject({ 'x-user-scopes': 'orders:read', 'x-client-id': 'demo-ci' });
  });

  it('is described as it answers: the docs no longer promise null, and name ada and the reason', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../docs/authentication.md', import.meta.url)), 'utf8');
    expect(docs).not.toMatch(/`me` is null/);
    expect(docs).toContain('{"data":{"me":{"username":"ada"}}}');
    expect(docs).toContain('does not read the identity headers');
  });
});
