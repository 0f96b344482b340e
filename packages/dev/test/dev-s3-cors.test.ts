import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import { startS3, withLocalOrigins, type LocalS3 } from '../src/peers/s3/s3';
import { freePort } from '../../../test/support';

const talent = (await import(resolvePath(import.meta.dirname, '../../../examples/talent/berth.config.ts')))
  .default;

describe("berth dev's S3 peer applies the bucket's CORS rules, with berth dev's own origins added", () => {
  let s3: LocalS3;
  const router = 4123;
  beforeAll(async () => {
    const dev = resolve(talent, 'dev');
    s3 = await startS3({
      dir: mkdtempSync(join(tmpdir(), 'berth-s3-cors-')),
      port: await freePort(),
      buckets: withLocalOrigins({ 'talent-resumes': dev.buckets.resumes! }, router),
      credentials: { accessKeyId: 'CORS-TEST', secretAccessKey: 'secret' },
    });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  const preflight = (origin: string, method: string, headers?: string) =>
    fetch(`${s3.endpoint}/talent-resumes/resumes/x.pdf`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        ...(headers ? { 'access-control-request-headers': headers } : {}),
      },
    });

  it('answers a POST or GET preflight from the local router and from the environment’s own site', async () => {
    for (const origin of [
      `http://localhost:${router}`,
      `http://api.localhost:${router}`,
      'https://dev.talent.example.com',
    ]) {
      for (const method of ['POST', 'GET']) {
        const res = await preflight(origin, method);
        expect(res.status, `${origin} ${method}`).toBe(200);
        // s3rver answers a matched preflight with `*` as the allowed origin (S3 echoes the origin); unmatched ones are 403.
        expect(res.headers.get('access-control-allow-methods')).toBe('POST, GET');
      }
    }
  });

  it('refuses another site, a method the app does not use, and an extra request header', async () => {
    expect((await preflight('https://evil.example', 'POST')).status).toBe(403);
    expect((await preflight(`http://localhost:${router + 1}`, 'GET')).status).toBe(403);
    expect((await preflight(`http://localhost:${router}`, 'PUT')).status).toBe(403);
    expect((await preflight(`http://localhost:${router}`, 'DELETE')).status).toBe(403);
    expect((await preflight(`http://localhost:${router}`, 'POST', 'x-amz-meta-evil')).status).toBe(403);
  });
});
