import { scheduleProblem } from '@berthjs/config';
import { seconds } from './values';

export interface Schedule {
  /** EventBridge syntax, as Berth's jobs take it. */
  readonly expr?: string;
  readonly disabled?: boolean;
  /** How it was read, written above the schedule. */
  readonly note?: string;
  /** Why it could not be mapped. */
  readonly error?: string;
}

/** Copilot's shortcuts, as its manifest reference defines them (UTC). */
const SHORTCUTS: Record<string, string> = {
  '@yearly': 'cron(0 0 1 1 ? *)',
  '@annually': 'cron(0 0 1 1 ? *)',
  '@monthly': 'cron(0 0 1 * ? *)',
  '@weekly': 'cron(0 0 ? * 1 *)',
  '@daily': 'cron(0 0 * * ? *)',
  '@midnight': 'cron(0 0 * * ? *)',
  '@hourly': 'cron(0 * * * ? *)',
};

function rate(totalSeconds: number): string | undefined {
  if (totalSeconds < 60 || totalSeconds % 60) return undefined;
  const minutes = totalSeconds / 60;
  const [n, unit] =
    minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return `rate(${n} ${unit}${n === 1 ? '' : 's'})`;
}

/** A standard 5-field cron (day of week 0–6 from Sunday) → EventBridge's 6 fields (1–7 from Sunday, one `?`). */
function fromUnixCron(fields: string[]): string | undefined {
  const [min, hour, domIn, mon, dowIn] = fields as [string, string, string, string, string];
  let dom = domIn;
  let dow = dowIn.replace(/\d+/g, (d) => String((Number(d) % 7) + 1));
  if (dow === '*') dow = '?';
  else if (dom === '*') dom = '?';
  else return undefined;
  return `cron(${min} ${hour} ${dom} ${mon} ${dow} *)`;
}

/** Copilot's `on.schedule` → Berth's schedule. */
export function mapSchedule(v: unknown): Schedule {
  if (typeof v !== 'string' || !v.trim()) return { error: 'the job has no on.schedule' };
  const s = v.trim();
  if (s === 'none')
    return { expr: 'rate(1 day)', disabled: true, note: 'schedule "none": the job is disabled' };
  const short = SHORTCUTS[s];
  if (short) return { expr: short, note: `${s} (UTC)` };
  const every = /^@every\s+(\S+)$/.exec(s);
  if (every) {
    const secs = seconds(every[1]);
    const expr = secs === undefined ? undefined : rate(secs);
    return expr ? { expr, note: s } : { error: `${s}: EventBridge rates are whole minutes` };
  }
  if (/^(rate|cron)\(/.test(s)) {
    const fixed = s.replace(
      /^rate\((\d+) (minute|hour|day)s?\)$/,
      (_, n: string, u: string) => `rate(${n} ${u}${n === '1' ? '' : 's'})`,
    );
    const problem = scheduleProblem(fixed);
    return problem ? { error: `${s}: ${problem}` } : { expr: fixed };
  }
  const fields = s.split(/\s+/);
  if (fields.length === 5) {
    const expr = fromUnixCron(fields);
    if (expr && !scheduleProblem(expr)) return { expr, note: `"${s}" (standard cron, UTC)` };
  }
  return { error: `${s}: not a schedule Berth can read` };
}
