import { ConfigError, parseConfig } from '../../gateway/config/load-config.js';

/**
 * The issues `parseConfig` reports for `input` as a gateway.yaml (each `gateway.yaml: <path>: <message>`),
 * or none when it accepts it. Any other error is thrown on.
 *
 * @example expect(configIssues({ traffic: { all: { retry: { budget: 2 } } } })[0]).toMatch(/traffic\.all\.retry\.budget/);
 */
export function configIssues(input: unknown): readonly string[] {
  try {
    parseConfig(input, 'gateway.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}
