import { Cron } from 'croner';
import { rateSeconds } from '@berthjs/config';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * EventBridge `cron(min hour dom month dow year)` → a 5-field croner pattern. The year is dropped, `?` becomes `*`,
 * and day-of-week numbers 1–7 (SUN–SAT) become croner's 0–6; `6L` (last Friday) becomes `5#L`.
 * Throws on what croner cannot express (`W`, a specific year).
 */
export function toCroner(schedule: string): string {
  const m = /^cron\((.+)\)$/.exec(schedule.trim());
  if (!m) throw new Error(`not a cron() expression: ${schedule}`);
  const fields = m[1]!.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`${schedule}: a cron expression has 6 fields, got ${fields.length}`);
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if (year !== '*' && year !== '?') {
    throw new Error(`${schedule}: berth dev cannot schedule a specific year (${year}); use '*'`);
  }
  if (/W/i.test(dom)) throw new Error(`${schedule}: berth dev cannot schedule 'W' (nearest weekday)`);
  const q = (f: string) => (f === '?' ? '*' : f);
  return [q(minute), q(hour), q(dom), q(month), weekdays(q(dow))].join(' ');
}

function weekdays(field: string): string {
  if (field === '*') return field;
  return field
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/') as [string, string | undefined];
      let out: string;
      const last = /^(\w+)L$/i.exec(range);
      const nth = /^(\w+)#(\d)$/.exec(range);
      if (last) out = `${day(last[1]!)}#L`;
      else if (nth) out = `${day(nth[1]!)}#${nth[2]}`;
      else out = range.split('-').map(day).join('-');
      return step === undefined ? out : `${out}/${step}`;
    })
    .join(',');
}

function day(token: string): string {
  if (token === '*') return token;
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < 1 || n > 7) throw new Error(`day-of-week ${token} is outside 1–7 (SUN–SAT)`);
    return String(n - 1);
  }
  const i = DAY_NAMES.indexOf(token.toUpperCase());
  if (i < 0) throw new Error(`unknown day-of-week ${token}`);
  return String(i);
}

/** A croner instance for a cron() schedule, evaluated in UTC like EventBridge. Paused: we only ask it for dates. */
export function cronFor(schedule: string): Cron {
  return new Cron(toCroner(schedule), { timezone: 'UTC', domAndDow: true, paused: true });
}

/**
 * The next time a schedule fires after `now`. `rate()` schedules count from `since` (when berth dev started), as
 * EventBridge counts from the schedule's creation.
 */
export function nextRun(schedule: string, now: Date, since: Date): Date | null {
  const seconds = rateSeconds(schedule);
  if (seconds !== undefined) {
    const period = seconds * 1000;
    const elapsed = Math.max(0, now.getTime() - since.getTime());
    return new Date(since.getTime() + (Math.floor(elapsed / period) + 1) * period);
  }
  return cronFor(schedule).nextRun(now);
}
