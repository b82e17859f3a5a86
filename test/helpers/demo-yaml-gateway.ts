import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../gateway/config/parse-yaml.js';
import { demoPublicJwk, type RunningJwks, serveJwks } from '../../subgraphs/identity/serve-jwks.js';
import { findRepoRoot } from '../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from './demo-gateway.js';

/** The demo as `npm start` runs it, on free ports: the repository's gateway.yaml, the subgraphs, the identity provider. */
export interface DemoYamlGateway extends DemoGateway {
  /** `http://127.0.0.1:<port>`: where `http://localhost:4000` of the docs is. */
  readonly origin: string;
  readonly jwks: RunningJwks;
}

/**
 * Starts the gateway with the repository's own gateway.yaml (authentication, authorization, cost, REST routes,
 * metrics, the IDE's demo query) over demo subgraphs on free ports, and the demo identity provider's JWKS on a
 * free port in place of port 4010 (tokens of `atrium dev-token` verify against it; their issuer claim is
 * gateway.yaml's, unchanged).
 *
 * @example
 * const demo = await startDemoYamlGateway();
 * await fetch(`${demo.origin}/api/v1/products/1001`);
 */
export async function startDemoYamlGateway(options: { subgraphs?: DemoSubgraphs } = {}): Promise<DemoYamlGateway> {
  const root = findRepoRoot();
  const { value, errors } = parseYaml(readFileSync(join(root, 'gateway.yaml'), 'utf8'), 'gateway.yaml');
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const config = value as Record<string, any>;
  const jwks = await serveJwks([demoPublicJwk()]);
  config.auth.jwt.issuers.demo.jwksUrl = jwks.url;
  // The demo logs every request; the tests read answers, not logs. The port is a free one, not 4000.
  delete config.log;
  delete config.server.port;
  let demo: DemoGateway;
  try {
    demo = await startDemoGateway({ config, configDir: root, ...(options.subgraphs && { subgraphs: options.subgraphs }) });
  } catch (error) {
    await jwks.close();
    throw error;
  }
  return {
    ...demo,
    origin: new URL(demo.url).origin,
    jwks,
    async close() {
      await demo.close();
      await jwks.close();
    },
  };
}
