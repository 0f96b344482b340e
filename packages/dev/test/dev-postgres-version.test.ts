import { describe, expect, it } from 'vitest';
import { versionMismatch } from '../src/peers/postgres/databases';

describe('berth dev: the PostgreSQL major it runs against database.version', () => {
  it('says nothing when the majors match', () => {
    expect(versionMismatch('17.9', '17.10')).toBeUndefined();
    expect(versionMismatch('17', '17.10')).toBeUndefined();
  });
  it('a newer local major: what works here may fail in the cloud', () => {
    expect(versionMismatch('16.13', '17.10')).toBe(
      'PostgreSQL 17.10 locally; the config says 16.13 — queries that rely on 17 features will fail in the cloud',
    );
  });
  it('an older local major: what the cloud has may fail here', () => {
    expect(versionMismatch('18.1', '17.10')).toBe(
      'PostgreSQL 17.10 locally; the config says 18.1 — queries that rely on 18 features will fail locally',
    );
  });
  it('no running server (or version unknown): nothing to say', () => {
    expect(versionMismatch('16.13', undefined)).toBeUndefined();
  });
});
