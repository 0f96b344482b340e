import { createLogger, type Logger } from '../../src/index';

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown> & { readonly msg: string };

/** A logger that keeps every line it writes, parsed, in `lines` (service `test`, stage `dev`, level `info` unless told). */
export function captureLog(options: { service?: string; stage?: string; level?: 'info' | 'debug' } = {}): {
  log: Logger;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const log = createLogger({
    service: options.service ?? 'test',
    stage: options.stage ?? 'dev',
    level: options.level ?? 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  });
  return { log, lines };
}
