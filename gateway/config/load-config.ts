import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Environment, expandEnv } from './expand-env.js';
import { type GatewayConfig, gatewayConfigSchema } from './schema.js';

/**
 * gateway.yaml could not be read or is invalid. `issues` holds one line per problem, each naming the file
 * and the key path: `gateway.yaml: server.prot: unknown key`. `message` is all of them joined.
 */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[], options: { cause?: unknown } = {}) {
    super(issues.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Options of {@link parseConfig} and {@link loadConfig}. */
export interface ParseConfigOptions {
  /** Where `${env.NAME}` is looked up; defaults to `process.env`. */
  readonly env?: Environment;
}

/**
 * Reads, expands, validates and freezes gateway.yaml. Without a path it returns the defaults (the
 * gateway runs without a gateway.yaml). Throws {@link ConfigError} listing every problem found.
 *
 * @example
 * const config = loadConfig('gateway.yaml');
 * config.traffic.all.timeout; // 30000 (ms)
 */
export function loadConfig(path?: string, options: ParseConfigOptions = {}): GatewayConfig {
  if (path === undefined) return parseConfig({}, '(defaults)', options);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new ConfigError([`${path}: ${reason}`], { cause });
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `${path}:${line}:${col}: ${error.message.split('\n')[0]}`;
      }),
    );
  }
  return parseConfig(document.toJS() ?? {}, path, options);
}

/**
 * Validates an already parsed gateway.yaml tree: expands `${env.NAME}` in string values, applies the
 * defaults, normalises durations and sizes, and deep-freezes the result. `sourceName` prefixes every
 * issue of the {@link ConfigError} it throws.
 *
 * @example
 * parseConfig({ traffic: { all: { timeout: '5s' } } }, 'test').traffic.all.timeout; // 5000
 */
export function parseConfig(input: unknown, sourceName: string, options: ParseConfigOptions = {}): GatewayConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError([`${sourceName}: expected a mapping of settings at the top level`]);
  }
  const { value, missing } = expandEnv(input, options.env ?? process.env);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map(
        ({ name, path }) => `${sourceName}: ${formatPath(path)}: environment variable ${name} is not set (used as \${env.${name}})`,
      ),
    );
  }
  const result = gatewayConfigSchema.safeParse(value);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => formatIssue(issue, sourceName)));
  }
  return deepFreeze(result.data);
}

function formatIssue(issue: z.core.$ZodIssue, sourceName: string): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${sourceName}: ${formatPath([...issue.path, key])}: unknown key`);
  }
  const message =
    issue.code === 'invalid_type' && (issue.expected === 'object' || issue.expected === 'record')
      ? 'expected a mapping of settings'
      : issue.message;
  return [`${sourceName}: ${formatPath(issue.path)}: ${message}`];
}

/** `traffic.subgraphs.products.url`; keys that are not plain identifiers are quoted: `subgraphs["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = String(key);
      if (/^[A-Za-z_][\w-]*$/.test(text)) return index === 0 ? text : `.${text}`;
      return `[${JSON.stringify(text)}]`;
    })
    .join('');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value as T;
}
