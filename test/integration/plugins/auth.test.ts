import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { type RunningJwks, serveJwks } from '../../../subgraphs/identity/serve-jwks.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

// Authentication against the real gateway over the real demo subgraphs, with a real JWKS endpoint. Every
// refused credential must answer 401 UNAUTHENTICATED with a WWW-Authenticate challenge and reach no subgraph.

const ISSUER = 'https://idp.test';
const AUDIENCE = 'atrium-test';
const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const API_KEY = 'test-api-key-0123456789abcdef';
const QUERY = '{ me { username } }';

interface SigningKey {
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  readonly jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function token(key: SigningKey, options: { kid?: string; iss?: string; aud?: string; exp?: number | null; nbf?: number; sub?: string; scope?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: options.scope ?? 'orders:read profile' })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? (key.jwk.kid as string) })
    .setSubject(options.sub ?? '42')
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(options.nbf ?? now);
  // `exp: null` signs a token that never expires.
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now + 600);
  return jwt.sign(key.privateKey);
}

let subgraphs: DemoSubgraphs;
let jwks: RunningJwks;
let gateway: DemoGateway;
let keyA: SigningKey;
let keyB: SigningKey;
let jwksDir: TempDir;
let fileKey: SigningKey;

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
const requestCount = () => Object.values(gateway.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
const lastAccountsHeaders = () => gateway.subgraphs.accounts!.requests.at(-1)!.headers;

beforeAll(async () => {
  keyA = await signingKey('key-a');
  keyB = await signingKey('key-b');
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  jwks = await serveJwks([keyA.jwk]);
  jwksDir = await tempDir('atrium-jwks-');
  fileKey = await signingKey('file-key');
  await writeFile(join(jwksDir.path, 'jwks.json'), JSON.stringify({ keys: [fileKey.jwk] }));
  gateway = await startDemoGateway({
    subgraphs,
    configDir: jwksDir.path,
    config: {
      // This file sends dozens of refused credentials from one address: the lock-out would answer the later
      // ones 429. It has its own tests (failed-auth.test.ts).
      rateLimit: { failedAuth: { enabled: false } },
      // Forwarding rules that copy the identity headers from the client: authentication must still win.
      traffic: { all: { headers: { propagate: ['x-user-id', 'x-user-scopes', 'x-client-id', 'x-note'] } } },
      auth: {
        jwt: {
          cookie: 'session',
          issuers: {
            idp: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], jwksUrl: jwks.url, jwksCooldown: '1h' },
            internal: { issuer: 'internal', secret: SECRET },
            files: { issuer: 'files', jwksFile: 'jwks.json' },
            legacy: { issuer: 'legacy', jwksFile: 'jwks.json', requireExp: false },
          },
        },
        apiKeys: { keys: { 'ci-bot': { hash: hashApiKey(API_KEY), scopes: ['orders:read'], claims: { team: 'ci' } } } },
      },
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await jwks?.close();
  await subgraphs?.close();
  await jwksDir.remove();
});

describe('valid credentials', () => {
  it('a token from the JWKS issuer runs the query and carries the identity to subgraphs', async () => {
    const result = await gateway.post(QUERY, undefined, bearer(await token(keyA)));
    expect(result.status).toBe(200);
    expect(result.body.data.me.username).toBeTypeOf('string');
    expect(lastAccountsHeaders()).toMatchObject({ 'x-user-id': '42', 'x-user-scopes': 'orders:read profile' });
  });

  it('several issuers at once: a shared-secret token and a JWKS-file token both verify', async () => {
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('7').setIssuer('internal')
      .setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    expect((await gateway.post(QUERY, undefined, bearer(hs))).status).toBe(200);
    expect(lastAccountsHeaders()['x-user-id']).toBe('7');
    const fromFile = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'file-key' }).setSubject('8')
      .setIssuer('files').setExpirationTime('5m').sign(fileKey.privateKey);
    expect((await gateway.post(QUERY, undefined, bearer(fromFile))).status).toBe(200);
    expect(lastAccountsHeaders()['x-user-id']).toBe('8');
  });

  it('an issuer with requireExp: false accepts a token without exp', async () => {
    const forever = await token(fileKey, { iss: 'legacy', exp: null, sub: '9' });
    const result = await gateway.post(QUERY, undefined, bearer(forever));
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(lastAccountsHeaders()['x-user-id']).toBe('9');
  });

  it('reads the token from the configured cookie when there is no Authorization header', async () => {
    const result = await gateway.post(QUERY, undefined, { cookie: `theme=dark; session=${await token(keyA, { sub: '99' })}` });
    expect(result.status).toBe(200);
    expect(lastAccountsHeaders()['x-user-id']).toBe('99');
  });

  it('an API key stored as a hash authenticates as its client', async () => {
    const result = await gateway.post(QUERY, undefined, { 'x-api-key': API_KEY });
    expect(result.status).toBe(200);
    expect(lastAccountsHeaders()).toMatchObject({ 'x-client-id': 'ci-bot', 'x-user-scopes': 'orders:read' });
    expect(lastAccountsHeaders()['x-user-id']).toBeUndefined();
  });

  it('no credentials: anonymous, and client-sent identity headers never reach a subgraph', async () => {
    const result = await gateway.post(QUERY, undefined, { 'x-user-id': '1', 'x-user-scopes': 'admin', 'x-client-id': 'evil', 'x-note': 'kept' });
    expect(result.status).toBe(200);
    const headers = lastAccountsHeaders();
    expect(headers['x-note']).toBe('kept');
    expect(headers['x-user-id']).toBeUndefined();
    expect(headers['x-user-scopes']).toBeUndefined();
    expect(headers['x-client-id']).toBeUndefined();
  });

  it('a spoofed x-user-id next to a valid token is replaced by the token subject', async () => {
    const result = await gateway.post(QUERY, undefined, { ...bearer(await token(keyA, { sub: '5', scope: 'profile' })), 'x-user-id': '1', 'x-user-scopes': 'admin' });
    expect(result.status).toBe(200);
    expect(lastAccountsHeaders()).toMatchObject({ 'x-user-id': '5', 'x-user-scopes': 'profile' });
  });
});

