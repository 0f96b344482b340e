import { formatLine, type LogLine } from './logs';

/** Progress and log output of `berth dev`: one line per step, each service's lines behind its name. */
export class Terminal {
  readonly color: boolean;
  private width = 6;
  /** Access lines with their full header set (`--verbose-access`). */
  verboseAccess = false;
  /** Sees every JSON log line a service or job writes, with its name (the outbox learns of dropped mail here). */
  onEntry: ((source: string, entry: Readonly<Record<string, unknown>>) => void) | undefined;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  }

  /** A service's or job's output line, formatted, recorded, and shown behind its name. */
  format(source: string, line: string): LogLine {
    const formatted = formatLine(line, { verboseAccess: this.verboseAccess });
    if (formatted.entry) this.onEntry?.(source, formatted.entry);
    return formatted;
  }

  /** Aligns prefixes to the longest process name. */
  prefixWidth(names: readonly string[]): void {
    this.width = Math.max(this.width, ...names.map((n) => n.length));
  }

  paint(code: number, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  /** `✔ postgres ready on :54321 (1.2s)` */
  done(text: string, ms?: number): void {
    this.line(`${this.paint(32, '✔')} ${text}${ms === undefined ? '' : this.paint(90, ` (${seconds(ms)})`)}`);
  }

  note(text: string): void {
    this.line(`${this.paint(36, '•')} ${text}`);
  }

  warn(text: string): void {
    this.line(`${this.paint(33, '⚠')} ${text}`);
  }

  fail(text: string): void {
    this.line(`${this.paint(31, '✖')} ${text}`);
  }

  /** A line of a child's output, behind its name. */
  child(name: string, plain: string, colored: string): void {
    const prefix = this.paint(35, `${name.padEnd(this.width)} │`);
    for (const l of (this.color ? colored : plain).split('\n')) this.line(`${prefix} ${l}`);
  }

  line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
