import { LineCounter, parseDocument } from 'yaml';

/**
 * Parses YAML text into plain data. Syntax errors come back as lines naming the source and position
 * (`gateway.yaml:3:9: ...`) rather than thrown, so callers wrap them in their own error class. An empty
 * document is `null`. Duplicate keys are errors.
 */
export function parseYaml(text: string, sourceName: string): { value: unknown; errors: string[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const errors = document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `${sourceName}:${line}:${col}: ${error.message.split('\n')[0]}`;
    });
    return { value: undefined, errors };
  }
  return { value: document.toJS(), errors: [] };
}
