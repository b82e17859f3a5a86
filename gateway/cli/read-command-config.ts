import { ConfigError, loadConfig } from '../config/load-config.js';
import type { GatewayConfig } from '../config/schema.js';
import type { CliIo } from './command.js';
import { printProblems } from './print-problems.js';

/**
 * gateway.yaml for a command (the defaults when `path` is undefined), or `undefined` after printing every
 * problem of an invalid file: the command then exits 2. An offline command names the `sections` it uses:
 * only their `${env.NAME}`s must be set. Errors other than config problems are thrown on.
 *
 * @example
 * const config = readCommandConfig(io, values.config);
 * if (!config) return 2;
 */
export function readCommandConfig(io: CliIo, path: string | undefined, sections?: readonly (keyof GatewayConfig)[]): GatewayConfig | undefined {
  try {
    return loadConfig(path, sections ? { sections } : {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printProblems(io, error.issues, `invalid config ${path}`);
    return undefined;
  }
}
