import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root and the built entry points the e2e tests start as real processes. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}dist/gateway/cli.js`;
export const SERVE_SUBGRAPH = `${ROOT}dist/subgraphs/serve-subgraph.js`;

export function assertBuilt(): void {
  if (!existsSync(CLI) || !existsSync(SERVE_SUBGRAPH)) {
    throw new Error('e2e tests run the built code: run `npm run build` first (npm test does)');
  }
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `withinMs` or on exit. */
  waitFor(pattern: RegExp, withinMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited(): Promise<number | string>;
  /** Sends `signal` and waits for the exit; SIGKILLs after `withinMs`. */
  stop(signal?: NodeJS.Signals, withinMs?: number): Promise<number | string>;
}

/** Starts `node <script> ...args` with telemetry off (in `env`, default this process's); the test must `stop()` it. */
export function startNode(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...(options.env ?? process.env), APOLLO_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const wake of waiters) wake();
    });
  });
  let exitedValue: number | string | undefined;
  void exit.then((value) => {
    exitedValue = value;
  });

  return {
    child,
    output: () => text,
    waitFor(pattern, withinMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) return done(() => resolve(match));
          if (exitedValue !== undefined) return done(() => reject(new Error(`process exited (${exitedValue}) before printing ${pattern}:\n${text}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${withinMs} ms:\n${text}`))), withinMs);
        const done = (finish: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          finish();
        };
        waiters.add(check);
        check();
      });
    },
    exited: () => exit,
    async stop(signal = 'SIGTERM', withinMs = 5_000) {
      if (exitedValue !== undefined) return exitedValue;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), withinMs);
      const value = await exit;
      clearTimeout(timer);
      return value;
    },
  };
}

/** Polls `url` until it answers `status`; returns the milliseconds it took. Rejects after `withinMs`. */
export async function waitForStatus(url: string, status: number, withinMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === status) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > withinMs) throw new Error(`${url} did not answer ${status} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function postGraphQL(url: string, query: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}
