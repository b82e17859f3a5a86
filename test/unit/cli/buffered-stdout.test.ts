import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built module (`npm test` builds first): the child is a plain node process, as the server thread is.
const MODULE = fileURLToPath(new URL('../../../dist/gateway/cli/buffered-stdout.js', import.meta.url));

/** Runs a node child that writes `count` numbered lines through bufferedStdout, then ends as `ending` says. */
function run(count: number, ending: string) {
  const script = `
    const { bufferedStdout } = await import(${JSON.stringify(MODULE)});
    const out = bufferedStdout(false);
    for (let i = 0; i < ${count}; i++) out.write(JSON.stringify({ i, pad: 'x'.repeat(i % 90) }) + '\\n');
    ${ending}
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

const numbered = (stdout: string) => stdout.trim().split('\n').map((line) => (JSON.parse(line) as { i: number }).i);

describe('bufferedStdout', () => {
  it('writes every line, whole and in order, however the thread ends', () => {
    // 500 lines are ~30 KB: several writes of the 2 KiB buffer, and a remainder held at the end.
    const endings = {
      natural: '',
      'process.exit': 'process.exit(3);',
      'uncaught exception': "throw new Error('boom');",
      'a line in flight when the timer would flush': "out.write('{\"i\":500}\\n'); await new Promise((r) => setTimeout(r, 150)); process.exit(0);",
    };
    for (const [name, ending] of Object.entries(endings)) {
      const child = run(500, ending);
      const expected = Array.from({ length: name.startsWith('a line') ? 501 : 500 }, (_, i) => i);
      expect(numbered(child.stdout), name).toEqual(expected);
    }
  });

  it('is one stream per thread, so lines from two loggers keep their order', () => {
    const child = run(3, "const again = bufferedStdout(true); again.write('{\"i\":3}\\n'); out.write('{\"i\":4}\\n'); console.error(again === out, again.isTTY);");
    expect(numbered(child.stdout)).toEqual([0, 1, 2, 3, 4]);
    expect(child.stderr.trim()).toBe('true false');
  });
});
