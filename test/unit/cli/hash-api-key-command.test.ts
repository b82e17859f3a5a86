import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../gateway/cli/main.js';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { capturedIo } from '../../helpers/captured-io.js';

const DEMO_HASH = 'sha256:e230221e6b75fcef3862aaa04a5854e2d103beaef0fe8c601f8bbc359d54cabc';

/** capturedIo whose stdin holds `text`. */
function ioWithStdin(text: string) {
  return { ...capturedIo(), stdin: Readable.from([Buffer.from(text)]) };
}

describe('atrium hash-api-key', () => {
  it('prints the sha256 form gateway.yaml stores', async () => {
    const io = capturedIo();
    expect(await main(['hash-api-key', 'demo-ci-key'], io)).toBe(0);
    // `printf demo-ci-key | sha256sum`
    expect(io.out()).toBe(`${DEMO_HASH}\n`);
  });

  // Issue 20, item 6a.
  it('with no argument generates a random key and prints the key and its hash', async () => {
    const first = capturedIo();
    expect(await main(['hash-api-key'], first)).toBe(0);
    const match = /^key: ([0-9a-f]{64})\nhash: (sha256:[0-9a-f]{64})\n$/.exec(first.out());
    expect(match, first.out()).not.toBeNull();
    expect(match![2]).toBe(hashApiKey(match![1]!));
    const second = capturedIo();
    await main(['hash-api-key'], second);
    expect(second.out()).not.toBe(first.out());
  });

  it('with - reads the key from stdin, without its trailing newline', async () => {
    for (const text of ['demo-ci-key', 'demo-ci-key\n', 'demo-ci-key\r\n']) {
      const io = ioWithStdin(text);
      expect(await main(['hash-api-key', '-'], io)).toBe(0);
      expect(io.out()).toBe(`${DEMO_HASH}\n`);
    }
  });

  it('refuses an empty key from stdin or the argument, and more than one argument', async () => {
    const empty = ioWithStdin('\n');
    expect(await main(['hash-api-key', '-'], empty)).toBe(2);
    expect(empty.err()).toMatch(/the API key is empty/);
    const blank = capturedIo();
    expect(await main(['hash-api-key', ''], blank)).toBe(2);
    const two = capturedIo();
    expect(await main(['hash-api-key', 'a', 'b'], two)).toBe(2);
    expect(two.err()).toMatch(/expected one API key, "-" for stdin, or none to generate one/);
  });
});
