/** Human-friendly units used in berth.config.ts, parsed in one place. */

const MEMORY = /^\s*(\d+(?:\.\d+)?)\s*(MB|MiB|GB|GiB)\s*$/i;

/** `512`, `'512 MB'`, `'1 GB'`, `'1.5 GB'` → MiB. Returns undefined when the text is not a size. */
export function parseMemory(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const m = MEMORY.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const mib = /^g/i.test(m[2]!) ? n * 1024 : n;
  return Number.isInteger(mib) && mib > 0 ? mib : undefined;
}

export function formatMemory(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GB` : `${mib} MB`;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;

/**
 * Checks an EventBridge schedule expression (`rate(1 hour)`, `cron(0 9 * * ? *)`).
 * Returns a reason when it is malformed, undefined when it is fine.
 */
export function scheduleProblem(expr: string): string | undefined {
  const rate = RATE.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return 'a rate must be at least 1';
    const unit = rate[2]!;
    if (n === 1 && unit.endsWith('s')) return `use the singular: rate(1 ${unit.slice(0, -1)})`;
    if (n > 1 && !unit.endsWith('s')) return `use the plural: rate(${n} ${unit}s)`;
    return undefined;
  }
  const cron = CRON.exec(expr);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6)
      return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
    const [, , dom, , dow] = fields;
    if (dom !== '?' && dow !== '?') return "one of day-of-month or day-of-week must be '?'";
    if (!fields.every((f) => /^[0-9A-Za-z*?,\-/#L]+$/.test(f)))
      return 'a cron field holds an unexpected character';
    return undefined;
  }
  return "expected 'rate(<n> <minute|hour|day>s)' or 'cron(<6 fields>)'";
}

/** The interval of a rate() expression in seconds (used by the local scheduler). */
export function rateSeconds(expr: string): number | undefined {
  const rate = RATE.exec(expr);
  if (!rate) return undefined;
  const unit = rate[2]!.replace(/s$/, '');
  return Number(rate[1]) * (unit === 'minute' ? 60 : unit === 'hour' ? 3600 : 86400);
}

export function isCidr(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return false;
  const parts = m.slice(1, 5).map(Number);
  return parts.every((p) => p <= 255) && Number(m[5]) <= 32;
}

/** Graviton families (t4g, m7g, c6gn…) run arm64. */
export function isGraviton(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}
