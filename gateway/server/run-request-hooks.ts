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
  return runUntilRejected(plugins, (plugin, reject) => plugin.onRequest?.({ context, operations, reject }));
}

/**
 * Runs the plugins' `onRefusedRequest` hooks for a request the server refused for its body; returns the
 * error to answer with instead of `refusal` when a hook rejected, the same way as {@link runRequestHooks}.
 */
export function runRefusedRequestHooks(plugins: readonly ServerHooks[], context: RequestContext, refusal: AtriumError): Promise<AtriumError | undefined> {
  return runUntilRejected(plugins, (plugin, reject) => plugin.onRefusedRequest?.({ context, refusal, reject }));
}

async function runUntilRejected(
  plugins: readonly ServerHooks[],
  call: (plugin: ServerHooks, reject: (error: AtriumError) => void) => void | Promise<void>,
): Promise<AtriumError | undefined> {
  for (const plugin of plugins) {
    let rejected: AtriumError | undefined;
    try {
      await call(plugin, (error) => {
        rejected ??= error;
      });
    } catch (error) {
      if (error instanceof AtriumError) return error;
      throw error;
    }
    if (rejected) return rejected;
  }
  return undefined;
}
