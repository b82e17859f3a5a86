import { createHash } from 'node:crypto';
import type { QueryPlan } from '@apollo/query-planner';
import { type DocumentNode, print } from 'graphql';
import type { OverrideBand } from './progressive-override.js';

/**
 * The plan cache's key: the document's hash, the operation, and the progressive-override band (so an
 * operation has at most one plan per band; nothing is added when the supergraph has no such override).
 */
export function planCacheKey(documentHash: string, operationName: string | undefined, override: OverrideBand): string {
  const key = `${documentHash}\u0000${operationName ?? ''}`;
  return override.key === '' ? key : `${key}\u0000${override.key}`;
}

/**
 * Plan-cache key of a document a plugin put in place. Plugins that filter per principal hand back the same
 * document object for the same operation and principal facts, so it is printed and hashed once, not per request.
 */
const replacedDocumentHashes = new WeakMap<DocumentNode, string>();
export function replacedDocumentHash(document: DocumentNode): string {
  let hash = replacedDocumentHashes.get(document);
  if (hash === undefined) {
    hash = createHash('sha256').update(print(document)).digest('hex');
    replacedDocumentHashes.set(document, hash);
  }
  return hash;
}

/**
 * Heap bytes a cached plan is estimated to hold: its JSON length times {@link PLAN_BYTES_PER_JSON_CHAR}.
 * Entry counts alone do not bound the cache's memory: a plan grows with its operation (hundreds of fields
 * are within the operation limits), and a thousand distinct large ones would all be kept.
 */
export function estimatePlanBytes(plan: QueryPlan): number {
  try {
    return JSON.stringify(plan).length * PLAN_BYTES_PER_JSON_CHAR;
  } catch {
    return UNMEASURABLE_PLAN_BYTES;
  }
}

/**
 * Heap held per JSON character of a plan, rounded up from the largest ratio `bench/plan-bytes.mjs`
 * measured (BENCHMARKS.md, "Plan cache memory"): an over-estimate keeps the byte bound safe.
 */
const PLAN_BYTES_PER_JSON_CHAR = 8;
/** A plan that cannot be serialised (it never happens with either planner) counts as a large one. */
const UNMEASURABLE_PLAN_BYTES = 1024 * 1024;
