import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { GatewayConfig } from '../../config/schema.js';
import { LruCache } from '../../engine/lru-cache.js';
import type { Logger } from '../../logger.js';
import { KeySetUnavailable, RemoteKeySet } from './remote-key-set.js';

type JwtConfig = GatewayConfig['auth']['jwt'];
type IssuerConfig = JwtConfig['issuers'][string];

const KEY_SET_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];
const SECRET_ALGORITHMS = ['HS256'];

/**
 * Tokens verified recently. A client sends the same token on every request until it expires, and checking
 * its signature (RS256: one RSA public-key operation) was ~10% of the gateway's CPU with authentication on.
 * A hit skips the signature, issuer and audience checks, whose outcome cannot change for the same bytes
 * under the same keys, but not the clock: past `exp` (plus the tolerance) the token is verified in full
 * again, which refuses it as before. A remote key set that was fetched again invalidates its entries.
 */
const VERIFIED_TOKENS = 4096;
/** Longer tokens are verified every time rather than kept (memory is bounded by entries × this). */
const MAX_CACHED_TOKEN_LENGTH = 8192;

interface VerifiedToken {
  readonly payload: JWTPayload;
  readonly issuer: TrustedIssuer;
  /** The issuer's key-set generation it was verified under (0 for files and secrets, read once). */
  readonly generation: number;
}

/** A credential was refused; `message` is what the client is told (never key material). */
export class CredentialError extends Error {
  /**
   * False when the token could not be checked at all (its issuer's key set was never fetched): not a
   * failed authentication to count against the client (`rateLimit.failedAuth`).
   */
  readonly checked: boolean;

  constructor(message: string, options: { cause?: unknown; checked?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CredentialError';
    this.checked = options.checked ?? true;
  }
}

/** Verifies JWTs against the configured issuers. */
export interface JwtVerifier {
  /** The verified claims; throws {@link CredentialError} saying why a token is refused. */
  verify(token: string): Promise<JWTPayload>;
  close(): void;
}

interface TrustedIssuer {
  readonly name: string;
  readonly config: IssuerConfig;
  readonly algorithms: readonly string[];
  readonly key: JWTVerifyGetKey | Uint8Array;
  readonly remote?: RemoteKeySet;
}

/**
 * Builds the verifier for `auth.jwt`: loads JWKS files, fetches JWKS URLs (and keeps them fresh), encodes
 * shared secrets. A token is matched to the issuer its (unverified) `iss` names, then verified with that
 * issuer's keys, algorithms, audience and the clock tolerance; `alg: none` is refused before any key lookup.
 *
 * @example
 * const verifier = await createJwtVerifier(config.auth.jwt, { configDir, logger });
 * const claims = await verifier.verify(token); // throws CredentialError('the token has expired')
 */
export async function createJwtVerifier(
  config: JwtConfig,
  options: { configDir: string; logger: Logger },
): Promise<JwtVerifier> {
  const issuers: TrustedIssuer[] = [];
  try {
    for (const [name, issuer] of Object.entries(config.issuers)) issuers.push(await trustIssuer(name, issuer, options));
  } catch (error) {
    for (const issuer of issuers) issuer.remote?.close();
    throw error;
  }
  const clockTolerance = config.clockTolerance / 1000;
  const verified = new LruCache<VerifiedToken>(VERIFIED_TOKENS);
  // jose's rule (epoch seconds, floored): expired when exp <= now - tolerance.
  const unexpired = ({ exp }: JWTPayload) => exp === undefined || Math.floor(Date.now() / 1000) - clockTolerance < exp;

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && known.generation === (known.issuer.remote?.generation ?? 0) && unexpired(known.payload)) return known.payload;
      let alg: string | undefined;
      let iss: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
        iss = decodeJwt(token).iss;
      } catch (cause) {
        throw new CredentialError('the token is malformed', { cause });
      }
      if (alg === undefined || alg.toLowerCase() === 'none') {
        throw new CredentialError('the token is unsigned (alg "none"); unsigned tokens are never accepted');
      }
      const issuer = issuers.find((candidate) => candidate.config.issuer === iss) ??
        issuers.find((candidate) => candidate.config.issuer === undefined);
      if (!issuer) throw new CredentialError('the token\'s issuer is not accepted');
      if (!issuer.algorithms.includes(alg)) throw new CredentialError(`the token's algorithm ${alg} is not allowed`);
      try {
        const verifyOptions = {
          algorithms: [...issuer.algorithms],
          clockTolerance,
          ...(issuer.config.requireExp && { requiredClaims: ['exp'] }),
          ...(issuer.config.issuer !== undefined && { issuer: issuer.config.issuer }),
          ...(issuer.config.audience !== undefined && { audience: issuer.config.audience as string | string[] }),
        };
        const generation = issuer.remote?.generation ?? 0;
        const { payload } =
          issuer.key instanceof Uint8Array
            ? await jwtVerify(token, issuer.key, verifyOptions)
            : await jwtVerify(token, issuer.key, verifyOptions);
        // RFC 7519 makes `sub` a string; a list, an object or '' would leave the caller without a subject
        // (identity headers, quotas and cache entries by subject), so the token is refused. A number is
        // read as its decimal text.
        const { sub } = payload as { sub?: unknown };
        if (sub !== undefined && !((typeof sub === 'string' && sub !== '') || (typeof sub === 'number' && Number.isFinite(sub)))) {
          throw new CredentialError('the token\'s sub claim is not a non-empty string');
        }
        if (token.length <= MAX_CACHED_TOKEN_LENGTH) verified.set(token, { payload, issuer, generation });
        return payload;
      } catch (error) {
        if (error instanceof CredentialError) throw error;
        if (error instanceof KeySetUnavailable) {
          throw new CredentialError('the issuer\'s key set is not available yet; retry shortly', { cause: error, checked: false });
        }
        throw new CredentialError(describeJoseError(error), { cause: error });
      }
    },
    close() {
      for (const issuer of issuers) issuer.remote?.close();
    },
  };
}

