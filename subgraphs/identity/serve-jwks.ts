import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findRepoRoot } from '../shared/repo-root.js';

/** The demo identity provider's port under `npm start`; gateway.yaml's `auth.jwt.issuers.demo.jwksUrl` points here. */
export const DEMO_JWKS_PORT = 4010;

/** Where the demo's private signing key lives (relative to the repository root); `atrium dev-token` signs with it. */
export const DEMO_SIGNING_KEY_FILE = 'subgraphs/identity/dev-signing-key.json';

/** Fields of a JWK that belong to the private key and must never be published. */
const PRIVATE_JWK_FIELDS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/** A running JWKS endpoint. `setKeys` replaces what it publishes (key rotation in tests). */
export interface RunningJwks {
  /** `http://<host>:<port>/.well-known/jwks.json` */
  readonly url: string;
  /** How many times the key set was fetched. */
  readonly fetches: () => number;
  setKeys(keys: readonly Record<string, unknown>[]): void;
  close(): Promise<void>;
}

/**
 * The public half of a JWK: what a JWKS may publish.
 *
 * @example publicJwk({ kty: 'RSA', n, e, d, p, q, kid }) // { kty: 'RSA', n, e, kid }
 */
export function publicJwk(jwk: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_JWK_FIELDS.has(name)));
}

/** The public JWK of the demo signing key. */
export function demoPublicJwk(): Record<string, unknown> {
  return publicJwk(JSON.parse(readFileSync(join(findRepoRoot(), DEMO_SIGNING_KEY_FILE), 'utf8')) as Record<string, unknown>);
}

/**
 * Serves a JSON Web Key Set at `/.well-known/jwks.json`: the demo identity provider (`npm start`) and the
 * JWKS server of the authentication tests. Private key fields are stripped from whatever it is given.
 *
 * @example
 * const jwks = await serveJwks([demoPublicJwk()], { port: 0 });
 */
export async function serveJwks(
  keys: readonly Record<string, unknown>[],
  options: { port?: number; host?: string } = {},
): Promise<RunningJwks> {
  let body = '';
  let fetches = 0;
  const setKeys = (next: readonly Record<string, unknown>[]) => {
    body = JSON.stringify({ keys: next.map(publicJwk) });
  };
  setKeys(keys);
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the key set is at /.well-known/jwks.json');
      return;
    }
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/.well-known/jwks.json`,
    fetches: () => fetches,
    setKeys,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