describe('one principal per verified token', () => {
  it('requests with the same token share one frozen principal; another token gets its own', async () => {
    const seen: unknown[] = [];
    const own = await startDemoGateway({
      subgraphs,
      config: { auth: { jwt: { issuers: { internal: { issuer: 'internal', secret: SECRET } } } } },
      plugins: [{ name: 'capture', onOperation: ({ context }) => void seen.push(context.principal) }],
      withBuiltInPlugins: true,
    });
    try {
      const sign = (sub: string) =>
        new SignJWT({ scope: 'orders:read' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('internal')
          .setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
      const [first, second] = [await sign('7'), await sign('8')];
      for (const jwt of [first, first, second]) expect((await own.post(QUERY, undefined, bearer(jwt))).status).toBe(200);
      expect(seen).toHaveLength(3);
      expect(seen[1]).toBe(seen[0]);
      expect(seen[2]).not.toBe(seen[0]);
      expect(seen[0]).toMatchObject({ subject: '7', scopes: ['orders:read'] });
      expect(seen[2]).toMatchObject({ subject: '8' });
      expect(Object.isFrozen(seen[0]) && Object.isFrozen((seen[0] as { scopes: unknown }).scopes)).toBe(true);
      expect(own.subgraphs.accounts!.requests.at(-1)!.headers['x-user-id']).toBe('8');
    } finally {
      await own.close();
    }
  });
});

describe('every bad credential: 401 UNAUTHENTICATED, WWW-Authenticate, nothing reaches a subgraph', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
    ['an invalid signature', async () => {
      const forged = await token(keyB, { kid: 'key-a' });
      return bearer(forged);
    }, /signature is invalid/],
    ['a tampered payload', async () => {
      const [header, , signature] = (await token(keyA)).split('.');
      const payload = Buffer.from(JSON.stringify({ sub: '1', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })).toString('base64url');
      return bearer(`${header}.${payload}.${signature}`);
    }, /signature is invalid/],
    ['an expired token', async () => bearer(await token(keyA, { exp: now() - 3600, nbf: now() - 7200 })), /expired/],
    ['a token without exp (requireExp defaults to true)', async () => bearer(await token(keyA, { exp: null })), /has no exp claim/],
    ['a token without exp from a JWKS-file issuer', async () => bearer(await token(fileKey, { iss: 'files', exp: null })), /has no exp claim/],
    ['nbf in the future', async () => bearer(await token(keyA, { nbf: now() + 3600 })), /not valid yet/],
    ['a wrong issuer', async () => bearer(await token(keyA, { iss: 'https://evil.test' })), /issuer is not accepted/],
    ['a wrong audience', async () => bearer(await token(keyA, { aud: 'someone-else' })), /audience is not accepted/],
    ['alg none', async () => bearer(new UnsecuredJWT({ sub: '1' }).setIssuer(ISSUER).setAudience(AUDIENCE).encode()), /alg "none"/],
    ['alg none with a signature part', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'key-a' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: '1', iss: ISSUER, aud: AUDIENCE })).toString('base64url');
      return bearer(`${header}.${payload}.c2lnbmF0dXJl`);
    }, /alg "none"/],
    ['an HS256 token for an RS256 issuer', async () => {
      const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'key-a' }).setIssuer(ISSUER).setAudience(AUDIENCE)
        .setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
      return bearer(hs);
    }, /algorithm HS256 is not allowed/],
    ['a malformed token', async () => bearer('not.a-token'), /malformed/],
    ['a token that is not even three parts', async () => bearer('garbage'), /malformed/],
    ['an unknown kid', async () => bearer(await token(keyB)), /no known key matches/],
    ['a wrong scheme', async () => ({ authorization: 'Basic dXNlcjpwYXNz' }), /expected "authorization: Bearer <token>"/],
    ['an empty bearer', async () => ({ authorization: 'Bearer ' }), /expected "authorization: Bearer <token>"/],
    ['an unknown API key', async () => ({ 'x-api-key': 'guessed-key' }), /API key is not valid/],
    ['a token and an API key at once', async () => ({ ...bearer(await token(keyA)), 'x-api-key': API_KEY }), /both a token and an API key/],
  ];

  it.each(cases)('%s', async (_name, headersOf, message) => {
    const before = requestCount();
    const result = await gateway.post(QUERY, undefined, await headersOf());
    expect(result.status).toBe(401);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(result.body.errors[0].message).toMatch(message);
    expect(result.body.data).toBeUndefined();
    expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm="atrium", error="invalid_token"/);
    expect(requestCount()).toBe(before);
  });

  it('unknown kids inside the cooldown do not refetch the key set, and the gateway keeps serving', async () => {
    const fetches = jwks.fetches();
    for (let i = 0; i < 3; i++) {
      expect((await gateway.post(QUERY, undefined, bearer(await token(keyB, { kid: `forged-${i}` })))).status).toBe(401);
    }
    expect(jwks.fetches()).toBe(fetches);
    expect((await gateway.post(QUERY, undefined, bearer(await token(keyA)))).status).toBe(200);
  });
});

