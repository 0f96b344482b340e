import { expect } from 'vitest';
import { ConfigError, resolve, type AppConfig } from '../src/index';

/** A small valid app; tests change one thing at a time. */
export function baseApp(): AppConfig {
  return {
    name: 'shop',
    services: { api: { hosts: ['api'] }, cms: { hosts: ['cms'], port: 4000 } },
    database: { engine: 'aurora-serverless-v2', version: '16.4' },
    cache: {},
    buckets: { uploads: {} },
    mail: { domain: 'shop.example.com', from: 'hi@shop.example.com', allowList: ['@example.com'] },
    jobs: { nightly: { schedule: 'cron(0 3 * * ? *)', command: ['node', 'job.js', 'nightly'] } },
    edge: { domain: 'shop.example.com' },
    alarms: { emails: ['ops@example.com'] },
    environments: { dev: {}, staging: {}, prod: { account: '123456789012' } },
  };
}

/** Deep-merges a patch into the base app (arrays replaced). */
export function app(patch: Record<string, unknown> = {}): AppConfig {
  return merge(baseApp(), patch) as AppConfig;
}

function merge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isObj(a) || !isObj(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = v === undefined ? undefined : merge(a[k], v);
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The problems `resolve` reports for a config it must refuse, as `path: message` lines. */
export function problems(cfg: unknown, stage = 'prod'): string[] {
  try {
    resolve(cfg, stage);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}
