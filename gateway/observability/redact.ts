/** What a redacted value is written as. */
export const REDACTED = '[redacted]';

/** Deeper values are cut off: log lines stay bounded whatever a client sends. */
const MAX_DEPTH = 8;

/**
 * A copy of `value` in which every property whose name is in `names` (lower-case) holds `"[redacted]"`,
 * at any depth. Values nested deeper than 8 levels are replaced by `"[too deep]"`.
 *
 * @example
 * redactValue({ input: { email: 'a@b.c', password: 'hunter2' } }, new Set(['password']));
 * // { input: { email: 'a@b.c', password: '[redacted]' } }
 */
export function redactValue(value: unknown, names: ReadonlySet<string>, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, names, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = names.has(key.toLowerCase()) ? REDACTED : redactValue(item, names, depth + 1);
  }
  return copy;
}

/**
 * The named request headers, with redacted values for the names in `redact` (both lower-case).
 *
 * @example
 * pickHeaders({ 'user-agent': 'curl', authorization: 'Bearer x' }, ['user-agent', 'authorization'], new Set(['authorization']));
 * // { 'user-agent': 'curl', authorization: '[redacted]' }
 */
export function pickHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  wanted: readonly string[],
  redact: ReadonlySet<string>,
): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const name of wanted) {
    const value = headers[name];
    if (value !== undefined) picked[name] = redact.has(name) ? REDACTED : value;
  }
  return picked;
}
