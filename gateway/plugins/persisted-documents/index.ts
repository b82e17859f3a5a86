import { resolve } from 'node:path';
import type { GatewayConfig } from '../../config/schema.js';
import { AtriumError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { AtriumPlugin } from '../plugin.js';
import { type ApqStore, createApqStore } from './apq-store.js';
import { readManifest, type TrustedDocuments } from './read-manifest.js';

/** The persisted-documents plugin, with a manifest reload for SIGHUP / config reloads. */
export interface PersistedDocumentsPlugin extends AtriumPlugin {
  /**
   * Reads the manifest file again and swaps it in atomically. On failure the current manifest stays
   * and the error is thrown (the caller logs it).
   */
  reload(): Promise<void>;
  /** How many documents the manifest holds. */
  manifestSize(): number;
}

const EMPTY: TrustedDocuments = { byId: new Map(), textHashes: new Set() };

/**
 * Trusted documents and automatic persisted queries (`persistedDocuments` in gateway.yaml).
 * Hash-only requests resolve from the manifest first, then (APQ on, `onlyTrusted` off) from the APQ store.
 * With `onlyTrusted`, an operation passes only when its id or its text's SHA-256 is in the manifest, or
 * when the request is marked trusted (`context.trusted`, set for REST routes); APQ registrations are then
 * refused too, since they would let any client add documents.
 *
 * @example
 * const plugin = await createPersistedDocumentsPlugin(config.persistedDocuments, { logger, configDir });
 * await plugin.reload();
 */
export async function createPersistedDocumentsPlugin(
  config: GatewayConfig['persistedDocuments'],
  dependencies: { logger: Logger; configDir: string },
): Promise<PersistedDocumentsPlugin> {
  const manifestPath = config.manifest === undefined ? undefined : resolve(dependencies.configDir, config.manifest);
  let trusted = manifestPath === undefined ? EMPTY : await readManifest(manifestPath);
  const apqOpen = config.apq.enabled && !config.onlyTrusted;
  const apq: ApqStore | undefined = apqOpen ? await createApqStore(config.apq, dependencies.logger) : undefined;
  const servesPersisted = apq !== undefined || manifestPath !== undefined;

  return {
    name: 'persistedDocuments',
    ...(servesPersisted && {
      persistedQueries: {
        async get(id) {
          return trusted.byId.get(id) ?? (await apq?.get(id));
        },
        async register(id, query) {
          if (!trusted.byId.has(id)) await apq?.set(id, query);
        },
      },
    }),
    onDocument({ context, queryHash, reject }) {
      if (!config.onlyTrusted || context.trusted) return;
      if (trusted.byId.has(queryHash) || trusted.textHashes.has(queryHash)) return;
      reject(
        new AtriumError('PERSISTED_QUERY_NOT_IN_LIST', 'only trusted documents are allowed on this gateway, and this operation is not in the manifest', {
          extensions: { persistedQueryId: queryHash },
        }),
      );
    },
    async reload() {
      if (manifestPath === undefined) return;
      const next = await readManifest(manifestPath);
      trusted = next;
      dependencies.logger.info({ documents: next.byId.size }, 'persistedDocuments: manifest reloaded');
    },
    manifestSize: () => trusted.byId.size,
    async close() {
      await apq?.close();
    },
  };
}
