import { destination } from 'pino';

type BufferedStdout = ReturnType<typeof destination> & { isTTY: boolean };

/**
 * Bytes of lines held before a write. A write stays within PIPE_BUF (4 KiB), so lines written to a pipe by
 * the supervising thread (which has a buffer of its own) never land inside one of these.
 */
const BUFFER_BYTES = 2048;
const MAX_WRITE_BYTES = 4096;
/** Longest a line waits when fewer than {@link BUFFER_BYTES} follow it. */
const FLUSH_EVERY_MS = 100;

let shared: BufferedStdout | undefined;

/**
 * fd 1 for the log lines of the thread that serves: lines are gathered and written synchronously once 2 KiB
 * are held, else at the latest 100 ms after a line arrived, and whatever is held is written when the thread exits (also after
 * an uncaught exception, `process.exit` or an unhandled rejection: `exit` runs for each). With the access
 * log on, writing each line as it came was one `write` system call per request, ~0.8 % of the server
 * thread's CPU in the fully-featured benchmark row; 2 KiB hold ~5 access-log lines. A process killed
 * with SIGKILL loses at most what it held. One per thread, so lines keep their order; `isTTY` says what the
 * real stdout is, so `log.format: auto` still picks pretty lines for a person at a terminal.
 *
 * @example
 * const logger = createLogger({ destination: bufferedStdout(process.stdout.isTTY === true) });
 */
export function bufferedStdout(isTTY: boolean): BufferedStdout {
  if (shared) return shared;
  const stream = destination({ dest: 1, sync: true, minLength: BUFFER_BYTES, maxWrite: MAX_WRITE_BYTES });
  // A flush is due 100 ms after a line arrives, not every 100 ms (sonic-boom's `periodicFlush` writes
  // nothing to fd 1 ten times a second when the gateway is idle).
  let due: NodeJS.Timeout | undefined;
  const flushHeld = () => {
    due = undefined;
    stream.flush();
  };
  const write = stream.write.bind(stream);
  stream.write = (line: string) => {
    due ??= setTimeout(flushHeld, FLUSH_EVERY_MS).unref();
    return write(line);
  };
  process.once('exit', () => stream.flushSync());
  shared = Object.assign(stream, { isTTY });
  return shared;
}
