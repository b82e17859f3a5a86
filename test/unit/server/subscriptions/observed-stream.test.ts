import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ObservedStream, type StreamOutcome } from '../../../../gateway/server/subscriptions/observed-stream.js';
import { whenTokenExpires } from '../../../../gateway/server/subscriptions/token-expiry.js';
import type { Principal } from '../../../../gateway/request-context.js';
import { PushStream } from '../../../../gateway/subgraph-client/push-stream.js';

function observed(hooks: ConstructorParameters<typeof ObservedStream>[1] = {}) {
  const inner = new PushStream<ExecutionResult>();
  const outcomes: StreamOutcome[] = [];
  const stream = new ObservedStream(inner, { ...hooks, onEnd: (outcome) => outcomes.push(outcome) });
  return { inner, stream, outcomes };
}

describe('ObservedStream', () => {
  it('terminate() ends a read that waits for an event with the error, and closes the inner stream', async () => {
    const { inner, stream, outcomes } = observed();
    const pending = stream.next();
    stream.terminate(new Error('token expired'));
    await expect(pending).rejects.toThrow('token expired');
    expect(inner.done).toBe(true);
    expect(outcomes).toEqual([{ error: new Error('token expired') }]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('turns the terminating error into a last event with onError', async () => {
    const { stream } = observed({ onError: (error) => ({ errors: [{ message: (error as Error).message }] as never }) });
    stream.terminate(new Error('supergraph changed'));
    expect(await stream.next()).toEqual({ value: { errors: [{ message: 'supergraph changed' }] }, done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends the stream when map throws (an event too large), and closes the inner stream', async () => {
    const { inner, stream, outcomes } = observed({
      map: () => {
        throw new Error('too large');
      },
    });
    inner.push({ data: { big: 'x' } });
    await expect(stream.next()).rejects.toThrow('too large');
    expect(inner.done).toBe(true);
    expect(outcomes).toHaveLength(1);
  });

  it('reports a client that left as returned', async () => {
    const { stream, outcomes } = observed();
    await stream.return();
    stream.terminate(new Error('ignored once ended'));
    expect(outcomes).toEqual([{ returned: true }]);
  });
});

describe('whenTokenExpires', () => {
  const withExp = (exp: unknown): Principal => ({ clientId: undefined, subject: '42', scopes: [], claims: { exp } });

  it('calls back at once with TOKEN_EXPIRED for a token already expired', () => {
    const errors: string[] = [];
    whenTokenExpires(withExp(Math.floor(Date.now() / 1000) - 5), (error) => errors.push(error.code));
    expect(errors).toEqual(['TOKEN_EXPIRED']);
  });

  it('never calls back without an exp claim, and not after cancel', async () => {
    const errors: string[] = [];
    whenTokenExpires(withExp(undefined), (error) => errors.push(error.code));
    whenTokenExpires(undefined, (error) => errors.push(error.code));
    const cancel = whenTokenExpires(withExp(Date.now() / 1000 + 0.02), (error) => errors.push(error.code));
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(errors).toEqual([]);
  });
});
