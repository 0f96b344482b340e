import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '../src/index';
import { baseApp } from './fixtures';

/** Values a user might plausibly (or implausibly) type anywhere in a config. */
const anyValue = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    0.25,
    0.3,
    1,
    2,
    16,
    1e9,
    Number.NaN,
    '',
    'x',
    '1 GB',
    'cron(0 3 * * ? *)',
    'rate(1 hour)',
    true,
    false,
    null,
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 }),
);

const KEYS = [
  'name',
  'services',
  'api',
  'cpu',
  'memory',
  'port',
  'hosts',
  'scaling',
  'min',
  'max',
  'capacity',
  'database',
  'engine',
  'minAcu',
  'maxAcu',
  'autoPause',
  'version',
  'instanceClass',
  'cache',
  'nodes',
  'tls',
  'buckets',
  'mail',
  'allowList',
  'jobs',
  'nightly',
  'schedule',
  'service',
  'size',
  'edge',
  'ingress',
  'cdn',
  'network',
  'nat',
  'azs',
  'endpoints',
  'environments',
  'prod',
  'dev',
  'overrides',
  'profile',
  'removal',
  'standby',
  'region',
  'bastion',
  'alarms',
  'env',
];

/** A path into the base config (existing keys mostly, sometimes new ones) and a value to put there. */
const mutation = fc.tuple(fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 4 }), anyValue);

function mutate(target: Record<string, unknown>, path: string[], value: unknown) {
  let cur: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

describe('resolve() under generated configs', () => {
  it('returns a ResolvedApp or throws ConfigError — never anything else', () => {
    fc.assert(
      fc.property(
        fc.array(mutation, { maxLength: 5 }),
        fc.constantFrom('dev', 'staging', 'prod', 'qa'),
        (mutations, stage) => {
          const cfg = structuredClone(baseApp()) as Record<string, unknown>;
          for (const [path, value] of mutations) mutate(cfg, path, value);
          try {
            const r = resolve(cfg, stage);
            expect(Object.isFrozen(r)).toBe(true);
          } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            expect(err.issues.length).toBeGreaterThan(0);
            for (const issue of err.issues) expect(typeof issue.message).toBe('string');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts arbitrary JSON at the root without crashing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          resolve(value, 'prod');
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });
});
