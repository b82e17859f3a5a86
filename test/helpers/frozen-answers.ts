import type { AtriumPlugin } from '../../gateway/plugins/plugin.js';

/**
 * A plugin that deep-freezes every subgraph answer before the executor gets it: an executor that writes
 * into an answer (which may be one parse shared by several operations, subgraph-client/shared-answers.ts)
 * then throws in strict-mode code, and the operation's answer shows it. Its done-hook is not marked
 * read-only, so a shared answer reaches it as a private parse and other operations see theirs unfrozen.
 */
export function frozenAnswersPlugin(): AtriumPlugin {
  return {
    name: 'frozen-answers',
    onSubgraphFetch: () => ({ response }) => {
      if (response) deepFreeze(response.body);
    },
  };
}

/** Freezes `value` and everything in it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
