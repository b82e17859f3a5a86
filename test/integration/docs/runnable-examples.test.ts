import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoSubgraphs } from '../../helpers/demo-gateway.js';
import { startDemoYamlGateway } from '../../helpers/demo-yaml-gateway.js';
import { type CodeBlock, codeBlocks } from '../../helpers/markdown-code-blocks.js';
import { findRepoRoot, startDemoSubgraphs } from '../../../subgraphs/index.js';

// Issue 20, item 5: the docs cannot drift. Every ```sh block of README.md and docs/*.md marked
// `<!-- runnable -->` (or `<!-- runnable expect='text' expect='more' -->`) on the line above its fence runs in
// bash (`set -e`), from the repository root, against the demo as `npm start` runs it: the repository's
// gateway.yaml, the demo subgraphs and identity provider, on free ports (`localhost:4000` in the block is
// rewritten to the test gateway). It must exit 0, and its output must contain every `expect` text. Each page
// gets a fresh gateway, so one page's examples (draining a quota) do not change another's answers. An
// `expect` must not depend on speed: the quota loop's 429 comes only if it outruns the bucket's refill.

const ROOT = findRepoRoot();
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const MARKER = /^runnable(\s+expect=('[^']*'|"[^"]*"))*$/;

interface Example {
  readonly page: string;
  readonly block: CodeBlock;
  readonly expects: string[];
}

const examples: Example[] = PAGES.flatMap((page) =>
  codeBlocks(readFileSync(join(ROOT, page), 'utf8'))
    .filter((block) => block.marker?.startsWith('runnable'))
    .map((block) => {
      if (!MARKER.test(block.marker!)) throw new Error(`${page}:${block.line}: malformed marker <!-- ${block.marker} -->`);
      if (block.language !== 'sh') throw new Error(`${page}:${block.line}: only sh blocks run, not ${block.language}`);
      const expects = [...block.marker!.matchAll(/expect=(?:'([^']*)'|"([^"]*)")/g)].map((match) => match[1] ?? match[2]!);
      return { page, block, expects };
    }),
);

let subgraphs: DemoSubgraphs;
beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
});
afterAll(async () => subgraphs?.close());

it('finds at least 10 runnable examples, across several pages', () => {
  expect(examples.length).toBeGreaterThanOrEqual(10);
  expect(new Set(examples.map((example) => example.page)).size).toBeGreaterThanOrEqual(5);
});

for (const page of [...new Set(examples.map((example) => example.page))]) {
  describe(page, () => {
    let origin: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const demo = await startDemoYamlGateway({ subgraphs });
      origin = demo.origin;
      close = () => demo.close();
    });
    afterAll(async () => close?.());

    for (const { block, expects } of examples.filter((example) => example.page === page)) {
      it(`line ${block.line} (${block.heading ?? 'top'}) exits 0${expects.length > 0 ? ' and prints what it says' : ''}`, async () => {
        // `npx atrium` runs the same bin as `node dist/gateway/cli.js` from the root, minus npx's seconds of
        // resolving it per call (test/e2e/package-install.test.ts runs `npx atrium` from an installed package).
        const script = block.code.replaceAll(/(http:\/\/)?localhost:4000/g, origin).replaceAll(/\bnpx atrium\b/g, 'node dist/gateway/cli.js');
        const { code, output } = await runShell(script);
        expect(code, output).toBe(0);
        for (const text of expects) expect(output).toContain(text);
        // A bound for hangs: a block of several `npx atrium` runs takes half a minute on a busy machine.
      }, 180_000);
    }
  });
}

/** Runs a block in bash with `set -e` from the repository root; its exit code and stdout + stderr. */
function runShell(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', `set -e\n${script}`],
      { cwd: ROOT, timeout: 170_000, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}
