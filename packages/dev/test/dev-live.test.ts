import { cpSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devUp, freePort, http, ROOT, startDev, until, type Dev } from './support/dev-session';

/** berth dev on a copy of the lite fixture, so the test can edit its config and sources. */
describe('berth dev: live to config and code edits', () => {
  let app: string;
  let dev: Dev;
  let port: number;
  const api = (path: string) => http(port, path, { host: `api.localhost:${port}` });

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'berth-live-'));
    cpSync(join(ROOT, 'packages/dev/test/fixtures/dev-lite'), app, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
    port = await freePort();
    dev = startDev(join(app, 'berth.config.ts'), join(app, '.berth'), port);
    await devUp(dev, 'lite');
  });
  afterAll(() => dev?.stop());

  it('fails no request during a reload: 80 requests sent while the service restarts all succeed', async () => {
    const before = (await api('/env')).json().pid as number;
    const now = new Date();
    utimesSync(join(app, 'watched/touch.js'), now, now);
    const answers = await Promise.all(
      Array.from(
        { length: 80 },
        (_, i) =>
          new Promise<{ status: number; pid?: number }>((resolve) =>
            setTimeout(() => {
              api('/env')
                .then((r) => resolve({ status: r.status, pid: r.status === 200 ? r.json().pid : undefined }))
                .catch((err: Error) => resolve({ status: 0, pid: undefined, ...{ err: err.message } }));
            }, i * 15),
          ),
      ),
    );
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed, JSON.stringify(failed)).toEqual([]);
    // The reload happened in the middle of them: later requests were answered by the new process.
    expect(answers.at(-1)!.pid).not.toBe(before);
    expect(dev.output()).toMatch(/api: touch\.js changed, reloading/);
  });

  it('creates a bucket added to the config within seconds, and restarts the service with its env', async () => {
    const file = join(app, 'berth.config.ts');
    const t0 = Date.now();
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('buckets: { uploads: {} }', 'buckets: { uploads: {}, avatars: {} }'),
    );
    const buckets = await until(
      'the new bucket in the console',
      async () => {
        const list = (await http(port, '/_berth/api/buckets')).json() as { name: string; bucket: string }[];
        return list.some((b) => b.name === 'avatars') ? list : undefined;
      },
      10_000,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(buckets.map((b) => b.bucket).sort()).toEqual(['lite-avatars', 'lite-uploads']);
    const env = await until(
      'the api to restart with BUCKET_AVATARS',
      async () => {
        const e = (await api('/env')).json().env as Record<string, string>;
        return e.BUCKET_AVATARS ? e : undefined;
      },
      10_000,
    );
    expect(env.BUCKET_AVATARS).toBe('lite-avatars');
    expect(dev.output()).toMatch(/config reloaded: bucket avatars created.*api restarting/);
  });

  it('keeps running on an invalid config, and names what only a restart applies', async () => {
    const file = join(app, 'berth.config.ts');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('port: 3000', 'port: 70000'));
    await until('the config error', () => /keeping the running config/.test(dev.output()), 10_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${dev.output()}`);
      },
    );
    expect(dev.output()).toMatch(/services\.api\.port/);
    expect((await api('/health')).status).toBe(200);
    writeFileSync(
      file,
      good.replace("region: 'us-east-1',", "region: 'us-east-1',\n  cache: { engine: 'redis' },"),
    );
    await until('the restart note', () => /restart berth dev to apply cache/.test(dev.output()), 10_000);
    expect((await api('/health')).status).toBe(200);
  });
});
