// The entry of the thread `atrium serve` runs its server in (see serveInThread). Must stay the first
// import: it sets APOLLO_TELEMETRY_DISABLED before any Apollo module is evaluated.
import '../config/disable-apollo-telemetry.js';
import { EventEmitter } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { enableCompileCache } from './compile-cache.js';
import type { ServeThreadData } from './supervise-workers.js';

// A thread has a compile cache of its own; the server's modules come through import() so that they are
// compiled after this line (compile-cache.ts).
enableCompileCache();
const { createServeCommand } = await import('./serve-command.js');
const { isServeThreadMessage } = await import('./supervise-workers.js');
const { bufferedStdout } = await import('./buffered-stdout.js');

const { args, stdoutIsTerminal } = workerData as ServeThreadData;
// Signals reach only the main thread, which forwards them here.
const signals = new EventEmitter();
parentPort?.on('message', (message: unknown) => {
  if (isServeThreadMessage(message)) signals.emit(message.signal, message.signal);
});
// The port must not keep the thread alive once the server has closed.
parentPort?.unref();
// A worker thread's process.stdout is a stream to the main thread: every log line (the access log: one per
// request) was a message the main thread then wrote out, ~3 % of the server thread's CPU with the access
// log on. The thread writes to fd 1 itself, a few lines at a time, and what it holds when it exits
// (buffered-stdout.ts). It is never a terminal to the thread: say what the real one is.
const stdout = bufferedStdout(stdoutIsTerminal);
const serve = createServeCommand({ signals, exit: (code) => process.exit(code), shouldSupervise: () => false });
process.exitCode = await serve.run(args, { stdout, stderr: process.stderr });
