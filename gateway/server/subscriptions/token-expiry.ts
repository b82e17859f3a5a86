import { AtriumError } from '../../errors.js';
import type { Principal } from '../../request-context.js';

/** setTimeout's longest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** When the principal's token expires (its `exp` claim, in ms since the epoch); `undefined` without one. */
export function tokenExpiresAt(principal: Principal | undefined): number | undefined {
  const exp = principal?.claims.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/** The cancel function of a principal without `exp`: one for all, not a closure per idle subscription. */
export const NOTHING_TO_CANCEL = (): void => {};

/**
 * Calls `onExpiry` with a TOKEN_EXPIRED error when the principal's token expires (at once if it has
 * already); nothing for a principal without `exp` (API keys, anonymous). Returns the cancel function.
 *
 * @example
 * const cancel = whenTokenExpires(context.principal, (error) => stream.terminate(error));
 */
export function whenTokenExpires(principal: Principal | undefined, onExpiry: (error: AtriumError) => void): () => void {
  const expiresAt = tokenExpiresAt(principal);
  if (expiresAt === undefined) return NOTHING_TO_CANCEL;
  let timer: NodeJS.Timeout | undefined;
  const wait = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      timer = undefined;
      onExpiry(new AtriumError('TOKEN_EXPIRED', `the token expired at ${new Date(expiresAt).toISOString()}; subscribe again with a fresh token`));
      return;
    }
    timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  wait();
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}
