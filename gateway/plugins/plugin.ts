import type { EngineHooks } from '../engine/hooks.js';
import type { ServerHooks } from '../server/hooks.js';

export type * from '../engine/hooks.js';
export type * from '../http/http-route.js';
export type * from '../server/hooks.js';

/**
 * The whole plugin contract: the server's hooks (`server/hooks.ts`) and the engine's (`engine/hooks.ts`),
 * each defined by the layer that runs it, plus a name and a life cycle. Hooks run in the order plugins are
 * listed; each gets one payload object, changes things only through its setters, and may `reject` with an
 * `AtriumError` (which ends the request with that error's code and HTTP status). Plugins never import each
 * other.
 *
 * Order of one GraphQL request: onRequest (HTTP, before parsing) → parse → onDocument → validate →
 * onOperation → plan → onPlan → execute (onSubgraphFetch around every fetch) → shape → onResponse →
 * onHttpResponse. `onStage` brackets parse, validate, authorize (the onOperation hooks), plan and shape, for timing.
 *
 * @example
 * const requestCounter: AtriumPlugin = {
 *   name: 'request-counter',
 *   onRequest({ context }) { counts.set(context.requestId, Date.now()); },
 * };
 */
export interface AtriumPlugin extends ServerHooks, EngineHooks {
  /** The plugin's config key in gateway.yaml. */
  readonly name: string;
  /**
   * Called on a config reload (SIGHUP): re-read the files the plugin loaded at startup. A rejection is
   * logged and the plugin keeps its current state.
   */
  reload?(): Promise<void>;
  /** Called once when the gateway closes: stop timers, close connections, flush exporters. */
  close?(): Promise<void>;
}
