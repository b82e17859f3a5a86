import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** A trusted-documents manifest: documents by id, and the SHA-256 of every document text. */
export interface TrustedDocuments {
  readonly byId: ReadonlyMap<string, string>;
  /** Hex SHA-256 of each document's text: a full query whose text is in the manifest is trusted too. */
  readonly textHashes: ReadonlySet<string>;
}

/**
 * Reads a manifest file: Apollo's persisted query manifest
 * (`{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "body", ... }] }`)
 * or a plain JSON object of id -> document text (what Relay and GraphQL Code Generator emit). Throws an
 * Error naming the file and what is wrong with it.
 *
 * @example
 * const trusted = await readManifest('/etc/atrium/trusted-documents.json');
 * trusted.byId.get('ab12...'); // 'query Top { topProducts { name } }'
 */
export async function readManifest(path: string): Promise<TrustedDocuments> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`persistedDocuments.manifest: cannot read ${path}: ${reason}`, { cause: error });
  }
  const entries = manifestEntries(parsed);
  if (typeof entries === 'string') throw new Error(`persistedDocuments.manifest: ${path}: ${entries}`);
  const byId = new Map<string, string>();
  const textHashes = new Set<string>();
  for (const [id, body] of entries) {
    byId.set(id, body);
    textHashes.add(createHash('sha256').update(body).digest('hex'));
  }
  return { byId, textHashes };
}

/** The manifest's [id, body] pairs, or what is wrong with it. */
function manifestEntries(parsed: unknown): [string, string][] | string {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'expected a JSON object (Apollo persisted query manifest, or id -> document)';
  }
  const record = parsed as Record<string, unknown>;
  if (record.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(record.operations)) return 'operations: expected an array';
    const entries: [string, string][] = [];
    for (const [index, operation] of record.operations.entries()) {
      const { id, body } = (operation ?? {}) as Record<string, unknown>;
      if (typeof id !== 'string' || id === '' || typeof body !== 'string' || body === '') {
        return `operations[${index}]: expected { "id": string, "body": string }`;
      }
      entries.push([id, body]);
    }
    return entries;
  }
  const entries: [string, string][] = [];
  for (const [id, body] of Object.entries(record)) {
    if (typeof body !== 'string' || body === '') return `${JSON.stringify(id)}: expected a document string`;
    entries.push([id, body]);
  }
  return entries;
}
