import { describe, expect, it } from 'vitest';
import { main } from '../../../gateway/cli/main.js';
import { capturedIo } from '../../helpers/captured-io.js';

describe('atrium hash-api-key', () => {
  it('prints the sha256 form gateway.yaml stores', async () => {
    const io = capturedIo();
    expect(await main(['hash-api-key', 'demo-ci-key'], io)).toBe(0);
    // `printf demo-ci-key | sha256sum`
    expect(io.out()).toBe('sha256:e230221e6b75fcef3862aaa04a5854e2d103beaef0fe8c601f8bbc359d54cabc\n');
  });

  it('needs exactly one key', async () => {
    const io = capturedIo();
    expect(await main(['hash-api-key'], io)).toBe(2);
    expect(io.err()).toMatch(/expected exactly one API key/);
  });
});