async function trustIssuer(
  name: string,
  config: IssuerConfig,
  options: { configDir: string; logger: Logger },
): Promise<TrustedIssuer> {
  if (config.secret !== undefined) {
    return { name, config, algorithms: config.algorithms ?? SECRET_ALGORITHMS, key: new TextEncoder().encode(config.secret) };
  }
  const algorithms = config.algorithms ?? KEY_SET_ALGORITHMS;
  if (config.jwksFile !== undefined) {
    const path = resolve(options.configDir, config.jwksFile);
    let keys: JWTVerifyGetKey;
    try {
      keys = createLocalJWKSet(JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet);
    } catch (cause) {
      throw new Error(`auth.jwt.issuers.${name}.jwksFile: cannot use ${path} as a key set: ${(cause as Error).message}`, { cause });
    }
    return { name, config, algorithms, key: keys };
  }
  const remote = new RemoteKeySet({
    url: config.jwksUrl!,
    issuer: config.issuer,
    refreshMs: config.jwksRefresh,
    cooldownMs: config.jwksCooldown,
    timeoutMs: config.jwksTimeout,
    logger: options.logger,
  });
  await remote.start();
  return { name, config, algorithms, key: remote.getKey, remote };
}

/** What the client is told for each of jose's verdicts. */
function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp' && error.reason === 'missing') return 'the token has no exp claim; tokens must expire';
    if (error.claim === 'nbf') return 'the token is not valid yet (nbf is in the future)';
    if (error.claim === 'iss') return 'the token\'s issuer is not accepted';
    if (error.claim === 'aud') return 'the token\'s audience is not accepted';
    return `the token's "${error.claim}" claim is invalid: ${error.reason}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token\'s signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token\'s algorithm is not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token\'s key id (kid)';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'the token does not say which key signed it (kid)';
  return 'the token is malformed';
}
