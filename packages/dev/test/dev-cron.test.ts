import { describe, expect, it } from 'vitest';
import { nextRun, toCroner } from '../src/scheduler/cron';

describe('EventBridge cron → croner', () => {
  it('drops the year and turns ? into *', () => {
    expect(toCroner('cron(0 9 * * ? *)')).toBe('0 9 * * *');
    expect(toCroner('cron(15 10 ? * * *)')).toBe('15 10 * * *');
  });

  it('renumbers day-of-week from 1–7 (SUN–SAT) to 0–6', () => {
    expect(toCroner('cron(0 8 ? * 2-6 *)')).toBe('0 8 * * 1-5');
    expect(toCroner('cron(0 8 ? * 1,7 *)')).toBe('0 8 * * 0,6');
    expect(toCroner('cron(0 8 ? * MON-FRI *)')).toBe('0 8 * * 1-5');
    expect(toCroner('cron(0 8 ? * 6L *)')).toBe('0 8 * * 5#L');
    expect(toCroner('cron(0 8 ? * 2#1 *)')).toBe('0 8 * * 1#1');
  });

  it('refuses what it cannot express, naming the expression', () => {
    expect(() => toCroner('cron(0 8 * * ? 2030)')).toThrow(/specific year \(2030\)/);
    expect(() => toCroner('cron(0 8 15W * ? *)')).toThrow(/'W'/);
    expect(() => toCroner('cron(0 8 * * ?)')).toThrow(/6 fields, got 5/);
  });

  it('computes the next run in UTC', () => {
    const now = new Date('2026-03-04T10:00:00Z'); // a Wednesday
    expect(nextRun('cron(0 9 * * ? *)', now, now)?.toISOString()).toBe('2026-03-05T09:00:00.000Z');
    // 2 = Monday in EventBridge
    expect(nextRun('cron(30 6 ? * 2 *)', now, now)?.toISOString()).toBe('2026-03-09T06:30:00.000Z');
    expect(nextRun('cron(0 12 1 * ? *)', now, now)?.toISOString()).toBe('2026-04-01T12:00:00.000Z');
  });

  it('counts rate() from when the scheduler started', () => {
    const since = new Date('2026-03-04T10:00:00Z');
    expect(nextRun('rate(1 hour)', since, since)?.toISOString()).toBe('2026-03-04T11:00:00.000Z');
    expect(nextRun('rate(15 minutes)', new Date('2026-03-04T10:31:00Z'), since)?.toISOString()).toBe(
      '2026-03-04T10:45:00.000Z',
    );
  });
});
