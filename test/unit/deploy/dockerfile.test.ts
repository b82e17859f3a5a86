import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DockerStage, execForm, readDockerfile } from '../../helpers/dockerfile.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Issue 19, item 2: no image can be built on this machine, so the Dockerfile is checked as data here, and
// test/e2e/docker-runtime.test.ts runs its runtime stage's steps in a temporary directory.

const stages = readDockerfile(join(ROOT, 'Dockerfile'));
const stage = (name: string): DockerStage => stages.find((s) => s.name === name)!;
const runs = (s: DockerStage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('Dockerfile', () => {
  it('has a build, a demo and a runtime stage; runtime is last, so it is what `docker build` makes', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'demo', 'runtime']);
  });

  it('pins every base image to an exact Node 26 slim version tag', () => {
    const images = stages.map((s) => s.base).filter((base) => !stages.some((s) => s.name === base));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:26\.\d+\.\d+-[a-z]+-slim$/);
    expect(new Set(images).size).toBe(1);
  });

  it('installs every dependency and builds in the build stage, production dependencies only at runtime', () => {
    expect(runs(stage('build')).join('\n')).toMatch(/npm ci\b/);
    expect(runs(stage('build')).join('\n')).toMatch(/npm run build\b/);
    const runtime = runs(stage('runtime')).join('\n');
    expect(runtime).toMatch(/npm ci --omit=dev\b/);
    expect(runtime).not.toMatch(/npm run build|tsc/);
    const copies = stage('runtime').instructions.filter((i) => i.keyword === 'COPY');
    // From the context only the manifests; the compiled code comes from the build stage.
    for (const copy of copies.filter((c) => c.copyFrom === undefined)) expect(copy.args).toBe('package.json package-lock.json ./');
    expect(copies.filter((c) => c.copyFrom !== undefined).every((c) => c.copyFrom === 'build')).toBe(true);
  });

  it('runs as a non-root user, with a HEALTHCHECK on /health made with node, and node itself as PID 1', () => {
    const runtime = stage('runtime');
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime.healthcheck?.[0]).toBe('node');
    expect(runtime.healthcheck!.join(' ')).toContain('/health');
    const entrypoint = runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!;
    // Exec form: a shell form would make /bin/sh PID 1, and it does not pass SIGTERM on.
    expect(execForm(entrypoint)).toEqual(['node', 'dist/gateway/cli.js']);
    expect(execForm(runtime.instructions.find((i) => i.keyword === 'CMD')!)[0]).toBe('serve');
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && i.copyFrom === undefined)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source.split('/')[0]);
    }
    for (const excluded of ['node_modules', 'dist', '.git', 'test']) expect(ignored).toContain(excluded);
  });
});
