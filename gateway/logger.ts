import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

/** The structured logger every part of Atrium takes; log lines name their source (`{ subgraph }`, ...). */
export type Logger = PinoLogger;

/**
 * Creates the process logger: JSON lines on stdout. `level: 'silent'` turns it off (tests).
 *
 * @example
 * const log = createLogger({ level: 'info' });
 * log.info({ subgraph: 'products', ms: 12 }, 'fetch: done');
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    { level: options.level ?? 'info', base: { name: 'atrium' }, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination,
  );
}
