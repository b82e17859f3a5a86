import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';

// rateLimit.failedAuth (issue 16, item 5): refused credentials are counted per client address; past the
// limit the address is locked out for the window and its credentials are refused unchecked.

const API_KEY = 'atrium-test-key-0123456789';
const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const QUERY = '{ topProducts(first: 1) { upc } }';
const auth = {
  jwt: { issuers: { internal: { issuer: 'internal', secret: SECRET } } },
  apiKeys: { keys: { 'ci-bot': { hash: hashApiKey(API_KEY) } } },
};

const token = (options: { secret?: string; expiresAt?: number } = {}) => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('internal').setSubject('7');
  jwt.setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
};

let subgraphs: DemoSubgraphs;
beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
});
afterAll(async () => subgraphs?.close());

describe('failed authentications per address, behind a trusted proxy', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({
      subgraphs,
      config: { auth, rateLimit: { failedAuth: { max: 3, window: '1m' } }, clients: { trustedProxies: ['127.0.0.1'] } },
    });
  });
  afterAll(async () => demo?.close());

  it('answers 401 up to the limit, then 429 AUTH_RATE_LIMITED, and refuses even the correct key until the window passes', async () => {
    const from = { 'x-forwarded-for': '198.51.100.20' };
    for (const wrong of ['wrong-1', 'wrong-2', 'wrong-3']) {
      const refused = await demo.post(QUERY, {}, { ...from, 'x-api-key': wrong });
      expect(refused.status).toBe(401);
      expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const locked = await demo.post(QUERY, {}, { ...from, 'x-api-key': 'wrong-4' });
    expect(locked.status).toBe(429);
    expect(locked.body.errors[0]).toMatchObject({
      message: 'too many failed authentications from this address: more than 3 per 60s; retry after 60s',
      extensions: { code: 'AUTH_RATE_LIMITED', retryAfter: 60 },
    });
    expect(locked.headers.get('retry-after')).toBe('60');
    expect(locked.headers.get('www-authenticate')).toBeNull();

    const before = subgraphs.subgraphs.find((s) => s.name === 'products')!.requests.length;
    const correct = await demo.post(QUERY, {}, { ...from, 'x-api-key': API_KEY });
    expect(correct.status).toBe(429);
    expect(correct.body.errors[0].extensions.code).toBe('AUTH_RATE_LIMITED');
    const retryAfter = Number(correct.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(subgraphs.subgraphs.find((s) => s.name === 'products')!.requests.length).toBe(before);

    // Without credentials nothing is guessed: the locked address may still read anonymously.
    expect((await demo.post(QUERY, {}, from)).status).toBe(200);
    // Another address is not affected.
    expect((await demo.post(QUERY, {}, { 'x-forwarded-for': '198.51.100.21', 'x-api-key': API_KEY })).status).toBe(200);
  });

  it('counts forged, expired and malformed tokens alike', async () => {
    const from = { 'x-forwarded-for': '198.51.100.22' };
    const bad = [
      `Bearer ${await token({ secret: 'another-secret-of-at-least-32-characters' })}`,
      `Bearer ${await token({ expiresAt: Math.floor(Date.now() / 1000) - 3600 })}`,
      'Bearer not-a-jwt',
    ];
    for (const authorization of bad) {
      const refused = await demo.post(QUERY, {}, { ...from, authorization });
      expect(refused.status).toBe(401);
    }
    // Not locked yet, and a success resets nothing: one more refusal locks the address.
    expect((await demo.post(QUERY, {}, { ...from, authorization: `Bearer ${await token()}` })).status).toBe(200);
    const fourth = await demo.post(QUERY, {}, { ...from, authorization: 'Bearer still.not.valid' });
    expect(fourth.status).toBe(429);
    const locked = await demo.post(QUERY, {}, { ...from, authorization: `Bearer ${await token()}` });
    expect(locked.status).toBe(429);
    expect(locked.body.errors[0].extensions.code).toBe('AUTH_RATE_LIMITED');
  });

  it('lets correct credentials through below the limit, and does not count them', async () => {
    const from = { 'x-forwarded-for': '198.51.100.23' };
    for (let i = 0; i < 5; i += 1) {
      expect((await demo.post(QUERY, {}, { ...from, authorization: `Bearer ${await token()}` })).status).toBe(200);
    }
    for (let i = 0; i < 3; i += 1) expect((await demo.post(QUERY, {}, { ...from, 'x-api-key': 'nope' })).status).toBe(401);
    expect((await demo.post(QUERY, {}, { ...from, 'x-api-key': API_KEY })).status).toBe(200);
  });

  it('applies to subscriptions over SSE (same onRequest path)', async () => {
    const from = { 'x-forwarded-for': '198.51.100.20' };
    const response = await fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': API_KEY, ...from },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(429);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('AUTH_RATE_LIMITED');
  });
});

describe('rateLimit.failedAuth by default (no rateLimit section)', () => {
  let demo: DemoGateway;
  beforeAll(async () => {
    demo = await startDemoGateway({ subgraphs, config: { auth } });
  });
  afterAll(async () => demo?.close());

  it('locks the peer address out after 20 refusals, whatever X-Forwarded-For an untrusted peer claims', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i += 1) {
      statuses.push((await demo.post(QUERY, {}, { 'x-forwarded-for': `203.0.113.${i}`, 'x-api-key': `guess-${i}` })).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses[20]).toBe(429);
    const correct = await demo.post(QUERY, {}, { 'x-forwarded-for': '203.0.113.99', 'x-api-key': API_KEY });
    expect(correct.status).toBe(429);
    expect(correct.body.errors[0].extensions.code).toBe('AUTH_RATE_LIMITED');
    expect((await fetch(demo.url.replace('/graphql', '/health'))).status).toBe(200);
  });
});

describe('rateLimit.failedAuth off, or in measure mode', () => {
  it('never answers 429 with enabled: false or mode: measure', async () => {
    for (const rateLimit of [{ failedAuth: { enabled: false } }, { mode: 'measure', failedAuth: { max: 1 } }]) {
      const demo = await startDemoGateway({ subgraphs, config: { auth, rateLimit } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i += 1) statuses.push((await demo.post(QUERY, {}, { 'x-api-key': 'wrong' })).status);
        statuses.push((await demo.post(QUERY, {}, { 'x-api-key': API_KEY })).status);
        expect(statuses, JSON.stringify(rateLimit)).toEqual([401, 401, 401, 401, 200]);
      } finally {
        await demo.close();
      }
    }
  });
});
