/** The environment variable `atrium publish` and friends read the admin token from when `--token` is absent. */
export const ADMIN_TOKEN_VARIABLE = 'ATRIUM_ADMIN_TOKEN';

/**
 * The admin token from the environment, for the publishing commands (gateway/config is the only reader of
 * `process.env`). Undefined when unset or empty.
 *
 * @example
 * const token = flags.token ?? adminTokenFromEnvironment();
 */
export function adminTokenFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const token = env[ADMIN_TOKEN_VARIABLE];
  return token === undefined || token === '' ? undefined : token;
}
