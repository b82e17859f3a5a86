import { ADMIN_TOKEN_VARIABLE, adminTokenFromEnvironment } from '../config/admin-token.js';
import { UsageError } from './command.js';

/** Default address of a gateway's admin API (`admin.host`/`admin.port` defaults). */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:4100';

/** Flags every command that talks to the admin API takes. */
export const ADMIN_FLAGS = {
  'admin-url': { type: 'string' },
  token: { type: 'string' },
} as const;

/**
 * The help lines of {@link ADMIN_FLAGS}, their descriptions starting at `column` (counted from 0) so they line
 * up with the other flags of the command's help.
 */
export function adminFlagsUsage(column = 25): string {
  return [
    ['--admin-url <url>', `the gateway's admin API (default ${DEFAULT_ADMIN_URL})`],
    ['--token <token>', `the admin token (default: $${ADMIN_TOKEN_VARIABLE})`],
  ]
    .map(([flag, text]) => `  ${flag!}`.padEnd(column) + text!)
    .join('\n');
}

/** {@link adminFlagsUsage} at the column of publish's and subgraphs' help. */
export const ADMIN_FLAGS_USAGE = adminFlagsUsage();

/** One admin API answer: HTTP status and parsed JSON body. */
export interface AdminAnswer {
  readonly status: number;
  readonly body: any;
}

/**
 * Calls the admin API of a running gateway with the bearer token; throws a one-line error when the gateway
 * cannot be reached or does not answer JSON, and a {@link UsageError} when no token is given.
 *
 * @example
 * const call = adminClient({ 'admin-url': 'http://127.0.0.1:4100', token });
 * const { status, body } = await call('GET', '/subgraphs');
 */
export function adminClient(flags: { 'admin-url'?: string; token?: string }): (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<AdminAnswer> {
  const base = (flags['admin-url'] ?? DEFAULT_ADMIN_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(base)) throw new UsageError(`--admin-url expects an http:// or https:// URL, got "${base}"`, { hint: true });
  const token = flags.token ?? adminTokenFromEnvironment();
  if (token === undefined) throw new UsageError(`no admin token: pass --token or set ${ADMIN_TOKEN_VARIABLE}`, { hint: true });
  return async (method, path, body) => {
    let status: number;
    let text: string;
    try {
      // Loaded here, not at the top: every command module is loaded with the CLI, `serve` included.
      const { request } = await import('undici');
      const response = await request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
        reset: true,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw new Error(`cannot reach the admin API at ${base}: ${(error as Error).message}`);
    }
    try {
      return { status, body: JSON.parse(text) };
    } catch {
      throw new Error(`the admin API at ${base} answered HTTP ${status} with a body that is not JSON`);
    }
  };
}

/** The `detail` of a problem+json answer, or the status. */
export function problemOf(answer: AdminAnswer): string {
  return typeof answer.body?.detail === 'string' ? `${answer.body.detail} (HTTP ${answer.status})` : `HTTP ${answer.status}`;
}
