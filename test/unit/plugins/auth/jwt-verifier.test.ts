import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../gateway/logger.js';
import { authSchema } from '../../../../gateway/plugins/auth/config.js';
import { createJwtVerifier, type JwtVerifier } from '../../../../gateway/plugins/auth/jwt-verifier.js';

// Issue 18: verified tokens are kept, so a client's repeated token skips the signature check. What must
// not change: an expired token is refused, and a key the issuer removed stops verifying.

const ISSUER = 'https://login.example.com/';
const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const sign = (key: Awaited<ReturnType<typeof keyPair>>, exp: number) =>
  new SignJWT({ scope: 'read' }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).setIssuer(ISSUER).setSubject('u1').setExpirationTime(exp).sign(key.privateKey);

/** A JWKS endpoint whose key set the test replaces. */
async function jwksServer(initial: object[]) {
  let keys = initial;
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    replace: (next: object[]) => (keys = next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function verifierFor(url: string): Promise<JwtVerifier> {
  const config = authSchema.parse({ jwt: { clockTolerance: '0s', issuers: { main: { issuer: ISSUER, jwksUrl: url, jwksCooldown: '0s' } } } }).jwt;
  const verifier = await createJwtVerifier(config, { configDir: process.cwd(), logger: silent });
  cleanups.push(() => verifier.close());
  return verifier;
}

describe('JWT verifier, verified-token cache', () => {
  it('answers a repeated token with the same claims, and refuses it once it has expired', async () => {
    const a = await keyPair('a');
    const jwks = await jwksServer([a.jwk]);
    cleanups.push(jwks.close);
    const verifier = await verifierFor(jwks.url);
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(a, now + 60);

    const first = await verifier.verify(token);
    expect(first).toMatchObject({ iss: ISSUER, sub: 'u1', scope: 'read', exp: now + 60 });
    expect(await verifier.verify(token)).toEqual(first);

    vi.useFakeTimers({ toFake: ['Date'], now: (now + 61) * 1000 });
    await expect(verifier.verify(token)).rejects.toThrow('the token has expired');
  });

  it('refuses a token verified earlier once its key is gone from a refetched key set', async () => {
    const a = await keyPair('a');
    const b = await keyPair('b');
    const jwks = await jwksServer([a.jwk]);
    cleanups.push(jwks.close);
    const verifier = await verifierFor(jwks.url);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const oldToken = await sign(a, exp);
    expect((await verifier.verify(oldToken)).sub).toBe('u1');

    // The issuer rotates: key a removed, key b added. A token naming b makes the set be fetched again.
    jwks.replace([b.jwk]);
    expect((await verifier.verify(await sign(b, exp))).sub).toBe('u1');
    await expect(verifier.verify(oldToken)).rejects.toThrow('no known key matches the token\'s key id (kid)');
  });

  it('still refuses a tampered copy of a verified token', async () => {
    const a = await keyPair('a');
    const jwks = await jwksServer([a.jwk]);
    cleanups.push(jwks.close);
    const verifier = await verifierFor(jwks.url);
    const token = await sign(a, Math.floor(Date.now() / 1000) + 600);
    await verifier.verify(token);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'admin', exp: 4102444800 })).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toThrow('the token\'s signature is invalid');
  });
});

describe('JWT verifier, the sub claim', () => {
  it('refuses a signed token whose sub is a list, an object, a boolean or empty; reads a number as its text', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const config = authSchema.parse({ jwt: { issuers: { internal: { issuer: 'internal', secret } } } }).jwt;
    const verifier = await createJwtVerifier(config, { configDir: process.cwd(), logger: silent });
    cleanups.push(() => verifier.close());
    const signed = (sub: unknown) =>
      new SignJWT({ sub, scope: 'orders:read' } as Record<string, unknown>)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('internal')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
    for (const sub of [['1'], { a: 1 }, true, '']) {
      const token = await signed(sub);
      // Twice: a refused token is not kept as verified.
      for (let i = 0; i < 2; i++) await expect(verifier.verify(token)).rejects.toThrow("the token's sub claim is not a non-empty string");
    }
    expect((await verifier.verify(await signed('u1'))).sub).toBe('u1');
    expect((await verifier.verify(await signed(7))).sub).toBe(7);
  });
});
