import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

/** The structured logger every part of Atrium takes; log lines name their source (`{ subgraph }`, ...). */
export type Logger = PinoLogger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written (`log.level`). Default `info`. */
  level?: string;
  /** Where lines go. Default: stdout. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** `json` lines, `pretty` readable lines, or `auto`: pretty when the destination is a terminal. Default `json`. */
  format?: 'auto' | 'json' | 'pretty';
  /**
   * Header names whose values are censored in `headers` objects of any log line (`log.redact`). The access
   * log redacts the headers and variables it copies itself; this catches what other log lines carry.
   */
  redact?: readonly string[];
}

const CENSORED = '[redacted]';

/**
 * Creates the process logger: JSON lines on stdout, or readable lines (pino-pretty) when `format` asks
 * for them. `level: 'silent'` turns it off (tests).
 *
 * @example
 * const log = createLogger({ level: 'info', format: 'auto', redact: ['authorization'] });
 * log.info({ subgraph: 'products', ms: 12 }, 'fetch: done');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { destination } = options;
  const pretty = options.format === 'pretty' || (options.format === 'auto' && isTerminal(destination ?? process.stdout));
  const redact = options.redact?.length ? headerRedaction(options.redact) : undefined;
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'atrium' },
      timestamp: isoTime,
      ...(redact && { redact }),
    },
    // Without a destination pino writes to fd 1 itself (sonic-boom), faster than through process.stdout.
    pretty ? prettyStream(destination ?? 1) : (destination as DestinationStream | undefined),
  );
}

let lastMs = Number.NaN;
let lastTime = '';
let secondMs = Number.NaN;
/** `2026-12-07T18:23:45.` of the second `secondMs` starts. */
let secondText = '';

/**
 * pino's `isoTime` (`,"time":"<ISO 8601>"`) without a `Date` and its `toISOString` per line: the text is
 * kept per millisecond, its part up to the seconds per second (the access log writes a line per request:
 * ~0.3 % of the fully-featured bench row's CPU went to formatting its time).
 *
 * @example
 * isoTime(); // ',"time":"2026-12-07T18:23:45.120Z"'
 */
export function isoTime(now = Date.now()): string {
  if (now === lastMs) return lastTime;
  const ms = ((now % 1000) + 1000) % 1000;
  if (now - ms !== secondMs) {
    secondMs = now - ms;
    secondText = new Date(secondMs).toISOString().slice(0, -4);
  }
  lastMs = now;
  lastTime = `,"time":"${secondText}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
  return lastTime;
}

/**
 * pino `redact` options that censor `names` (`log.redact`) in a `headers` object at the top of a log line
 * and one level down (`*.headers`). The wildcard path makes pino run the redactor over every object-valued
 * field of every line, so the access log, one line per request, is written without it
 * (observability/access-line.ts; its fields come redacted).
 */
function headerRedaction(names: readonly string[]) {
  return {
    paths: names.flatMap((name) => {
      const key = JSON.stringify(name.toLowerCase());
      return [`headers[${key}]`, `*.headers[${key}]`];
    }),
    censor: CENSORED,
  };
}

/** pino-pretty is loaded only when asked for: JSON logging (the production default) never pays for it. */
function prettyStream(destination: DestinationStream | NodeJS.WritableStream | number): DestinationStream {
  const require = createRequire(import.meta.url);
  const pinoPretty = require('pino-pretty') as typeof import('pino-pretty');
  const colorize = isTerminal(destination === 1 ? process.stdout : destination);
  // pino-pretty pipes into its destination, which must be a stream; a bare `{ write }` sink is wrapped.
  const target =
    typeof destination === 'number' || typeof (destination as { on?: unknown }).on === 'function'
      ? destination
      : new Writable({
          write(chunk: Buffer, _encoding, done) {
            destination.write(chunk.toString('utf8'));
            done();
          },
        });
  return pinoPretty({ destination: target, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
}

function isTerminal(stream: unknown): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
