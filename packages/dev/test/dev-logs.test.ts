import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceProcess } from '../src/session/service';
import { formatLine } from '../src/terminal/logs';
import { Terminal } from '../src/terminal/terminal';

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

describe('berth dev log lines: control characters are shown, never obeyed', () => {
  // Every byte a terminal may act on: C0 (ESC, BEL, CR, LF, backspace…), DEL and C1 (U+009B is CSI on some terminals).
  // eslint-disable-next-line no-control-regex -- the test looks for control characters
  const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
  const hostile = [
    '\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07', // an OSC 8 hyperlink
    '\x1b]0;pwned\x07', // a window title
    '\x1b[2J\x1b[H', // clear the screen
    'ok\r\x1b[1A\x1b[2KERROR forged', // overwrite the previous line
    'a\nINFO  forged line', // a line of its own
    '\x9b31mC1 CSI\x9b0m',
    'bell\x07 back\x08 del\x7f nul\x00',
  ];
  /** The line with the prettifier's own colours (SGR codes it writes) taken out. */
  // eslint-disable-next-line no-control-regex -- the prettifier's own colour codes
  const withoutOwnColours = (s: string) => s.replace(/\x1b\[(?:0|31|32|33|35|90)m/g, '');

  it('in the message, every field, the access line, the level name, the stack, and a line that is not JSON', () => {
    for (const evil of hostile) {
      const lines = [
        JSON.stringify({ level: 30, time: 0, msg: evil }),
        JSON.stringify({ level: 30, time: 0, msg: 'x', userAgent: evil, nested: { url: evil }, [evil]: 1 }),
        JSON.stringify({
          level: 30,
          msg: 'request',
          request: { method: 'GET', url: `/search?q=${evil}`, headers: { 'user-agent': evil } },
          statusCode: 200,
          ms: 3,
        }),
        JSON.stringify({ level: evil, msg: 'x' }),
        JSON.stringify({
          level: 50,
          msg: 'boom',
          err: { message: evil, stack: `Error: ${evil}\n    at x (${evil})` },
        }),
        JSON.stringify({ level: 50, msg: 'boom', err: { stack: { weird: evil } } }),
        `plain output ${evil}`,
        `{ not json ${evil}`,
      ];
      for (const line of lines) {
        for (const verboseAccess of [false, true]) {
          const f = formatLine(line, { verboseAccess });
          // Line breaks are the stack's own (each followed by its indent); nothing else controls the terminal.
          const rows = (s: string) => s.split(/\n(?= {4})/);
          for (const row of rows(f.text)) expect(row, `${JSON.stringify(line)} (text)`).not.toMatch(CONTROL);
          for (const row of rows(withoutOwnColours(f.colored)))
            expect(row, `${JSON.stringify(line)} (colored)`).not.toMatch(CONTROL);
        }
      }
    }
  });

  it('shows them as escapes, so what was sent stays readable', () => {
    const f = formatLine(JSON.stringify({ level: 30, time: 0, msg: 'hi', ua: 'x\x1b]0;t\x07\r\n\x9b' }));
    expect(f.text).toBe('00:00:00.000 INFO  hi  ua=x\\x1b]0;t\\x07\\r\\n\\x9b');
    expect(f.colored).toBe(
      '\x1b[90m00:00:00.000\x1b[0m \x1b[32mINFO \x1b[0m hi  \x1b[90mua=x\\x1b]0;t\\x07\\r\\n\\x9b\x1b[0m',
    );
    expect(formatLine('done \x1b[31mred\x1b[0m\ttab').text).toBe('done \\x1b[31mred\\x1b[0m\ttab');
    // Ordinary text, tabs and non-Latin letters are untouched.
    expect(formatLine(JSON.stringify({ level: 30, time: 0, msg: 'Grüße\tこんにちは' })).text).toBe(
      '00:00:00.000 INFO  Grüße\tこんにちは',
    );
  });
});

describe('berth dev’s own notes: a watched file’s name is shown, never obeyed', () => {
  it('a file named with an escape sequence reloads the service with the name escaped in the note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-watch-'));
    let out = '';
    const terminal = new Terminal({
      write: (s: string) => ((out += s), true),
      isTTY: false,
    } as unknown as NodeJS.WriteStream);
    const api = new ServiceProcess(
      {
        name: 'api',
        command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
        port: 1,
        healthPath: '/health',
        stopTimeout: 2,
        watch: [dir],
      },
      terminal,
      'http://127.0.0.1:1',
    );
    api.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(join(dir, 'x\x1b]0;pwned\x07.js'), '');
      await expect.poll(() => out, { timeout: 5_000 }).toMatch(/changed, reloading/);
      expect(out).toContain('api: x\\x1b]0;pwned\\x07.js changed, reloading');
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      expect(out.replace(/\n/g, '')).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    } finally {
      await api.stop();
    }
  });
});