describe('auth.required', () => {
  it('refuses a request without credentials with a plain challenge', async () => {
    const strict = await startDemoGateway({
      subgraphs,
      config: { auth: { required: true, jwt: { issuers: { internal: { issuer: 'internal', secret: SECRET } } } } },
    });
    try {
      const before = requestCount();
      const result = await strict.post(QUERY);
      expect(result.status).toBe(401);
      expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(result.headers.get('www-authenticate')).toBe('Bearer realm="atrium"');
      expect(requestCount()).toBe(before);
    } finally {
      await strict.close();
    }
  });
});

describe('JWKS key rotation without restart', () => {
  it('a new key is fetched on its first token; a removed key stops verifying after the background refresh', async () => {
    const rotating = await serveJwks([keyA.jwk]);
    const rotatingGateway = await startDemoGateway({
      subgraphs,
      config: {
        auth: {
          jwt: {
            issuers: {
              idp: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: rotating.url, jwksCooldown: 0, jwksRefresh: '200ms' },
            },
          },
        },
      },
    });
    try {
      expect((await rotatingGateway.post(QUERY, undefined, bearer(await token(keyA)))).status).toBe(200);
      expect((await rotatingGateway.post(QUERY, undefined, bearer(await token(keyB)))).status).toBe(401);

      rotating.setKeys([keyA.jwk, keyB.jwk]);
      expect((await rotatingGateway.post(QUERY, undefined, bearer(await token(keyB)))).status).toBe(200);

      rotating.setKeys([keyB.jwk]);
      const fetches = rotating.fetches();
      for (let i = 0; i < 100 && rotating.fetches() < fetches + 2; i++) await sleep(50);
      expect(rotating.fetches()).toBeGreaterThanOrEqual(fetches + 2);
      const revoked = await rotatingGateway.post(QUERY, undefined, bearer(await token(keyA)));
      expect(revoked.status).toBe(401);
      expect((await rotatingGateway.post(QUERY, undefined, bearer(await token(keyB)))).status).toBe(200);
    } finally {
      await rotatingGateway.close();
      await rotating.close();
    }
  });
});
