import { formatPath } from './format-issues.js';

/** Process environment as a lookup table; `process.env` unless a test passes its own. */
export type Environment = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A `${env.NAME}` that could not be expanded, with the key path of the value that used it. */
export interface MissingVariable {
  readonly name: string;
  readonly path: readonly (string | number)[];
}

/**
 * Replaces `${env.NAME}` in every string value of a parsed YAML tree (keys are left alone).
 * `${env.NAME:-fallback}` uses `fallback` when NAME is unset or empty, as in a POSIX shell. Returns the new
 * tree and the variables that were referenced without a fallback and are not set.
 *
 * Expansion runs on values, not on the file text, so a variable's content can never change the YAML
 * structure (no injected keys); a value that must be a number is given as a string and the schema
 * accepts its string spelling.
 *
 * @example
 * expandEnv({ url: '${env.PRODUCTS_URL:-http://localhost:4002}' }, {}).value;
 * // { url: 'http://localhost:4002' }
 */
export function expandEnv(tree: unknown, env: Environment): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      return node.replace(REFERENCE, (whole: string, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
        if (value === undefined) {
          missing.push({ name, path });
          return whole;
        }
        return value;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };
  return { value: walk(tree, []), missing };
}

/** One problem line per unset variable, for a config error: `<source>: <key path>: environment variable …`. */
export function missingVariableProblems(missing: readonly MissingVariable[], sourceName: string): string[] {
  return missing.map(({ name, path }) => `${sourceName}: ${formatPath(path)}: environment variable ${name} is not set (used as \${env.${name}})`);
}
