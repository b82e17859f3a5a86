import type { AtriumPlugin } from './plugin.js';

/** The built-in plugins by their `name` (their gateway.yaml key), in the order `buildPlugins` lists them. */
export const BUILT_IN_PLUGINS = [
  'observability',
  'auth',
  'authorization',
  'persistedDocuments',
  'limits',
  'introspection',
  'responseCache',
  'rateLimit',
  'cost',
] as const;

export type BuiltInPluginName = (typeof BUILT_IN_PLUGINS)[number];

/**
 * The plugin list a gateway runs: the built-ins gateway.yaml turns on, minus the ones named in `without`,
 * then the embedder's own plugins in the order given. Custom plugins are added, never substituted: their
 * hooks run after authentication, authorization and the limits, so passing a plugin cannot switch the
 * configured protections off. Removing a built-in takes naming it (`'all'` removes every one, for tests
 * that assemble their own list).
 *
 * @example
 * composePlugins(await buildPlugins(config, deps), [myPlugin], ['responseCache']);
 */
export function composePlugins(
  builtIns: readonly AtriumPlugin[],
  custom: readonly AtriumPlugin[],
  without: readonly BuiltInPluginName[] | 'all' = [],
): AtriumPlugin[] {
  if (without === 'all') return [...custom];
  checkBuiltInPluginNames(without);
  const removed = new Set<string>(without);
  return [...builtIns.filter((plugin) => !removed.has(plugin.name)), ...custom];
}

/** Throws when an opt-out names no built-in plugin: a typo must neither keep nor drop a protection silently. */
export function checkBuiltInPluginNames(without: readonly string[] | 'all' = []): void {
  if (without === 'all') return;
  for (const name of without) {
    if (!(BUILT_IN_PLUGINS as readonly string[]).includes(name)) {
      throw new TypeError(`withoutBuiltInPlugins: "${name}" is not a built-in plugin (one of ${BUILT_IN_PLUGINS.join(', ')})`);
    }
  }
}
