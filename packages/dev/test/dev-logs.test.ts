import { describe, expect, it } from 'vitest';
import { formatLine } from '../src/terminal/logs';

describe('berth dev log lines', () => {
  it('shows pino’s numeric levels and other loggers’ named levels alike', () => {
    const t = Date.UTC(2026, 0, 2, 9, 42, 52, 801);
    expect(formatLine(JSON.stringify({ level: 50, time: t, msg: 'boom' }))).toMatchObject({
      text: '09:42:52.801 ERROR boom',
      level: 50,
    });
    for (const [name, shown, level] of [
      ['error', 'ERROR', 50],
      ['WARNING', 'WARN ', 40],
      ['debug', 'DEBUG', 20],
    ] as const) {
      const line = formatLine(JSON.stringify({ level: name, time: new Date(t).toISOString(), msg: 'x' }));
      expect(line.text, name).toBe(`09:42:52.801 ${shown} x`);
      expect(line.level).toBe(level);
    }
    expect(formatLine(JSON.stringify({ severity: 'error', msg: 'y' })).text).toMatch(/ ERROR y$/);
    expect(formatLine('plain text').text).toBe('plain text');
  });
});
