import type { JWTPayload } from 'jose';
import type { GatewayConfig } from '../../config/schema.js';
import { AtriumError } from '../../errors.js';
import type { Principal, RequestContext } from '../../request-context.js';
import type { FailedAuthGuard } from '../../quota/failed-auth-guard.js';
import type { PluginDependencies } from '../build-plugins.js';
import type { AtriumPlugin } from '../plugin.js';
import { createApiKeyLookup } from './api-keys.js';
import { identityHeadersHook } from './identity-headers.js';
import { CredentialError, createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { principalFromClaims } from './principal-from-claims.js';
import { type CredentialSources, readCredentials } from './read-credentials.js';

export { hashApiKey } from './api-keys.js';

/**
 * The `auth` plugin: authenticates every GraphQL request in `onRequest` (a JWT from the configured header or
 * cookie, or an API key) and sets `context.principal`; a request without credentials stays anonymous unless
 * `auth.required`. Every refused credential ends the request with 401 UNAUTHENTICATED and a
 * `WWW-Authenticate` challenge (RFC 6750), before anything reaches a subgraph. Its `onSubgraphFetch` hook
 * replaces the identity headers of every subgraph request (see `identityHeadersHook`).
 * A method that is not configured (no issuers, no keys) ignores its credentials.
 *
 * With a `failedAuth` guard (`rateLimit.failedAuth`), refused credentials are counted per client address:
 * past the limit the refusal is 429 AUTH_RATE_LIMITED instead of 401, and until the lock-out ends every
 * request from that address that presents a credential is refused before it is checked. Requests without
 * credentials are not counted and not refused by it.
 *
 * @example
 * const auth = await createAuthPlugin(config.auth, { logger, configDir });
 */
export async function createAuthPlugin(
  config: GatewayConfig['auth'],
  dependencies: PluginDependencies & { readonly failedAuth?: FailedAuthGuard },
): Promise<AtriumPlugin> {
  const { logger, failedAuth } = dependencies;
  const hasIssuers = Object.keys(config.jwt.issuers).length > 0;
  const hasApiKeys = Object.keys(config.apiKeys.keys).length > 0;
  const sources: CredentialSources = {
    ...(hasIssuers && { jwt: { header: config.jwt.header, scheme: config.jwt.scheme, ...(config.jwt.cookie && { cookie: config.jwt.cookie }) } }),
    ...(hasApiKeys && { apiKeyHeader: config.apiKeys.header }),
  };
  const verifier: JwtVerifier | undefined = hasIssuers
    ? await createJwtVerifier(config.jwt, { configDir: dependencies.configDir, logger })
    : undefined;
  const lookupApiKey = createApiKeyLookup(config.apiKeys.keys);
  const challenge = (error?: string) => {
    const params = error === undefined ? '' : `, error="invalid_token", error_description="${error.replaceAll('"', "'")}"`;
    const challenges = [
      ...(hasIssuers ? [`${config.jwt.scheme || 'Bearer'} realm="${config.realm}"${params}`] : []),
      ...(hasApiKeys ? [`ApiKey realm="${config.realm}", header="${config.apiKeys.header}"`] : []),
    ];
    return challenges.join(', ');
  };
  /** Refusals of a credential that was presented and checked: what `failedAuth` counts. */
  const refusedCredentials = new WeakSet<AtriumError>();
  const refuse = (message: string, invalid: boolean, counted = invalid) => {
    const error = new AtriumError('UNAUTHENTICATED', message, { headers: { 'www-authenticate': challenge(invalid ? message : undefined) } });
    if (counted) refusedCredentials.add(error);
    return error;
  };

  // The verifier hands back the same payload for a token it already verified, so a client's requests share
  // one (frozen) principal, and what later hooks keep per principal (identity headers) is reused.
  const principals = new WeakMap<JWTPayload, Principal>();
  const principalOf = (claims: JWTPayload): Principal => {
    let principal = principals.get(claims);
    if (principal === undefined) {
      principal = principalFromClaims(claims, config.jwt);
      principals.set(claims, principal);
    }
    return principal;
  };

  const authenticate = async (context: RequestContext): Promise<Principal | undefined> => {
    const credentials = readCredentials(context.http.headers, sources);
    if (credentials.kind !== 'none' && failedAuth) {
      const locked = await failedAuth.admit(context);
      if (locked) throw locked;
    }
    switch (credentials.kind) {
      case 'none':
        if (config.required) throw refuse('this gateway requires credentials: a bearer token or an API key', false);
        return undefined;
      case 'malformed':
        throw refuse(credentials.reason, true);
      case 'apiKey': {
        const principal = lookupApiKey(credentials.key);
        if (!principal) throw refuse('the API key is not valid', true);
        return principal;
      }
      case 'jwt':
        try {
          return principalOf(await verifier!.verify(credentials.token));
        } catch (error) {
          if (error instanceof CredentialError) throw refuse(error.message, true, error.checked);
          throw error;
        }
    }
  };

  return {
    name: 'auth',
    async onRequest({ context, reject }) {
      try {
        context.principal = await authenticate(context);
      } catch (error) {
        if (!(error instanceof AtriumError)) throw error;
        logger.debug({ requestId: context.requestId, reason: error.message }, 'auth: credentials refused');
        // A missing credential is not a guess; a refused one is counted, and may lock the address out.
        const counted = refusedCredentials.has(error) ? await failedAuth?.recordFailure(context) : undefined;
        reject(counted ?? error);
      }
    },
    onSubgraphFetch: identityHeadersHook(config.identityHeaders),
    async close() {
      verifier?.close();
      await failedAuth?.close();
    },
  };
}
