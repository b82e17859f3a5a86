import { isObject, type JsonObject } from './json-merge.js';

/** The keys one plan run wrote over one object or list of a subgraph answer (no `Object.prototype`: any key is data). */
type Patch = Record<string | number, unknown>;

/**
 * Makes patches: objects whose prototype chain is one empty null-prototype object, so that, as with
 * `Object.create(null)`, no key (`toString`, `__proto__`) finds anything inherited. Unlike
 * `Object.create(null)`, which V8 makes a hash-table (dictionary) object, these are ordinary fast objects:
 * a run writes hundreds of patches, most with the same few keys in the same order, so they share hidden
 * classes, take less memory and read through inline caches.
 */
const PatchObject = function PatchObject(this: Patch) {} as unknown as new () => Patch;
PatchObject.prototype = Object.create(null) as object;

/**
 * What one plan run merged into the subgraph answers it received, kept beside them instead of written into
 * them: a subgraph answer may be one parse shared by every operation that waited for the same deduplicated
 * request (subgraph-client/undici-transport.ts), so no run may change it.
 *
 * `merge` has {@link deepMerge}'s semantics — objects key by key, lists of equal length element by element,
 * anything else replaced — but each write goes into a patch of the written object, keyed by its identity
 * (the same identity an in-place write would have changed). Whoever reads the merged tree (target
 * collection, representations, context arguments, shaping) reads through {@link fieldOf}, which sees the
 * patch first. The run's own root object takes writes directly: nobody else holds it.
 *
 * @example
 * const overlay = new AnswerOverlay(data);
 * overlay.merge(data, rootAnswer.data);
 * overlay.merge(product, entityAnswer); // product (part of rootAnswer) stays as parsed
 * fieldOf(overlay, product, 'price'); // the entity answer's price
 */
export class AnswerOverlay {
  readonly #patches = new Map<object, Patch>();

  constructor(private readonly owned: JsonObject) {}

  /** The keys written over `object` in this run, or `undefined` when there are none. */
  patchOf(object: object): Patch | undefined {
    return this.#patches.get(object);
  }

  /** Merges `source` into `target` as seen through this overlay, writing into patches only. */
  merge(target: JsonObject, source: JsonObject): void {
    const sourcePatch = this.#patches.get(source);
    for (const key in source) {
      const value = sourcePatch === undefined ? source[key] : patched(sourcePatch, source, key);
      if (value !== undefined) this.#mergeKey(target, key, value);
    }
    // A source that was itself merged into earlier in this run (one answer reached twice): its added keys too.
    if (sourcePatch !== undefined) {
      for (const key in sourcePatch) if (!Object.hasOwn(source, key)) this.#mergeKey(target, key, sourcePatch[key]);
    }
  }

  #mergeKey(target: JsonObject, key: string, value: unknown): void {
    const existing = fieldOf(this, target, key);
    if (isObject(existing) && isObject(value)) {
      this.merge(existing, value);
    } else if (Array.isArray(existing) && Array.isArray(value) && existing.length === value.length) {
      for (let i = 0; i < value.length; i++) {
        const item = fieldOf(this, value, i);
        const current = fieldOf(this, existing, i);
        if (isObject(current) && isObject(item)) this.merge(current, item);
        else this.#set(existing, i, item);
      }
    } else {
      this.#set(target, key, value);
    }
  }

  #set(object: JsonObject | unknown[], key: string | number, value: unknown): void {
    if (object === this.owned) {
      this.owned[key] = value;
      return;
    }
    let patch = this.#patches.get(object);
    if (patch === undefined) this.#patches.set(object, (patch = new PatchObject()));
    patch[key] = value;
  }
}

/** `object[key]` as the run sees it: the patch's value when the run wrote one (patches hold no `undefined`). */
function patched(patch: Patch, object: JsonObject | readonly unknown[], key: string | number): unknown {
  const value = patch[key];
  return value === undefined ? (object as Patch)[key] : value;
}

/**
 * A field of an object (or an element of a list) of the merged response as `overlay`'s run sees it; the
 * plain value without an overlay.
 */
export function fieldOf(overlay: AnswerOverlay | undefined, object: JsonObject | readonly unknown[], key: string | number): unknown {
  if (overlay !== undefined) {
    const patch = overlay.patchOf(object);
    if (patch !== undefined) return patched(patch, object, key);
  }
  return (object as Patch)[key];
}

/** `fieldOf` with the object's patch already looked up (`overlay.patchOf(object)`), for a reader of many fields. */
export function fieldIn(patch: Patch | undefined, object: JsonObject | readonly unknown[], key: string | number): unknown {
  return patch === undefined ? (object as Patch)[key] : patched(patch, object, key);
}

/**
 * A deep copy of a JSON value: what a run may rewrite (`applyRewrites`) without touching a shared answer.
 * Through JSON, so that a `__proto__` key stays a plain key as in the parsed answer.
 */
export function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
