import { describe, expect, it } from 'vitest';
import { runMain as run } from '../../helpers/captured-io.js';

describe('atrium help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s lists the commands', async (flag) => {
    const { code, out, err } = await run(flag);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^Usage: atrium <command>/);
    expect(out).toMatch(/serve\s+Run the gateway/);
    expect(out).toMatch(/compose\s+Compose a supergraph/);
  });

  it('starts every command summary in one column, whatever the longest command name', async () => {
    const { out } = await run('--help');
    const lines = out.slice(out.indexOf('Commands:\n') + 'Commands:\n'.length).split('\n\n')[0]!.split('\n');
    expect(lines.map((line) => line.match(/^ {2}\S+/)?.[0])).not.toContain(undefined);
    expect(lines.length).toBeGreaterThan(8);
    const columns = new Set(lines.map((line) => line.search(/(?<=\S {2,})\S/)));
    expect([...columns]).toHaveLength(1);
  });

  it.each([
    ['serve', '--help'],
    ['serve', '-h'],
    ['help', 'serve'],
    ['serve', '--prot', '--help'],
  ])('atrium %s %s prints the serve usage with flags, defaults and examples', async (...argv) => {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: atrium serve/);
    expect(out).toContain('--supergraph-config <file>');
    expect(out).toContain('(default 4000; 0 = any free port)');
    expect(out).toContain('Examples:');
  });

  it.each([['compose', '--help'], ['help', 'compose']])('atrium %s %s prints the compose usage', async (...argv) => {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: atrium compose \[supergraph.yaml\]/);
    expect(out).toContain('-o, --output <file>');
  });

  // Issue 20, item 6b: `atrium check --help` had its --admin-url and --token descriptions 7 columns left of the rest.
  it.each(['serve', 'compose', 'plan', 'openapi', 'hash-api-key', 'dev-token', 'check', 'publish', 'subgraphs'])(
    'atrium %s --help starts every flag and argument description in one column',
    async (command) => {
      const { code, out } = await run(command, '--help');
      expect(code).toBe(0);
      const sections = out
        .split('\n\n')
        .filter((paragraph) => /^(?:Flags|Arguments):\n/.test(paragraph))
        .map((paragraph) => paragraph.slice(paragraph.indexOf('\n') + 1));
      expect(sections.length).toBeGreaterThan(0);
      const lines = sections.flatMap((body) => body.split('\n')).filter((line) => line.trim() !== '');
      // A flag line: two spaces, the flag, two or more spaces, its description; a continuation line: spaces, text.
      const columns = new Set(lines.map((line) => (/^ {2}\S/.test(line) ? line.search(/(?<=\S {2,})\S/) : line.search(/\S/))));
      expect([...columns], `${command}:\n${lines.join('\n')}`).toHaveLength(1);
      expect(lines.some((line) => line.includes('-h, --help'))).toBe(true);
    },
  );

  it('prints the usage to stderr and exits 2 without a command', async () => {
    const { code, out, err } = await run();
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^Usage: atrium/);
  });
});

describe('atrium usage errors', () => {
  it.each([
    [['srve'], 'atrium: unknown command "srve" (see atrium --help)'],
    [['help', 'srve'], 'atrium: unknown command "srve" (see atrium --help)'],
    [['--prot'], 'atrium: unknown flag --prot (see atrium --help)'],
    [['serve', '--prot', '4000'], 'atrium: unknown flag --prot (see atrium serve --help)'],
    [['serve', '--port'], 'atrium: flag --port needs a value (see atrium serve --help)'],
    [['serve', '--port', 'http'], 'atrium: --port expects a number from 0 to 65535, got "http" (see atrium serve --help)'],
    [['serve', 'extra'], 'atrium: unexpected argument "extra" (see atrium serve --help)'],
    [['serve', '--supergraph', 'x.graphql'], 'atrium: supergraph file not found: x.graphql'],
    [['serve', '--supergraph-config', 'x.yaml'], 'atrium: supergraph config not found: x.yaml'],
    [['serve', '--supergraph', 'a', '--supergraph-config', 'b'], 'atrium: give either --supergraph-config or --supergraph, not both (see atrium serve --help)'],
    [['compose', '--out', 'x'], 'atrium: unknown flag --out (see atrium compose --help)'],
    [['compose', 'missing.yaml'], 'atrium: supergraph config not found: missing.yaml'],
    [['compose', 'a.yaml', 'b.yaml'], 'atrium: unexpected argument "b.yaml" (see atrium compose --help)'],
  ])('%j → exit 2 and one line', async (argv, line) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`${line}\n`);
  });
});
