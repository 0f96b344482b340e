import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterPattern } from 'aws-cdk-lib/aws-logs';
import { resolve } from '../src/index';
import { patternProblem, regexCount } from '../src/log-patterns';
import { app, problems } from './fixtures';

const withPatterns = (logPatterns: Record<string, unknown>) =>
  app({ alarms: { emails: ['ops@example.com'], logPatterns } });

describe('alarms.logPatterns', () => {
  it('resolves with defaults: one line within 5 minutes', () => {
    const r = resolve(withPatterns({ 'api-errors': { service: 'api', pattern: '"Unhandled"' } }), 'prod');
    expect(r.alarms!.logPatterns).toEqual([
      { name: 'api-errors', service: 'api', pattern: '"Unhandled"', threshold: 1, minutes: 5 },
    ]);
  });

  it('refuses, with the path and what is allowed: an unknown service, a bad name, an empty or broken pattern, a period past a day', () => {
    const found = problems(
      withPatterns({
        Errors: { service: 'api', pattern: 'ERROR' },
        'no-service': { service: 'worker', pattern: 'ERROR' },
        empty: { service: 'api', pattern: '  ' },
        json: { service: 'api', pattern: '{ $.level = "error" ' },
        phrase: { service: 'api', pattern: '"payment failed' },
        regex: { service: 'cms', pattern: '%a% %b% %c%' },
        day: { service: 'api', pattern: 'ERROR', minutes: 1441 },
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^alarms\.logPatterns\.Errors: a name is lower-case letters/),
        expect.stringMatching(
          /^alarms\.logPatterns\.no-service\.service: got "worker"; no such service; declared: api, cms/,
        ),
        expect.stringMatching(/^alarms\.logPatterns\.empty\.pattern: an empty pattern matches every line/),
        expect.stringMatching(/^alarms\.logPatterns\.json\.pattern: \{ opened and not closed/),
        expect.stringMatching(/^alarms\.logPatterns\.phrase\.pattern: a quoted phrase is not closed/),
        expect.stringMatching(
          /^alarms\.logPatterns\.regex\.pattern: 3 regular expressions .* at most 2 in one pattern/,
        ),
        expect.stringMatching(/^alarms\.logPatterns\.day\.minutes: got 1441; allowed 1–1440/),
      ]),
    );
    expect(found).toHaveLength(7);
  });

  it('refuses more regular expressions on one log group than CloudWatch takes (5)', () => {
    const found = problems(
      withPatterns(
        Object.fromEntries([1, 2, 3].map((n) => [`r${n}`, { service: 'api', pattern: `%a${n}% %b${n}%` }])),
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(/6 regular expressions .* service api's patterns; .* at most 5/),
    ]);
  });

  it('checks the patterns in environments without alarms too (dev)', () => {
    const cfg = withPatterns({ broken: { service: 'api', pattern: '[ip, user' } });
    expect(problems(cfg, 'dev')).toEqual([
      expect.stringMatching(/broken\.pattern: \[ opened and not closed/),
    ]);
    // Valid, dev has no alarms and so no log pattern alarms.
    expect(resolve(withPatterns({ ok: { service: 'api', pattern: 'ERROR' } }), 'dev').alarms).toBeNull();
  });

  it("accepts every pattern the CDK's own FilterPattern builders write (terms, phrases, JSON, space-delimited)", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/);
    const text = fc.string({ minLength: 1, maxLength: 20 });
    const field = fc.stringMatching(/^\$\.[a-z][a-zA-Z0-9]{0,8}$/);
    const json = fc.oneof(
      fc.tuple(field, text).map(([f, v]) => FilterPattern.stringValue(f, '=', v)),
      fc.tuple(field, fc.integer()).map(([f, v]) => FilterPattern.numberValue(f, '>', v)),
      field.map((f) => FilterPattern.exists(f)),
      field.map((f) => FilterPattern.booleanValue(f, true)),
    );
    const pattern = fc.oneof(
      fc.array(text, { minLength: 1, maxLength: 4 }).map((t) => FilterPattern.allTerms(...t)),
      fc.array(word, { minLength: 1, maxLength: 4 }).map((t) => FilterPattern.anyTerm(...t)),
      fc.array(json, { minLength: 1, maxLength: 3 }).map((p) => FilterPattern.all(...p)),
      fc.array(json, { minLength: 1, maxLength: 3 }).map((p) => FilterPattern.any(...p)),
      fc
        .array(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: 1, maxLength: 5 })
        .map((cols) => FilterPattern.spaceDelimited(...new Set(cols)).whereString(cols[0]!, '=', 'x')),
    );
    fc.assert(
      fc.property(pattern, (p) => {
        const s = p.logPatternString;
        expect(patternProblem(s)).toBeUndefined();
        // …and cut before its last character (a closing brace, bracket or quote), it is refused.
        if (/[}\]"]$/.test(s)) expect(patternProblem(s.slice(0, -1))).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('counts regular expressions outside quoted phrases only', () => {
    expect(regexCount('%ab+c% "%not a regex%" %d%')).toBe(2);
    expect(regexCount('{ $.path = %^/api/% }')).toBe(1);
  });
});
