import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../../config/schema.js';
import type { Principal } from '../../request-context.js';

/**
 * The form gateway.yaml stores an API key in: `sha256:` and the hex SHA-256 of the key. Keys are long
 * random strings, so a fast unsalted hash is enough to keep them out of the file (`atrium hash-api-key`).
 *
 * @example
 * hashApiKey('s3cr3t-key'); // 'sha256:5c8c…'
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * Looks a presented API key up by its hash; returns the principal it maps to, or `undefined` for an
 * unknown key. The map is keyed by hash, so no comparison ever touches the secret itself.
 *
 * @example
 * const lookup = createApiKeyLookup(config.auth.apiKeys.keys);
 * lookup(request.headers['x-api-key']); // { clientId: 'ci-bot', scopes: [...], ... } or undefined
 */
export function createApiKeyLookup(
  keys: GatewayConfig['auth']['apiKeys']['keys'],
): (presented: string) => Principal | undefined {
  const byHash = new Map<string, Principal>();
  for (const [name, entry] of Object.entries(keys)) {
    const clientId = entry.clientId ?? name;
    byHash.set(entry.hash, {
      clientId,
      subject: typeof entry.claims.sub === 'string' ? entry.claims.sub : undefined,
      scopes: [...entry.scopes],
      claims: Object.freeze({ ...entry.claims, client_id: clientId }),
    });
  }
  return (presented) => byHash.get(hashApiKey(presented));
}
