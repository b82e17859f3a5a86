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

  it('delivering itself, sends the queued and then each mapped event at once, and reports the end to onEnd only', async () => {
    const sent: unknown[] = [];
    const { inner, stream, outcomes } = observed({ map: (event) => ({ data: { mapped: event.data } }), deliver: (event) => sent.push(event) });
    inner.push({ data: { n: 1 } });
    expect(sent).toEqual([]);
    expect(stream.deliverItself()).toBe(true);
    expect(stream.deliverItself()).toBe(false);
    inner.push({ data: { n: 2 } });
    expect(sent).toEqual([{ data: { mapped: { n: 1 } } }, { data: { mapped: { n: 2 } } }]);
    expect(outcomes).toEqual([]);
    inner.end();
    expect(outcomes).toEqual([{}]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('delivering itself, reports an upstream failure, and one that came before the deliveries started', () => {
    const { inner, stream, outcomes } = observed({ deliver: () => {} });
    stream.deliverItself();
    inner.end(new Error('upstream gone'));
    expect(outcomes).toEqual([{ error: new Error('upstream gone') }]);

    const early = observed({ deliver: () => {} });
    early.inner.push({ data: { n: 1 } });
    early.inner.end(new Error('gone before'));
    const sent: unknown[] = [];
    const late = new ObservedStream(early.inner, { deliver: (event) => sent.push(event), onEnd: (outcome) => early.outcomes.push(outcome) });
    expect(late.deliverItself()).toBe(true);
    expect(sent).toEqual([{ data: { n: 1 } }]);
    expect(early.outcomes).toEqual([{ error: new Error('gone before') }]);
  });

  it('delivering itself, ends with the error when map, the send or terminate() ends it, and closes the inner stream', () => {
    const { inner, stream, outcomes } = observed({
      map: () => {
        throw new Error('too large');
      },
      deliver: () => {},
    });
    stream.deliverItself();
    inner.push({ data: { big: 'x' } });
    expect(inner.done).toBe(true);
    expect(outcomes).toEqual([{ error: new Error('too large') }]);

    const failing = observed({
      deliver: () => {
        throw new Error('socket gone');
      },
    });
    failing.stream.deliverItself();
    failing.inner.push({ data: {} });
    failing.inner.push({ data: {} });
    expect(failing.outcomes).toEqual([{ error: new Error('socket gone') }]);

    const expiring = observed({ deliver: () => {} });
    expiring.stream.deliverItself();
    expiring.stream.terminate(new Error('token expired'));
    expect(expiring.inner.done).toBe(true);
    expect(expiring.outcomes).toEqual([{ error: new Error('token expired') }]);
  });

  it('does not deliver itself when the inner stream cannot; it is read through next()', async () => {
    const sent: unknown[] = [];
    async function* events(): AsyncGenerator<ExecutionResult, undefined, undefined> {
      yield { data: { n: 1 } };
      return undefined;
    }
    const stream = new ObservedStream(events(), { deliver: (event) => sent.push(event) });
    expect(stream.deliverItself()).toBe(false);
    expect(await stream.next()).toEqual({ value: { data: { n: 1 } }, done: false });
    expect(sent).toEqual([]);
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
