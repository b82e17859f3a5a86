import { readFileSync } from 'node:fs';
import { type Environment, expandEnv, missingVariableProblems } from './expand-env.js';
import { formatIssues, yamlErrorMap } from './format-issues.js';
import { parseYaml } from './parse-yaml.js';
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
  /**
   * Only these top-level sections are read (expanded and validated); every other one is left at its
   * defaults. Offline commands name what they use, so `atrium check` in CI needs none of the serving
   * secrets (`${env.ADMIN_TOKEN}` and the like) set.
   */
  readonly sections?: readonly (keyof GatewayConfig)[];
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
  const { value, errors } = parseYaml(text, path);
  if (errors.length > 0) throw new ConfigError(errors);
  return parseConfig(value ?? {}, path, options);
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
  const { sections } = options;
  const read = sections ? Object.fromEntries(Object.entries(input).filter(([key]) => (sections as readonly string[]).includes(key))) : input;
  const env = options.env ?? process.env;
  const { value, missing } = expandEnv(read, env);
  if (missing.length > 0) {
    throw new ConfigError(missingVariableProblems(missing, sourceName));
  }
  const result = gatewayConfigSchema.safeParse(value, { error: yamlErrorMap });
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues, sourceName));
  }
  return deepFreeze(applyEnvironmentDefaults(result.data, env));
}

/** Defaults that depend on the environment: the browser IDE is a development tool unless turned on. */
function applyEnvironmentDefaults<T extends { server: { ide: { enabled?: boolean } } }>(config: T, env: Environment): T {
  config.server.ide.enabled ??= env.NODE_ENV !== 'production';
  return config;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value as T;
}
