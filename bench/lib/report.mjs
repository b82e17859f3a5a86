/** Markdown tables and number formatting for the results. */

/**
 * @param {string[]} header
 * @param {(string | number)[][]} rows
 */
export function table(header, rows) {
  // Right-align the columns whose cells are numbers (ratios and "—" included).
  const numeric = header.map((_, i) => i > 0 && rows.every((row) => /^(-?\d[\d.,\s×]*|—|)$/.test(String(row[i] ?? ''))));
  const lines = [`| ${header.join(' | ')} |`, `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** @param {number} value @param {number} [digits] */
export const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/** @param {number[]} values */
export const mean = (values) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);

/** @param {number[]} values */
export const median = (values) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
