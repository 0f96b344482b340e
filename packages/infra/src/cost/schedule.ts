/**
 * How many times a month an EventBridge schedule fires: `rate(15 minutes)`, `cron(0 9 * * ? *)`, `at(...)`.
 * An estimate for pricing, not a scheduler: a month is 730 hours, 30.42 days, 4.35 weeks.
 */
export function runsPerMonth(expression: string): number {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const minutes = rate[2]!.startsWith('minute') ? n : rate[2]!.startsWith('hour') ? n * 60 : n * 1440;
    return (730 * 60) / minutes;
  }
  if (/^at\(/.test(expression.trim())) return 0;
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) return 0;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return 0;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const perDay = count(minute, 0, 59) * count(hour, 0, 23);
  const months = count(month, 1, 12, MONTHS) / 12;
  let days: number;
  if (isAny(dom) && isAny(dow)) days = 30.42;
  else if (!isAny(dow)) days = count(dow.replace(/#\d+|L/g, ''), 1, 7, DAYS) * 4.35;
  else days = dom === 'L' || dom === 'LW' || /W$/.test(dom) ? 1 : count(dom, 1, 31);
  return perDay * days * months;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function isAny(field: string): boolean {
  return field === '*' || field === '?';
}

/** Values a cron field selects: `*`, `5`, `1,15`, `MON-FRI`, `0/15`, `* /5`. */
function count(field: string, min: number, max: number, names: readonly string[] = []): number {
  if (isAny(field)) return max - min + 1;
  const value = (s: string) => {
    const i = names.indexOf(s.toUpperCase());
    return i >= 0 ? i + min : Number(s);
  };
  const selected = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText ? Number(stepText) : 1;
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [lo, hi] = [value(a), value(b)];
    } else {
      lo = value(range);
      hi = stepText ? max : lo;
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(step > 0)) continue;
    for (let v = lo; v <= hi; v += step) selected.add(v);
  }
  return selected.size;
}
