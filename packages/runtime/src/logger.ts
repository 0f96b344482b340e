import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { CREDENTIAL_HEADERS } from './redact';

export type Logger = PinoLogger;

/** Paths pino blanks out wherever they appear in a log line (request headers included). */
export const REDACT_PATHS: readonly string[] = [
  'password',
  'secret',
  'token',
  'authorization',
  'cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.authToken',
  '*.authorization',
  '*.cookie',
  '*.*.password',
  '*.*.secret',
  '*.*.token',
  '*.*.authorization',
  '*.*.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers["set-cookie"]',
  'database.secret',
  // Any credential header, wherever an app logs a headers object (the access line redacts its own copy first).
  ...[...CREDENTIAL_HEADERS].flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
];

export interface LoggerOptions {
  readonly service: string;
  readonly stage: string;
  /** @default 'info' (the runtime passes LOG_LEVEL from its config) */
  readonly level?: LevelWithSilent;
  /** @default - stdout (file descriptor 1) */
  readonly destination?: NodeJS.WritableStream | { write(msg: string): void };
}

/** JSON lines on stdout, each with `service` and `stage`, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  return pino(
    {
      level,
      base: { service: options.service, stage: options.stage },
      redact: { paths: [...new Set(REDACT_PATHS)], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
