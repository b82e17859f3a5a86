import { expect } from 'vitest';
import { AtriumError } from '../../gateway/errors.js';

/**
 * Waits for `promise` to reject, asserts the reason is an AtriumError and returns it for checks of its
 * code and message; fails the test if the promise resolves.
 *
 * @example expect((await expectAtriumError(client.fetch(request, options))).code).toBe('SUBGRAPH_TIMEOUT');
 */
export async function expectAtriumError(promise: Promise<unknown>): Promise<AtriumError> {
  const error = await promise.then(
    () => {
      throw new Error('expected an AtriumError, but the promise resolved');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AtriumError);
  return error as AtriumError;
}
