import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createServeCommand, SERVE_USAGE_DEFAULTS, type ServeDependencies } from '../../../gateway/cli/serve-command.js';
import { type GatewayConfig, gatewayConfigSchema } from '../../../gateway/config/schema.js';
import { serveFlagsFromEnvironment } from '../../../gateway/config/serve-environment.js';
import type { RunningGateway, StartGatewayOptions } from '../../../gateway/start-gateway.js';
import { SupergraphLoadError } from '../../../gateway/supergraph/supergraph-load-error.js';
import { capturedIo } from '../../helpers/captured-io.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

/** The fake gateways' supergraph: never reloads. */
const idleSupergraph = { engine: undefined, status: vi.fn(), reload: vi.fn(), onReload: vi.fn() };

// `atrium serve` in process with a fake startGateway and a fake signal source; the real server is
// covered by the integration tests.
describe('atrium serve', () => {
  let dir: TempDir;
  let supergraphFile: string;
  let signals: EventEmitter;
  let exit: ReturnType<typeof vi.fn<(code: number) => void>>;
  beforeEach(async () => {
    dir = await tempDir('atrium-serve-');
    supergraphFile = join(dir.path, 'supergraph.graphql');
    await writeFile(supergraphFile, 'type Query { a: Int }');
    signals = new EventEmitter();
    exit = vi.fn<(code: number) => void>();
    return dir.remove;
  });

  function command(
    startGateway: ServeDependencies['startGateway'],
    superviseWorkers?: ServeDependencies['superviseWorkers'],
    nodeVersion = 'v24.22.3',
    env: Record<string, string> = {},
  ) {
    return createServeCommand({
      runtime: { nodeVersion, now: () => new Date('2026-12-06T12:00:00Z') },
      // Only what a test sets: a PORT in the environment running the tests must not change them.
      environment: () => serveFlagsFromEnvironment(env),
      startGateway,
      signals: signals as ServeDependencies['signals'],
      exit,
      // Serve in this process unless a test is about the worker decision.
      shouldSupervise: (workers) => superviseWorkers !== undefined && workers > 0,
      ...(superviseWorkers ? { superviseWorkers } : {}),
    });
  }

  function fakeGateway() {
    const close = vi.fn(async () => {});
    const reloadConfig = vi.fn((_config: GatewayConfig) => ['server']);
    const started: StartGatewayOptions[] = [];
    const start = vi.fn(async (options: StartGatewayOptions) => {
      started.push(options);
      return { url: 'http://127.0.0.1:1/graphql', port: 1, close, reloadConfig, traffic: {} as RunningGateway['traffic'], supergraph: idleSupergraph };
    });
    return { start, close, started, reloadConfig };
  }

  it("shows the schema's server.port and server.host defaults in its help", () => {
    const { port, host } = gatewayConfigSchema.parse({}).server;
    expect(SERVE_USAGE_DEFAULTS).toEqual({ port, host });
    expect(createServeCommand().usage).toContain(`(default ${port}; 0 = any free port)`);
  });

  it('starts with the config and flag overrides, and closes on SIGTERM', async () => {
    const configPath = join(dir.path, 'gateway.yaml');
    await writeFile(configPath, 'server:\n  port: 5000\n  shutdownGrace: 2s\nlog:\n  level: silent\n');
    const gateway = fakeGateway();
    const io = capturedIo();
    const running = command(gateway.start).run(['--supergraph', supergraphFile, '--config', configPath, '--host', '127.0.0.1'], io);
    await vi.waitFor(() => expect(gateway.start).toHaveBeenCalled());
    expect(gateway.started[0]!.supergraph).toEqual({ kind: 'file', path: supergraphFile });
    expect(gateway.started[0]!.config.server).toMatchObject({ port: 5000, host: '127.0.0.1', shutdownGrace: 2000 });
    expect(Object.isFrozen(gateway.started[0]!.config.server)).toBe(true);

    signals.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
    expect(gateway.close).toHaveBeenCalledTimes(1);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
    expect(io.err()).toBe('');
  });

  it('warns once when the Node it runs on is past its end of life, and not on a supported Node', async () => {
    const logs = async (nodeVersion: string) => {
      const gateway = fakeGateway();
      const io = capturedIo();
      const running = command(gateway.start, undefined, nodeVersion).run(['--supergraph', supergraphFile], io);
      await vi.waitFor(() => expect(gateway.start).toHaveBeenCalled());
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await running).toBe(0);
      return io.out().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });
    };
    const old = (await logs('v20.20.2')).filter((line) => line.msg.includes('end of life'));
    expect(old).toHaveLength(1);
    expect(old[0]).toMatchObject({ level: 40, msg: expect.stringContaining('Node v20.20.2 reached its end of life on 2026-04-30') });
    expect((await logs('v24.22.3')).some((line) => line.msg.includes('end of life'))).toBe(false);
  });

  it('reloads gateway.yaml on SIGHUP, keeps the running settings when the file became invalid', async () => {
    const configPath = join(dir.path, 'gateway.yaml');
    await writeFile(configPath, 'traffic:\n  all:\n    timeout: 2s\nlog:\n  level: silent\n');
    const gateway = fakeGateway();
    const running = command(gateway.start).run(['--supergraph', supergraphFile, '--config', configPath, '--port', '7'], capturedIo());
    await vi.waitFor(() => expect(gateway.start).toHaveBeenCalled());

    await writeFile(configPath, 'traffic:\n  all:\n    timeout: 5s\nlog:\n  level: silent\n');
    signals.emit('SIGHUP', 'SIGHUP');
    expect(gateway.reloadConfig).toHaveBeenCalledTimes(1);
    const reloaded = gateway.reloadConfig.mock.calls[0]![0];
    expect(reloaded.traffic.all.timeout).toBe(5000);
    expect(reloaded.server.port).toBe(7);

    await writeFile(configPath, 'traffic:\n  all:\n    timeout: soon\n');
    signals.emit('SIGHUP', 'SIGHUP');
    expect(gateway.reloadConfig).toHaveBeenCalledTimes(1);

    signals.emit('SIGTERM', 'SIGTERM');
    await expect(running).resolves.toBe(0);
    expect(signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('exits at once on a second signal while draining', async () => {
    let finishClose!: () => void;
    const close = vi.fn(() => new Promise<void>((resolve) => (finishClose = resolve)));
    const start = vi.fn(async () => ({ url: 'http://x/graphql', port: 1, close, reloadConfig: () => [], traffic: {} as RunningGateway['traffic'], supergraph: idleSupergraph }));
    const running = command(start).run(['--supergraph-config', supergraphFile, '--port', '0'], capturedIo());
    await vi.waitFor(() => expect(start).toHaveBeenCalled());
    signals.emit('SIGINT', 'SIGINT');
    await vi.waitFor(() => expect(close).toHaveBeenCalled());
    signals.emit('SIGTERM', 'SIGTERM');
    expect(exit).toHaveBeenCalledWith(143);
    finishClose();
    expect(await running).toBe(0);
  });

  it('prints the problems and exits 1 when the supergraph cannot be loaded', async () => {
    const start = vi.fn(async () => {
      throw new SupergraphLoadError(['products: schema file not found: schema/products.graphql']);
    });
    const io = capturedIo();
    expect(await command(start).run(['--supergraph-config', supergraphFile], io)).toBe(1);
    expect(io.err()).toBe('products: schema file not found: schema/products.graphql\natrium: could not load the supergraph (1 problem)\n');
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('prints one line and exits 1 when the server cannot start', async () => {
    const start = vi.fn(async () => {
      throw new Error('listen EADDRINUSE: address already in use 0.0.0.0:4000');
    });
    const io = capturedIo();
    expect(await command(start).run(['--supergraph', supergraphFile], io)).toBe(1);
    expect(io.err()).toBe('atrium: could not start the gateway: listen EADDRINUSE: address already in use 0.0.0.0:4000\n');
  });

  it('prints every config issue and exits 2 on an invalid gateway.yaml, without starting', async () => {
    const configPath = join(dir.path, 'gateway.yaml');
    await writeFile(configPath, 'server:\n  prot: 4000\ntraffic:\n  all:\n    timeout: soon\n');
    const gateway = fakeGateway();
    const io = capturedIo();
    expect(await command(gateway.start).run(['--supergraph', supergraphFile, '-c', configPath], io)).toBe(2);
    expect(io.err()).toBe(
      [
        `${configPath}: server.prot: unknown key`,
        `${configPath}: traffic.all.timeout: expected a duration such as "30s" or a number of milliseconds`,
        `atrium: invalid config ${configPath} (2 problems)`,
        '',
      ].join('\n'),
    );
    expect(gateway.start).not.toHaveBeenCalled();
  });

  it('uses ./supergraph.yaml when no supergraph flag is given, and refuses to guess without it', async () => {
    const cwd = process.cwd();
    try {
      process.chdir(dir.path);
      const gateway = fakeGateway();
      const io = capturedIo();
      await expect(command(gateway.start).run([], io)).rejects.toThrow(
        'no supergraph: pass --supergraph-config or --supergraph, run where ./supergraph.yaml exists, or configure `registry` in gateway.yaml to serve what is published',
      );
      // With a registry in gateway.yaml, the registry alone is the graph (issue 19, item 4).
      await writeFile(join(dir.path, 'registry.yaml'), 'registry:\n  directory: ./published\n');
      const fromRegistry = command(gateway.start).run(['--config', 'registry.yaml'], io);
      await vi.waitFor(() => expect(gateway.start).toHaveBeenCalled());
      expect(gateway.started[0]!.supergraph).toEqual({ kind: 'registry' });
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await fromRegistry).toBe(0);
      gateway.started.length = 0;
      gateway.start.mockClear();
      await writeFile(join(dir.path, 'supergraph.yaml'), 'subgraphs: {}\n');
      const running = command(gateway.start).run(['--config', 'missing.yaml'], io);
      await expect(running).rejects.toThrow('config file not found: missing.yaml');
      const serving = command(gateway.start).run([], io);
      await vi.waitFor(() => expect(gateway.start).toHaveBeenCalled());
      expect(gateway.started[0]!.supergraph).toEqual({ kind: 'config', path: 'supergraph.yaml' });
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await serving).toBe(0);
    } finally {
      process.chdir(cwd);
    }
  });

  it('--workers hands over to the supervisor with the parsed count', async () => {
    const gateway = fakeGateway();
    const supervise = vi.fn(async () => 0);
    const io = capturedIo();
    const code = await command(gateway.start, supervise).run(['--supergraph', supergraphFile, '--workers', '3'], io);
    expect(code).toBe(0);
    expect(supervise).toHaveBeenCalledWith(expect.objectContaining({ workers: 3 }));
    expect(gateway.start).not.toHaveBeenCalled();
  });

  it.each(['0', 'two', '1000'])('--workers %s is a usage error (main() prints it and exits 2)', async (value) => {
    const gateway = fakeGateway();
    const running = command(gateway.start).run(['--supergraph', supergraphFile, '--workers', value], capturedIo());
    await expect(running).rejects.toThrow(/--workers expects a number from 1 to 256 or "auto"/);
    expect(gateway.start).not.toHaveBeenCalled();
  });

  describe('environment (Issue 19, item 4)', () => {
    async function startedWith(args: string[], env: Record<string, string>) {
      const gateway = fakeGateway();
      const running = command(gateway.start, undefined, undefined, env).run(args, capturedIo());
      await vi.waitFor(() => expect(gateway.start).toHaveBeenCalled());
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await running).toBe(0);
      return gateway.started[0]!;
    }

    it('PORT and HOST override gateway.yaml, ATRIUM_PORT and ATRIUM_HOST override those, and flags override all', async () => {
      const configPath = join(dir.path, 'gateway.yaml');
      await writeFile(configPath, 'server:\n  port: 5000\n  host: 0.0.0.0\nlog:\n  level: silent\n');
      const base = ['--supergraph', supergraphFile, '--config', configPath];
      expect((await startedWith(base, { PORT: '8080', HOST: '127.0.0.2' })).config.server).toMatchObject({ port: 8080, host: '127.0.0.2' });
      expect((await startedWith(base, { PORT: '8080', ATRIUM_PORT: '9090', HOST: 'a', ATRIUM_HOST: '127.0.0.3' })).config.server).toMatchObject({
        port: 9090,
        host: '127.0.0.3',
      });
      expect((await startedWith([...base, '--port', '7070', '--host', '::1'], { ATRIUM_PORT: '9090', ATRIUM_HOST: 'x' })).config.server).toMatchObject({
        port: 7070,
        host: '::1',
      });
    });

    it('ATRIUM_CONFIG and ATRIUM_SUPERGRAPH stand for --config and --supergraph', async () => {
      const configPath = join(dir.path, 'gateway.yaml');
      await writeFile(configPath, 'server:\n  port: 5001\nlog:\n  level: silent\n');
      const started = await startedWith([], { ATRIUM_CONFIG: configPath, ATRIUM_SUPERGRAPH: supergraphFile });
      expect(started.supergraph).toEqual({ kind: 'file', path: supergraphFile });
      expect(started.config.server.port).toBe(5001);
    });

    it('a supergraph flag hides both supergraph variables; both variables at once are refused', async () => {
      const supergraphYaml = join(dir.path, 'supergraph.yaml');
      await writeFile(supergraphYaml, 'federation_version: 2\nsubgraphs: {}\n');
      const started = await startedWith(['--supergraph', supergraphFile], { ATRIUM_SUPERGRAPH_CONFIG: supergraphYaml });
      expect(started.supergraph).toEqual({ kind: 'file', path: supergraphFile });
      const both = { ATRIUM_SUPERGRAPH_CONFIG: supergraphYaml, ATRIUM_SUPERGRAPH: supergraphFile };
      await expect(command(fakeGateway().start, undefined, undefined, both).run([], capturedIo())).rejects.toThrow(
        'set either ATRIUM_SUPERGRAPH_CONFIG or ATRIUM_SUPERGRAPH, not both',
      );
    });

    it('names the variable, not a flag, when its value is wrong', async () => {
      const run = (env: Record<string, string>) => command(fakeGateway().start, undefined, undefined, env).run(['--supergraph', supergraphFile], capturedIo());
      await expect(run({ PORT: 'http' })).rejects.toThrow('PORT expects a number from 0 to 65535, got "http"');
      await expect(run({ ATRIUM_WORKERS: 'many' })).rejects.toThrow('ATRIUM_WORKERS expects a number from 1 to 256 or "auto", got "many"');
      await expect(run({ ATRIUM_CONFIG: join(dir.path, 'nope.yaml') })).rejects.toThrow('config file not found');
    });

    it('ATRIUM_WORKERS hands over to the supervisor like --workers', async () => {
      const supervise = vi.fn(async () => 0);
      const cmd = createServeCommand({
        runtime: { nodeVersion: 'v24.22.3', now: () => new Date('2026-12-06T12:00:00Z') },
        environment: () => serveFlagsFromEnvironment({ ATRIUM_WORKERS: '3' }),
        startGateway: fakeGateway().start,
        signals: signals as ServeDependencies['signals'],
        exit,
        shouldSupervise: (workers) => workers > 1,
        superviseWorkers: supervise,
      });
      expect(await cmd.run(['--supergraph', supergraphFile], capturedIo())).toBe(0);
      expect(supervise).toHaveBeenCalledWith(expect.objectContaining({ workers: 3 }));
    });
  });
});
