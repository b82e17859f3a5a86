import { describe, expect, it } from 'vitest';
import { PushStream } from '../../../gateway/subgraph-client/push-stream.js';

describe('PushStream.deliverTo', () => {
  it('hands the queued values first, then each pushed value at once, in order', () => {
    const stream = new PushStream<number>();
    stream.push(1);
    stream.push(2);
    const received: number[] = [];
    stream.deliverTo({ receive: (value) => void received.push(value) });
    expect(received).toEqual([1, 2]);
    stream.push(3);
    expect(received).toEqual([1, 2, 3]);
  });

  it('leaves next() waiting for the end, which it then reports (done, or the error)', async () => {
    const done = new PushStream<number>();
    done.deliverTo({ receive: () => {} });
    const pending = done.next();
    done.push(1);
    done.end();
    expect(await pending).toEqual({ value: undefined, done: true });

    const failed = new PushStream<number>();
    failed.deliverTo({ receive: () => {} });
    const failing = failed.next();
    failed.end(new Error('upstream gone'));
    await expect(failing).rejects.toThrow('upstream gone');
  });

  it('stops handing values once the consumer returns, also from inside the receiver', async () => {
    let returned = 0;
    const stream = new PushStream<number>({ onReturn: () => returned++ });
    stream.push(1);
    stream.push(2);
    const received: number[] = [];
    stream.deliverTo({
      receive: (value) => {
        received.push(value);
        void stream.return();
      },
    });
    stream.push(3);
    expect(received).toEqual([1]);
    expect(returned).toBe(1);
  });

  it('hands over what was queued before the producer ended, and nothing after', () => {
    const stream = new PushStream<number>();
    stream.push(1);
    stream.end();
    const received: number[] = [];
    stream.deliverTo({ receive: (value) => void received.push(value) });
    stream.push(2);
    expect(received).toEqual([1]);
  });

  it('tells the receiver of the end: the error the producer ended with, a return, or an end that came before it', () => {
    const ends: unknown[] = [];
    const receiver = { receive: () => {}, finish: (error: unknown) => void ends.push(error ?? 'done') };
    const failing = new PushStream<number>();
    failing.deliverTo(receiver);
    failing.end(new Error('upstream gone'));
    const returned = new PushStream<number>();
    returned.deliverTo(receiver);
    void returned.return();
    const early = new PushStream<number>();
    early.end(new Error('before'));
    early.deliverTo(receiver);
    expect(ends).toEqual([new Error('upstream gone'), 'done', new Error('before')]);
  });
});
