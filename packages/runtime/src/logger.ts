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

type LogMethod = (...args: unknown[]) => void;
const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * What Fastify hands each request as `request.log`: it logs with the request's bindings (`requestId`) and the
 * route's `logLevel`, without building a pino child per request. A pino child serializes its bindings through the
 * redaction paths, and a route's own level rebuilds every log method: done for every request, that was the
 * runtime's largest per-request cost. A line with an object or a message goes to the parent with the bindings
 * merged in front of the object, which pino writes exactly as the child would (bindings after `service`/`stage`,
 * then the object's fields); anything else (an Error first, child options other than the level, a level the
 * parent would drop) builds the child once and logs through it.
 */
class RequestLogger {
  private built: Logger | undefined;
  /** Only `level` among the child options: the parent can write the line itself. */
  private readonly direct: boolean;

  constructor(
    private readonly parent: Logger,
    private readonly bound: Record<string, unknown>,
    private readonly options: { level?: string; [key: string]: unknown },
  ) {
    let direct = true;
    for (const key in options) if (key !== 'level') direct = false;
    this.direct = direct;
  }

  private get logger(): Logger {
    return (this.built ??= this.parent.child(this.bound, this.options));
  }

  get level(): string {
    return this.built?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    if (this.built) return this.built.isLevelEnabled(level);
    if (this.options.level === undefined) return this.parent.isLevelEnabled(level);
    const values = this.parent.levels.values;
    return (
      (values[level] ?? Number.NEGATIVE_INFINITY) >= (values[this.options.level] ?? Number.POSITIVE_INFINITY)
    );
  }

  child(bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger {
    return this.logger.child(bindings, options);
  }

  bindings(): Record<string, unknown> {
    return this.built ? this.built.bindings() : { ...this.parent.bindings(), ...this.bound };
  }

  flush(cb?: (err?: Error) => void): void {
    this.parent.flush(cb);
  }

  silent(): void {}

  /** Writes one line at `method` if this logger's level lets it through. */
  write(method: (typeof METHODS)[number], args: unknown[]): void {
    if (!this.isLevelEnabled(method)) return;
    const first = args[0];
    if (!this.built && this.direct && this.parent.isLevelEnabled(method)) {
      const parent = this.parent[method] as LogMethod;
      if (typeof first === 'string') return parent.call(this.parent, this.bound, ...args);
      if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
        args[0] = { ...this.bound, ...first };
        return parent.apply(this.parent, args);
      }
    }
    const logger = this.logger;
    (logger[method] as LogMethod).apply(logger, args);
  }

  declare fatal: LogMethod;
  declare error: LogMethod;
  declare warn: LogMethod;
  declare info: LogMethod;
  declare debug: LogMethod;
  declare trace: LogMethod;
}
for (const method of METHODS) {
  Object.defineProperty(RequestLogger.prototype, method, {
    value(this: RequestLogger, ...args: unknown[]) {
      this.write(method, args);
    },
  });
}

/**
 * Fastify's `childLoggerFactory` for the runtime's logger: `request.log` that logs what
 * `logger.child(bindings, options)` would, at no cost for a request that does not log (see RequestLogger).
 */
export function requestLoggerFactory(
  logger: Logger,
  bindings: Record<string, unknown>,
  options: Record<string, unknown>,
): Logger {
  return new RequestLogger(logger, bindings, options) as unknown as Logger;
}
