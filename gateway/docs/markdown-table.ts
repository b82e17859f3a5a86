/**
 * A GitHub-flavoured Markdown table. Cells are single-line: whitespace runs (TSDoc line breaks) become one
 * space, and `|` is escaped so a description cannot end its cell early.
 *
 * @example
 * markdownTable(['Code', 'Status'], [['`NOT_FOUND`', '404']]);
 * // | Code | Status |\n| --- | --- |\n| `NOT_FOUND` | 404 |
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replaceAll('|', '\\|');
}
