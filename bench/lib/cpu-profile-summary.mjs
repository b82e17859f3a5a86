import { readFileSync } from 'node:fs';

/**
 * The functions that took the most CPU in a V8 `.cpuprofile` (`node --cpu-prof`), by self time, as a
 * Markdown table: what `bench/subscriptions.mjs --profile` prints for the gateway.
 *
 * @param {string} file
 * @param {number} [top]
 */
export function summarizeProfile(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const selfByFunction = new Map();
  for (const [id, samples] of counts) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
    selfByFunction.set(where, (selfByFunction.get(where) ?? 0) + samples);
  }
  const total = profile.samples.length;
  const rows = [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
  return ['| self % | function |', '| ---: | --- |', ...rows.map(([where, samples]) => `| ${((samples / total) * 100).toFixed(1)} | ${where.replaceAll('|', '\\|')} |`)].join('\n');
}
