import { readFileSync } from 'node:fs';

/**
 * What grew between two V8 heap snapshots (`node --heapsnapshot-signal`), by constructor (objects) or by
 * kind (strings, closures, code, arrays), as a Markdown table of the objects and self bytes added, also
 * divided by `per` (the subscriptions opened in between): what `bench/subscriptions.mjs --heap` prints.
 *
 * @param {string} before
 * @param {string} after
 * @param {{ per: number; top?: number }} options
 */
export function summarizeHeapGrowth(before, after, { per, top = 30 }) {
  const a = groups(before);
  const b = groups(after);
  const rows = [];
  let totalBytes = 0;
  for (const [key, grown] of b) {
    const was = a.get(key) ?? { count: 0, bytes: 0 };
    const count = grown.count - was.count;
    const bytes = grown.bytes - was.bytes;
    totalBytes += bytes;
    rows.push({ key, count, bytes });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  const line = ({ key, count, bytes }) => `| ${key.replaceAll('|', '\\|')} | ${count} | ${(bytes / 1024).toFixed(0)} | ${(count / per).toFixed(2)} | ${(bytes / per).toFixed(0)} |`;
  return [
    `| constructor / kind | objects added | KB added | objects / subscription | bytes / subscription |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.slice(0, top).map(line),
    line({ key: '**all (JS heap self sizes)**', count: rows.reduce((sum, row) => sum + row.count, 0), bytes: totalBytes }),
  ].join('\n');
}

/** Objects and self bytes per constructor name (objects) or node type (the rest) in one snapshot. */
function groups(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const { nodes, strings } = snapshot;
  /** @type {Map<string, { count: number; bytes: number }>} */
  const byKey = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = strings[nodes[i + nameAt]];
    const key = type === 'object' || type === 'native' ? name : type === 'closure' ? `closure ${name || '(anonymous)'}` : `(${type})`;
    const entry = byKey.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[i + sizeAt];
    byKey.set(key, entry);
  }
  return byKey;
}
