import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../../logger.js';

/** No key set was ever fetched: the token cannot be checked, which says nothing about the token. */
export class KeySetUnavailable extends errors.JWKSNoMatchingKey {}

/** Largest JWKS document accepted; real key sets are a few kilobytes. */
const MAX_JWKS_BYTES = 1024 * 1024;

/** Options of {@link RemoteKeySet}. */
export interface RemoteKeySetOptions {
  readonly url: string;
  /** The issuer (`iss`) the set belongs to, named in its log lines. */
  readonly issuer?: string;
  /** Background refetch period in ms. */
  readonly refreshMs: number;
  /** Least ms between two refetches triggered by an unknown `kid`. */
  readonly cooldownMs: number;
  /** Timeout of one fetch in ms. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * A JSON Web Key Set fetched from a URL and kept in memory. It is fetched once at `start`, refetched in
 * the background every `refreshMs` (so keys the issuer removed stop verifying), and refetched on demand
 * when a token names a key id the set lacks — at most once per `cooldownMs`, so forged key ids cannot turn
 * into a flood of requests to the identity provider. Concurrent refetches share one request. When a fetch
 * fails the last good set stays in use.
 *
 * @example
 * const keys = new RemoteKeySet({ url, refreshMs: 600_000, cooldownMs: 30_000, timeoutMs: 5_000, logger });
 * await keys.start();
 * await jwtVerify(token, keys.getKey, { algorithms: ['RS256'] });
 */
export class RemoteKeySet {
  private keys: JWTVerifyGetKey | undefined;
  /** Counts the key sets fetched: a token verified under an older one must be verified again (its key may be gone). */
  generation = 0;
  private lastFetchStart = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly closed = new AbortController();

  constructor(private readonly options: RemoteKeySetOptions) {}

  /** Fetches the set (a failure is logged; verification then fails until a fetch succeeds) and starts the refresh timer. */
  async start(): Promise<void> {
    await this.refetch('startup');
    this.timer = setInterval(() => void this.refetch('refresh'), Math.max(1, this.options.refreshMs));
    this.timer.unref();
  }

  /** The key lookup `jwtVerify` takes; refetches once on an unknown key id when the cooldown allows. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.keys === undefined && this.mayRefetch()) await this.refetch('no keys yet');
    if (this.keys === undefined) throw new KeySetUnavailable('the key set is not available');
    try {
      return await this.keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayRefetch()) throw error;
      await this.refetch('unknown key id');
      return this.keys(header, token);
    }
  };

  close(): void {
    clearInterval(this.timer);
    this.closed.abort();
  }

  private mayRefetch(): boolean {
    return performance.now() - this.lastFetchStart >= this.options.cooldownMs;
  }

  private refetch(reason: string): Promise<void> {
    this.inFlight ??= this.fetchKeys(reason).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(reason: string): Promise<void> {
    const { url, issuer, timeoutMs, logger } = this.options;
    this.lastFetchStart = performance.now();
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.any([this.closed.signal, AbortSignal.timeout(timeoutMs)]),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      if (text.length > MAX_JWKS_BYTES) throw new Error(`the key set is larger than ${MAX_JWKS_BYTES} bytes`);
      this.keys = createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
      this.generation++;
      logger.debug({ url, reason }, 'auth: key set fetched');
    } catch (error) {
      if (this.closed.signal.aborted) return;
      // One line: the reason, not the error object (pino would print its stack, which says nothing here).
      logger.warn({ url, issuer, reason, error: describeFetchError(error) }, 'auth: could not fetch the key set; keeping the last one');
    }
  }
}

/**
 * A failed fetch in one line: its message and, for a network error, its cause (fetch says only "fetch failed").
 *
 * @example describeFetchError(error); // 'fetch failed: connect ECONNREFUSED 127.0.0.1:9'
 */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== error.message ? `${error.message}: ${cause}` : error.message;
}
