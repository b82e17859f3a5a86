import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import type { GatewayConfig } from '../../config/schema.js';

/** What a development token says about its bearer. */
export interface DevTokenClaims {
  readonly subject: string;
  readonly scopes: readonly string[];
  /** Extra claims (for example `role: "admin"` for a policy). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Lifetime in seconds. */
  readonly expiresInSeconds: number;
}

/**
 * Signs a token with the demo key `auth.devToken` configures, for the issuer it names (its `issuer`, first
 * audience and first algorithm), so the gateway configured by the same file accepts it. Throws when
 * gateway.yaml configures no demo key: production configs have none, and then nothing can be signed.
 *
 * @example
 * const token = await signDevToken(config.auth, { subject: '42', scopes: ['orders:read'], expiresInSeconds: 3600 }, configDir);
 */
export async function signDevToken(
  auth: GatewayConfig['auth'],
  token: DevTokenClaims,
  configDir: string,
): Promise<string> {
  const devToken = auth.devToken;
  if (!devToken) throw new Error('gateway.yaml configures no demo signing key (auth.devToken); dev-token signs only with one');
  const issuer = auth.jwt.issuers[devToken.issuer]!;
  const path = resolve(configDir, devToken.privateKeyFile);
  const jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
  if (jwk.d === undefined) throw new Error(`${path} holds no private key (a JWK with "d")`);
  const alg = issuer.algorithms?.[0] ?? jwk.alg ?? 'RS256';
  const key = await importJWK(jwk, alg);
  const audience = typeof issuer.audience === 'string' ? issuer.audience : issuer.audience?.[0];
  const jwt = new SignJWT({ ...token.claims, scope: token.scopes.join(' ') })
    .setProtectedHeader({ alg, typ: 'JWT', ...(jwk.kid !== undefined && { kid: jwk.kid }) })
    .setSubject(token.subject)
    .setIssuedAt()
    .setExpirationTime(`${token.expiresInSeconds}s`);
  if (issuer.issuer !== undefined) jwt.setIssuer(issuer.issuer);
  if (audience !== undefined) jwt.setAudience(audience);
  return jwt.sign(key);
}
