/** Prettifies the JSON lines a pino logger writes, for a terminal shared by several processes. */

const LEVELS: Record<number, { name: string; color: number }> = {
  10: { name: 'TRACE', color: 90 },
  20: { name: 'DEBUG', color: 90 },
  30: { name: 'INFO ', color: 32 },
  40: { name: 'WARN ', color: 33 },
  50: { name: 'ERROR', color: 31 },
  60: { name: 'FATAL', color: 35 },
};
const NAMED: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  warning: 40,
  error: 50,
  fatal: 60,
  critical: 60,
};
// `_aws` is the CloudWatch embedded-metric envelope: its metric values are shown, the envelope is noise locally.
const HIDDEN = new Set([
  'level',
  'severity',
  'time',
  'msg',
  'pid',
  'hostname',
  'v',
  'err',
  'service',
  'app',
  'stage',
  '_aws',
]);

export interface LogLine {
  /** Plain text (no colours), as the console page shows it. */
  readonly text: string;
  /** The same line with ANSI colours, for a TTY. */
  readonly colored: string;
  readonly level: number;
  /** The parsed JSON line, when it was one. */
  readonly entry?: Readonly<Record<string, unknown>>;
}

export interface FormatOptions {
  /** Access lines with their full (redacted) header set and client address. @default false */
  readonly verboseAccess?: boolean;
}

/**
 * The runtime's access line (`msg: 'request'`, `request: {method, url, headers, remoteAddress}`, `statusCode`, `ms`)
 * shown as `request GET /x → 201 12ms`: one request, one short line. Its headers (already redacted by the runtime)
 * and the client address only with `--verbose-access`.
 */
function accessLine(
  entry: Record<string, unknown>,
  options: FormatOptions,
): { msg: string; rest: string[] } | undefined {
  const request = entry.request as Record<string, unknown> | undefined;
  if (entry.msg !== 'request' || typeof request !== 'object' || request === null) return undefined;
  if (typeof request.method !== 'string' || typeof request.url !== 'string') return undefined;
  const status = typeof entry.statusCode === 'number' ? ` → ${entry.statusCode}` : '';
  const ms = typeof entry.ms === 'number' ? ` ${entry.ms}ms` : '';
  const rest = options.verboseAccess
    ? Object.entries(request)
        .filter(([k]) => k !== 'method' && k !== 'url')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    : [];
  return { msg: `request ${request.method} ${request.url}${status}${ms}`, rest };
}
const ACCESS_FIELDS = new Set(['request', 'statusCode', 'ms']);

/** C0 controls but tab, DEL, and the C1 controls (U+0080–U+009F: a terminal may take U+009B as CSI). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * What a log line carries, made inert for a terminal: every control character (ESC starting a colour, a title, a
 * hyperlink or a cursor move; CR overwriting the line; a newline forging a line of its own) is shown as an escape,
 * `\x1b`, `\n`, `\r`. Log fields come from requests (a URL, a user agent): only the prettifier's own colours reach the
 * terminal as control characters.
 */
export function inert(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export function formatLine(line: string, options: FormatOptions = {}): LogLine {
  const trimmed = line.trimEnd();
  if (!trimmed.startsWith('{')) return plain(trimmed);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return plain(trimmed);
  }
  // pino writes numbers; other loggers (and pino with a `formatters.level`) write names: both show as what they are.
  const level =
    typeof entry.level === 'number'
      ? entry.level
      : (NAMED[String(entry.level ?? entry.severity ?? '').toLowerCase()] ?? 30);
  const meta = LEVELS[level] ?? {
    name: inert(String(entry.level ?? 'INFO').toUpperCase()).padEnd(5),
    color: 0,
  };
  const parsed =
    typeof entry.time === 'number' || typeof entry.time === 'string' ? new Date(entry.time) : undefined;
  const time = parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date();
  const clock = time.toISOString().slice(11, 23);
  const access = accessLine(entry, options);
  const msg = inert(access?.msg ?? (typeof entry.msg === 'string' ? entry.msg : entry._aws ? 'metric' : ''));
  const fields = inert(
    [
      ...Object.entries(entry)
        .filter(([k]) => !HIDDEN.has(k) && !(access && ACCESS_FIELDS.has(k)))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`),
      ...(access?.rest ?? []),
    ].join(' '),
  );
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  const trace = err ? (err.stack ?? err.message ?? JSON.stringify(err)) : undefined;
  // A stack's own line breaks stay (each line is indented under the entry); anything else in it is made inert.
  const stack =
    trace === undefined
      ? ''
      : `\n${(typeof trace === 'string' ? trace : JSON.stringify(trace))
          .split(/\r?\n/)
          .map((l) => `    ${inert(l)}`)
          .join('\n')}`;
  const text = `${clock} ${meta.name} ${msg}${fields ? `  ${fields}` : ''}${stack}`;
  const colored = `\x1b[90m${clock}\x1b[0m \x1b[${meta.color}m${meta.name}\x1b[0m ${msg}${fields ? `  \x1b[90m${fields}\x1b[0m` : ''}${stack}`;
  return { text, colored, level, entry };
}

/** A line that is not a JSON log entry, shown as it is but for its control characters. */
function plain(line: string): LogLine {
  const text = inert(line);
  return { text, colored: text, level: 30 };
}

/** Splits a byte stream into lines (a chunk may end mid-line). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString('utf8');
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
      // A runaway line without newline is emitted in pieces rather than held forever.
      if (rest.length > 64 * 1024) {
        onLine(rest);
        rest = '';
      }
    },
    flush() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

/** The last `size` lines. */
export class Ring {
  private readonly items: string[] = [];
  constructor(private readonly size: number) {}
  push(item: string): void {
    this.items.push(item);
    if (this.items.length > this.size) this.items.splice(0, this.items.length - this.size);
  }
  all(): string[] {
    return [...this.items];
  }
}
