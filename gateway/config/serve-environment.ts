// The environment variables `atrium serve` reads in place of its flags. Read here because gateway/config/ is
// the only reader of process.env; gateway/cli/serve-command.ts validates the values as it does the flags.

/** The `atrium serve` flags that an environment variable can set. */
export type ServeEnvironmentFlag = 'supergraph-config' | 'supergraph' | 'config' | 'port' | 'host' | 'workers';

/**
 * For each flag, the variables that set it when the flag is absent, first match wins: `ATRIUM_<FLAG>`, then
 * for the port and host the plain `PORT`/`HOST` that platforms (Heroku, Cloud Run, Kubernetes tooling) set.
 */
export const SERVE_ENVIRONMENT: Readonly<Record<ServeEnvironmentFlag, readonly string[]>> = {
  'supergraph-config': ['ATRIUM_SUPERGRAPH_CONFIG'],
  supergraph: ['ATRIUM_SUPERGRAPH'],
  config: ['ATRIUM_CONFIG'],
  port: ['ATRIUM_PORT', 'PORT'],
  host: ['ATRIUM_HOST', 'HOST'],
  workers: ['ATRIUM_WORKERS'],
};

/** One flag's value from the environment, and the variable it came from (for error messages). */
export interface EnvironmentFlag {
  readonly value: string;
  readonly variable: string;
}

/**
 * The serve flags the environment sets: for each flag the first of its {@link SERVE_ENVIRONMENT} variables
 * that is set and not empty.
 *
 * @example
 * serveFlagsFromEnvironment({ PORT: '8080' }); // { port: { value: '8080', variable: 'PORT' } }
 */
export function serveFlagsFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Partial<Record<ServeEnvironmentFlag, EnvironmentFlag>> {
  const flags: Partial<Record<ServeEnvironmentFlag, EnvironmentFlag>> = {};
  for (const [flag, variables] of Object.entries(SERVE_ENVIRONMENT) as [ServeEnvironmentFlag, readonly string[]][]) {
    const variable = variables.find((name) => env[name] !== undefined && env[name]!.trim() !== '');
    if (variable !== undefined) flags[flag] = { value: env[variable]!, variable };
  }
  return flags;
}

/**
 * Whether `atrium serve` may start its server thread, or its `--workers` processes, from the bundle the build
 * writes (cli/supervise-workers.ts): yes unless `ATRIUM_SERVE_BUNDLE=0`, which asks for the separate modules
 * instead (to debug with their own file names; docs/performance.md, "Start-up").
 */
export function serveBundleAllowed(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.ATRIUM_SERVE_BUNDLE?.trim() !== '0';
}
