import type { RequestContext } from '../request-context.js';
import type { EngineHooks, Stage, StageEndHook } from './hooks.js';

/** Announces that `stage` begins for a request; returns what to call when it ends, if anyone listens. */
export type BeginStage = (context: RequestContext, stage: Stage) => StageEndHook | undefined;

/**
 * The `onStage` hooks as one function, or `undefined` when none is given, so callers skip
 * stage timing entirely (`beginStage?.(context, 'plan')`). End hooks run in reverse plugin order.
 *
 * @example
 * const beginStage = stageHooksOf(hooks);
 * const end = beginStage?.(context, 'plan');
 * const plan = planner.plan(input);
 * end?.({ attributes: { cacheHit: false } });
 */
export function stageHooksOf(hooks: readonly EngineHooks[]): BeginStage | undefined {
  const listeners = hooks.filter((p) => p.onStage);
  if (listeners.length === 0) return undefined;
  return (context, stage) => {
    let ends: StageEndHook[] | undefined;
    for (const hook of listeners) {
      const end = hook.onStage!({ context, stage });
      if (typeof end === 'function') (ends ??= []).push(end);
    }
    if (ends === undefined) return undefined;
    if (ends.length === 1) return ends[0];
    const all = ends;
    return (outcome) => {
      for (let i = all.length - 1; i >= 0; i--) all[i]!(outcome);
    };
  };
}
