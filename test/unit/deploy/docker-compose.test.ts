import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { parseSupergraphConfig } from '../../../gateway/supergraph/supergraph-config.js';
import { DEMO_PORTS, DEMO_SUBGRAPHS } from '../../../subgraphs/index.js';
import { readDockerfile } from '../../helpers/dockerfile.js';

// Issue 19, item 2: docker-compose.yml cannot be run here (no Docker), so every name in it is checked against
// what exists: Dockerfile stages, demo subgraphs and their ports, mounted files, the gateway's config schema,
// and the environment variables the gateway reads.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, any> = compose.services;
const gateway = services.gateway;
const stageNames = readDockerfile(join(ROOT, 'Dockerfile')).map((stage) => stage.name);
/** Container path -> repository path of the gateway's bind mounts. */
const mounts = new Map<string, string>(
  gateway.volumes.map((volume: string) => {
    const [host, container] = volume.split(':');
    return [container!, join(ROOT, host!)];
  }),
);
const hostPath = (containerPath: string): string => {
  for (const [container, host] of mounts) {
    if (containerPath === container) return host;
    if (containerPath.startsWith(`${container}/`)) return join(host, containerPath.slice(container.length + 1));
  }
  throw new Error(`${containerPath} is not mounted`);
};
const flag = (name: string): string => gateway.command[gateway.command.indexOf(name) + 1];
/** The gateway's environment as compose gives it (`${VAR:-default}` takes its default). */
const environment: Record<string, string> = Object.fromEntries(
  Object.entries(gateway.environment as Record<string, string>).map(([name, value]) => [name, value.replace(/^\$\{\w+:-(.*)\}$/, '$1')]),
);
const gatewayYaml = parse(readFileSync(hostPath(flag('--config')), 'utf8'));
/** The values of gateway.yaml (not its comments), where `${env.NAME}` may appear. */
const gatewayYamlValues = JSON.stringify(gatewayYaml);
const config = parseConfig(gatewayYaml, 'deploy/compose/gateway.yaml', { env: environment });

describe('docker-compose.yml', () => {
  it('builds every service from a stage the Dockerfile has, or pins a public image by version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) expect(stageNames, name).toContain(service.build.target);
      else expect(service.image, name).toMatch(/^[a-z]+:\d+\.\d+\.\d+(-[a-z]+)?$/);
    }
    expect(gateway.build.target).toBe('runtime');
  });

  it('runs each demo subgraph under its own name, on the port the demo gives it', () => {
    const demo = Object.entries(services).filter(([, service]) => service.build?.target === 'demo');
    expect(demo.map(([name]) => name).sort()).toEqual([...DEMO_SUBGRAPHS].sort());
    for (const [name, service] of demo) {
      const [node, script, subgraph, ...flags] = service.command;
      expect([node, subgraph]).toEqual(['node', name]);
      expect(readdirSync(join(ROOT, 'subgraphs'))).toContain(posix.basename(script).replace(/\.js$/, '.ts'));
      expect(Number(flags[flags.indexOf('--port') + 1])).toBe(DEMO_PORTS[name]);
      expect(flags[flags.indexOf('--host') + 1]).toBe('0.0.0.0');
    }
  });

  it('points the gateway at the subgraph services by name and port, with schema files that are mounted', () => {
    const supergraph = parseSupergraphConfig(readFileSync(hostPath(flag('--supergraph-config')), 'utf8'), flag('--supergraph-config'));
    for (const subgraph of supergraph.subgraphs) {
      const url = new URL(subgraph.routingUrl);
      expect(services[url.hostname], url.hostname).toBeDefined();
      expect(Number(url.port)).toBe(DEMO_PORTS[url.hostname]);
      expect(subgraph.schema.kind).toBe('file');
      // The file resolves inside the mounted /config/schema, which is the repository's schema/ folder.
      const path = hostPath((subgraph.schema as { path: string }).path);
      expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(ROOT, 'schema', `${subgraph.name}.graphql`), 'utf8'));
    }
  });

  it('gives the gateway a valid gateway.yaml with every shared store in the Redis service', () => {
    const redis = new URL(config.quotaStore.url);
    expect(services[redis.hostname]?.image).toMatch(/^redis:/);
    expect(config.quotaStore.kind).toBe('redis');
    expect(config.persistedDocuments.apq).toMatchObject({ store: 'redis', redisUrl: config.quotaStore.url });
    expect(config.responseCache).toMatchObject({ enabled: true, store: 'redis', redisUrl: config.quotaStore.url });
    expect(config.registry?.redis?.url).toBe(config.quotaStore.url);
    expect(gateway.depends_on.redis.condition).toBe('service_healthy');
  });

  it('publishes the ports the gateway listens on, and stops it after its drain', () => {
    const published = gateway.ports.map((port: string) => Number(port.split(':')[1]));
    expect(published).toEqual([config.server.port, config.admin!.port]);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.admin!.host).toBe('0.0.0.0');
    expect(Number(gateway.stop_grace_period.replace(/s$/, '')) * 1000).toBeGreaterThan(config.server.shutdownGrace);
  });

  it('sets only environment variables the gateway reads, and every one its gateway.yaml needs', () => {
    const configSources = readdirSync(join(ROOT, 'gateway/config'))
      .map((file) => readFileSync(join(ROOT, 'gateway/config', file), 'utf8'))
      .join('\n');
    const used = new Set([...gatewayYamlValues.matchAll(/\$\{env\.(\w+)(:-[^}]*)?\}/g)].map((match) => match[1]!));
    for (const name of Object.keys(environment)) {
      expect(used.has(name) || configSources.includes(`'${name}'`), name).toBe(true);
    }
    for (const match of gatewayYamlValues.matchAll(/\$\{env\.(\w+)\}/g)) expect(environment, match[1]).toHaveProperty(match[1]!);
  });
});
