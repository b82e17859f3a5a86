import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';

/** What node:https needs to terminate TLS. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly passphrase?: string;
}

/**
 * Reads `server.tls.cert` and `server.tls.key` (paths relative to `configDir`). A file that cannot be read
 * throws an Error naming the key and the path, so startup stops with one clear line.
 *
 * @example
 * const tls = loadTls(config.server.tls, dirname(configPath));
 */
export function loadTls(tls: NonNullable<GatewayConfig['server']['tls']>, configDir: string): TlsFiles {
  const read = (key: 'cert' | 'key') => {
    const path = resolve(configDir, tls[key]);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`server.tls.${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  };
  return { cert: read('cert'), key: read('key'), ...(tls.passphrase !== undefined && { passphrase: tls.passphrase }) };
}
