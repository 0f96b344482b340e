import { describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '../src/index';
import { app } from './fixtures';

const withBucket = (bucket: Record<string, unknown>) => app({ buckets: { files: bucket } });

describe('buckets: noncurrent version expiry', () => {
  it('defaults per profile on versioned buckets, and is null on unversioned ones', () => {
    expect(resolve(withBucket({}), 'prod').buckets.files).toMatchObject({
      versioned: true,
      noncurrentVersionDays: 30,
    });
    expect(resolve(withBucket({ versioned: true }), 'staging').buckets.files?.noncurrentVersionDays).toBe(7);
    expect(resolve(withBucket({ versioned: true }), 'dev').buckets.files?.noncurrentVersionDays).toBe(1);
    expect(resolve(withBucket({}), 'dev').buckets.files).toMatchObject({
      versioned: false,
      noncurrentVersionDays: null,
    });
    expect(
      resolve(withBucket({ noncurrentVersionDays: 90 }), 'prod').buckets.files?.noncurrentVersionDays,
    ).toBe(90);
  });
  it('refuses a knob that cannot act, naming the path and the value', () => {
    const issues = (cfg: unknown, stage: string) => {
      try {
        resolve(cfg, stage);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(issues(withBucket({ noncurrentVersionDays: 0 }), 'prod')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^buckets\.files\.noncurrentVersionDays: got 0; must be ≥ 1$/),
      ]),
    );
    expect(issues(withBucket({ noncurrentVersionDays: 5 }), 'dev')).toEqual([
      expect.stringMatching(/^buckets\.files\.noncurrentVersionDays: got 5, but the bucket is not versioned/),
    ]);
  });
});
