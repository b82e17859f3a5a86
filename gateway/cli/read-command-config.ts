import type { GatewayConfig } from '../config/schema.js';
import type { CliIo } from './command.js';
import { printProblems } from './print-problems.js';

/**
 * gateway.yaml for a command (the defaults when `path` is undefined), or `undefined` after printing every
 * problem of an invalid file: the command then exits 2. An offline command names the `sections` it uses:
 * only their `${env.NAME}`s must be set. Errors other than config problems are thrown on. The config
 * schema (and zod, and the YAML parser) is loaded here, when a command reads its config, not with the CLI:
 * the main thread of `atrium serve` never needs it (docs/performance.md, "Start-up").
 *
 * @example
 * const config = await readCommandConfig(io, values.config);
 * if (!config) return 2;
 */
export async function readCommandConfig(
  io: CliIo,
  path: string | undefined,
  sections?: readonly (keyof GatewayConfig)[],
): Promise<GatewayConfig | undefined> {
  const { ConfigError, loadConfig } = await import('../config/load-config.js');
  try {
    return loadConfig(path, sections ? { sections } : {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printProblems(io, error.issues, `invalid config ${path}`);
    return undefined;
  }
}
