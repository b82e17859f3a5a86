import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import { type RunningGateway, startGateway } from '../../gateway/server/start-gateway.js';
import { DEMO_SUBGRAPHS, findRepoRoot, type RunningSubgraph, startDemoSubgraphs } from '../../subgraphs/index.js';

export interface DemoGateway {
  readonly gateway: RunningGateway;
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  readonly subgraphs: Record<string, RunningSubgraph>;
  readonly supergraphConfigPath: string;
  /** POSTs one GraphQL request and returns status, headers and parsed body. */
  post(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLHttpResult>;
  close(): Promise<void>;
}

export interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * Starts the five demo subgraphs on free ports and the real gateway in this process over them, composed
 * from a supergraph.yaml that points at those ports (the way `npm start` does, minus the processes).
 */
export async function startDemoGateway(options: { config?: Record<string, unknown> } = {}): Promise<DemoGateway> {
  const demo = await startDemoSubgraphs({ host: '127.0.0.1' });
  const dir = await mkdtemp(join(tmpdir(), 'atrium-demo-'));
  const root = findRepoRoot();
  const supergraphConfigPath = join(dir, 'supergraph.yaml');
  const lines = ['federation_version: 2', 'subgraphs:'];
  for (const name of DEMO_SUBGRAPHS) {
    lines.push(`  ${name}:`, `    routing_url: ${demo.urls[name]}`, '    schema:', `      file: ${join(root, 'schema', `${name}.graphql`)}`);
  }
  await writeFile(supergraphConfigPath, `${lines.join('\n')}\n`);
  const config = parseConfig(
    { ...options.config, server: { port: 0, host: '127.0.0.1', ...(options.config?.server as object) } },
    'test gateway.yaml',
  );
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      config,
      supergraph: { kind: 'config', path: supergraphConfigPath },
      logger: createLogger({ level: 'silent' }),
    });
  } catch (error) {
    await demo.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const subgraphs = Object.fromEntries(demo.subgraphs.map((s) => [s.name, s]));
  return {
    gateway,
    url: gateway.url,
    subgraphs,
    supergraphConfigPath,
    async post(query, variables, headers = {}) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await gateway.close();
      await demo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
