/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The info string's first word: `sh`, `ts`, `yaml`, ... */
  readonly language: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The text of an HTML comment on the line right above the fence (`<!-- runnable -->` ─► `runnable`). */
  readonly marker: string | undefined;
  /** The nearest `#`/`##`/`###` heading above the block. */
  readonly heading: string | undefined;
}

/**
 * The fenced (```) code blocks of a Markdown text, in order.
 *
 * @example
 * codeBlocks(readFileSync('docs/rest.md', 'utf8')).filter((block) => block.marker?.startsWith('runnable'));
 */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let heading: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const title = /^#{1,3} (.+)$/.exec(line);
    if (title) heading = title[1]!.trim();
    const fence = /^```(\S*)/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((candidate, at) => at > i && candidate.startsWith('```'));
    if (end === -1) throw new Error(`unclosed code block at line ${i + 1}`);
    const marker = /^<!--\s*(.*?)\s*-->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ language: fence[1]!, code: lines.slice(i + 1, end).join('\n'), line: i + 1, marker, heading });
    i = end;
  }
  return blocks;
}
