import { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { ServerHooks } from './hooks.js';

/**
 * Runs the plugins' `onRequest` hooks in order, for a request carrying `operations` GraphQL operations
 * (a batch's length). Returns the first rejection (the request ends with it); later hooks do not run. A
 * hook that throws an `AtriumError` rejects the same way; any other throw is a bug and propagates (the
 * server answers 500 and logs it).
 */
export function runRequestHooks(plugins: readonly ServerHooks[], context: RequestContext, operations = 1): Promise<AtriumError | undefined> {
  return runUntilRejected(plugins, 'onRequest', (reject) => ({ context, operations, reject }));
}

/**
 * Runs the plugins' `onRefusedRequest` hooks for a request the server refused for its body; returns the
 * error to answer with instead of `refusal` when a hook rejected, the same way as {@link runRequestHooks}.
 */
export function runRefusedRequestHooks(plugins: readonly ServerHooks[], context: RequestContext, refusal: AtriumError): Promise<AtriumError | undefined> {
  return runUntilRejected(plugins, 'onRefusedRequest', (reject) => ({ context, refusal, reject }));
}

type RejectingHook = 'onRequest' | 'onRefusedRequest';

/**
 * One payload for all the hooks (made on the first plugin that has the hook), and a hook that answered
 * synchronously is not awaited: per request, no closure or microtask per plugin.
 */
async function runUntilRejected<H extends RejectingHook>(
  plugins: readonly ServerHooks[],
  hook: H,
  payloadOf: (reject: (error: AtriumError) => void) => Parameters<NonNullable<ServerHooks[H]>>[0],
): Promise<AtriumError | undefined> {
  let rejected: AtriumError | undefined;
  let payload: Parameters<NonNullable<ServerHooks[H]>>[0] | undefined;
  for (const plugin of plugins) {
    const run = plugin[hook] as ((payload: Parameters<NonNullable<ServerHooks[H]>>[0]) => void | Promise<void>) | undefined;
    if (run === undefined) continue;
    payload ??= payloadOf((error) => {
      rejected ??= error;
    });
    try {
      const pending = run.call(plugin, payload);
      if (pending) await pending;
    } catch (error) {
      if (error instanceof AtriumError) return error;
      throw error;
    }
    if (rejected) return rejected;
  }
  return undefined;
}
