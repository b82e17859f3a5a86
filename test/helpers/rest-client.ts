import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../gateway/config/parse-yaml.js';
import { findRepoRoot } from '../../subgraphs/index.js';

/** One REST answer: status, headers, the raw text and the parsed JSON body (when there is one). */
export interface RestResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/**
 * Calls a REST route of a running gateway. `body` is sent as JSON unless it is a string (sent as is, for
 * malformed-body tests); `headers` are added.
 *
 * @example
 * const result = await callRest(demo.url, 'GET', '/api/v1/products?first=2');
 */
export async function callRest(
  graphqlUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<RestResult> {
  const hasBody = options.body !== undefined;
  const response = await fetch(new URL(path, graphqlUrl), {
    method,
    headers: { ...(hasBody && { 'content-type': 'application/json' }), ...options.headers },
    ...(hasBody && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/**
 * The `rest` section of the repository's demo gateway.yaml, so the tests run the routes docs/rest.md shows.
 *
 * @example
 * const demo = await startDemoGateway({ config: { rest: demoRestConfig() } });
 */
export function demoRestConfig(): Record<string, unknown> {
  const path = join(findRepoRoot(), 'gateway.yaml');
  const { value, errors } = parseYaml(readFileSync(path, 'utf8'), path);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return (value as { rest: Record<string, unknown> }).rest;
}
