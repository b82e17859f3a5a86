import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { callRest } from '../../helpers/rest-client.js';

// The real auth plugin from gateway.yaml (buildPlugins), in front of a REST route and its GraphQL twin:
// the same credentials give the same outcome through both doors.
const SECRET = 'rest-test-shared-secret-0123456789abcdef';
const API_KEY = 'rest-test-api-key';
const ME = 'query Me { me { username } }';

let demo: DemoGateway;

beforeAll(async () => {
  demo = await startDemoGateway({
    config: {
      auth: {
        required: true,
        jwt: { issuers: { test: { issuer: 'test', audience: 'atrium', secret: SECRET } } },
        apiKeys: { keys: { ci: { hash: hashApiKey(API_KEY), scopes: ['orders:read'] } } },
      },
      rest: { routes: [{ path: '/me', operation: ME }] },
    },
  });
});
afterAll(async () => demo?.close());

const token = (secret = SECRET) =>
  new SignJWT({ scope: 'orders:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('test')
    .setAudience('atrium')
    .setSubject('1')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));

describe('REST behind the real auth plugin', () => {
  it.each([
    ['no credentials', async (): Promise<Record<string, string>> => ({})],
    ['a token signed with another secret', async () => ({ authorization: `Bearer ${await token('another-secret-of-at-least-32-characters!')}` })],
    ['an unknown API key', async () => ({ 'x-api-key': 'nope' })],
  ])('%s: 401 with the same challenge and message through both doors', async (_, credentials) => {
    const headers = await credentials();
    const rest = await callRest(demo.url, 'GET', '/me', { headers });
    const graphql = await demo.post(ME, {}, headers);
    expect(graphql.status).toBe(401);
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe(graphql.headers.get('www-authenticate'));
    expect(rest.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: graphql.body.errors[0].message });
  });

  it('serves a valid token and a valid API key', async () => {
    const withToken = await callRest(demo.url, 'GET', '/me', { headers: { authorization: `Bearer ${await token()}` } });
    expect(withToken.status).toBe(200);
    expect(withToken.body).toEqual({ username: expect.any(String) });
    const withKey = await callRest(demo.url, 'GET', '/me', { headers: { 'x-api-key': API_KEY } });
    expect(withKey.status).toBe(200);
  });

  it('describes the schemes and the requirement in /openapi.json', async () => {
    const document = (await callRest(demo.url, 'GET', '/openapi.json')).body;
    expect(Object.keys(document.components.securitySchemes)).toEqual(['bearerAuth', 'apiKeyAuth']);
    expect(document.paths['/me'].get.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
  });
});
