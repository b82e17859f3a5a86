import { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { ServerHooks } from './hooks.js';

/**
 * Runs the plugins' `onRequest` hooks in order. Returns the first rejection (the request ends with it);
 * later hooks do not run. A hook that throws an `AtriumError` rejects the same way; any other throw is a
 * bug and propagates (the server answers 500 and logs it).
 */
export async function runRequestHooks(
  plugins: readonly ServerHooks[],
  context: RequestContext,
): Promise<AtriumError | undefined> {
  for (const plugin of plugins) {
    if (!plugin.onRequest) continue;
    let rejected: AtriumError | undefined;
    try {
      await plugin.onRequest({
        context,
        reject(error) {
          rejected ??= error;
        },
      });
    } catch (error) {
      if (error instanceof AtriumError) return error;
      throw error;
    }
    if (rejected) return rejected;
  }
  return undefined;
}
