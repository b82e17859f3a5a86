import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { parseSupergraphConfig } from '../../../gateway/supergraph/supergraph-config.js';

// Issue 19, item 3: the kustomize overlays under deploy/kubernetes, rendered offline with `kubectl kustomize`
// (no cluster is needed or available) and checked object by object: required fields, selectors, probes and
// grace periods against the gateway.yaml inside the rendered ConfigMap, and every variable it needs.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OVERLAYS = { staging: 'atrium-staging', production: 'atrium' } as const;

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function render(overlay: string): any[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/kubernetes/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((document) => document.toJS());
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.skipIf(!hasKubectl())('deploy/kubernetes (kubectl kustomize)', () => {
  for (const [overlay, namespace] of Object.entries(OVERLAYS)) {
    describe(`overlays/${overlay}`, () => {
      const objects = render(overlay);
      const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
      const deployment = find('Deployment', 'atrium-gateway');
      const pod = deployment.spec.template.spec;
      const container = pod.containers.find((c: any) => c.name === 'gateway');
      const configVolume = pod.volumes.find((v: any) => v.name === container.volumeMounts[0].name);
      const configMap = find('ConfigMap', configVolume.configMap.name);
      const secret = find('Secret', container.envFrom[0].secretRef.name);
      const environment: Record<string, string> = {
        ...Object.fromEntries(container.env.map((e: any) => [e.name, e.value])),
        ...Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])),
      };
      const config = parseConfig(parse(configMap.data['gateway.yaml']), 'ConfigMap gateway.yaml', { env: environment });
      const portNamed = (name: string | number) =>
        typeof name === 'number' ? name : container.ports.find((p: any) => p.name === name)?.containerPort;

      it('renders the gateway, its config, Secret, Service, PDB, HPA and Redis, all in the overlay namespace', () => {
        const kinds = objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
        expect(kinds).toEqual([
          'ConfigMap/atrium-config',
          'Deployment/atrium-gateway',
          'Deployment/atrium-redis',
          'HorizontalPodAutoscaler/atrium-gateway',
          'PodDisruptionBudget/atrium-gateway',
          'Secret/atrium-secrets',
          'Service/atrium-gateway',
          'Service/atrium-redis',
        ]);
        for (const object of objects) {
          expect(object.apiVersion, object.kind).toMatch(/^(v1|apps\/v1|policy\/v1|autoscaling\/v2)$/);
          expect(object.metadata.namespace, object.metadata.name).toBe(namespace);
        }
        for (const workload of objects.filter((o) => o.kind === 'Deployment')) {
          expect(matches(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels)).toBe(true);
          for (const c of workload.spec.template.spec.containers) expect(c.image, c.name).toMatch(/:\d+\.\d+\.\d+(-[a-z]+)?$/);
        }
      });

      it('starts `atrium serve` on the mounted gateway.yaml and supergraph.yaml, as a non-root user', () => {
        const mountPath = container.volumeMounts[0].mountPath;
        expect(container.args).toEqual(['serve', '--config', `${mountPath}/gateway.yaml`, '--supergraph-config', `${mountPath}/supergraph.yaml`]);
        const supergraph = parseSupergraphConfig(configMap.data['supergraph.yaml'], 'ConfigMap supergraph.yaml');
        expect(supergraph.subgraphs.length).toBeGreaterThan(0);
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(container.image).toMatch(/atrium-gateway:/);
      });

      it('probes /health (liveness, startup) and /ready (readiness) on the port gateway.yaml listens on', () => {
        expect(container.livenessProbe.httpGet.path).toBe('/health');
        expect(container.startupProbe.httpGet.path).toBe('/health');
        expect(container.readinessProbe.httpGet.path).toBe('/ready');
        for (const probe of [container.livenessProbe, container.startupProbe, container.readinessProbe]) {
          expect(portNamed(probe.httpGet.port)).toBe(config.server.port);
        }
        expect(portNamed('admin')).toBe(config.admin!.port);
      });

      it('gives a terminating pod preStop plus server.shutdownGrace before it is killed', () => {
        const [command, seconds] = container.lifecycle.preStop.exec.command;
        expect(command).toBe('sleep');
        expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(seconds) * 1000 + config.server.shutdownGrace);
      });

      it('provides every variable gateway.yaml needs, and points REDIS_URL at the Redis Service', () => {
        for (const match of JSON.stringify(parse(configMap.data['gateway.yaml'])).matchAll(/\$\{env\.(\w+)\}/g)) {
          expect(environment, match[1]).toHaveProperty(match[1]!);
        }
        const redis = new URL(config.quotaStore.url);
        const service = find('Service', redis.hostname);
        expect(service.spec.ports.map((p: any) => p.port)).toContain(Number(redis.port));
        expect(matches(service.spec.selector, find('Deployment', 'atrium-redis').spec.template.metadata.labels)).toBe(true);
        expect([config.persistedDocuments.apq.redisUrl, config.responseCache.redisUrl, config.registry?.redis?.url]).toEqual([
          config.quotaStore.url,
          config.quotaStore.url,
          config.quotaStore.url,
        ]);
      });

      it('selects the gateway pods from its Service, PDB and HPA, leaving room for a voluntary disruption', () => {
        const labels = deployment.spec.template.metadata.labels;
        const service = find('Service', 'atrium-gateway');
        expect(matches(service.spec.selector, labels)).toBe(true);
        for (const port of service.spec.ports) expect(portNamed(port.targetPort), port.name).toBeDefined();
        const pdb = find('PodDisruptionBudget', 'atrium-gateway');
        expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
        const hpa = find('HorizontalPodAutoscaler', 'atrium-gateway');
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'atrium-gateway' });
        expect(hpa.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
        // CPU utilization is measured against the request.
        expect(container.resources.requests.cpu).toBeDefined();
        expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
        expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      });
    });
  }
});
