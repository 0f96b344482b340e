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

  it('fails no request during three reloads in a row: continuous GETs and POSTs all succeed', async () => {
    const reloads = () => dev.output().match(/touch\.js changed, reloading/g)?.length ?? 0;
    const before = reloads();
    const pids = new Set<number>();
    const results: { status: number; sent?: number; bytes?: number }[] = [];
    let running = true;
    let n = 0;
    const worker = async () => {
      while (running) {
        const body = n++ % 2 ? `post-${n};`.repeat(100) : undefined;
        const r = await http(port, body ? '/upload' : '/env', {
          host: `api.localhost:${port}`,
          ...(body ? { method: 'POST', body } : {}),
        }).catch(() => undefined);
        const json = r?.status === 200 ? (r.json() as { bytes?: number; pid?: number }) : {};
        if (json.pid) pids.add(json.pid);
        results.push({ status: r?.status ?? 0, ...(body ? { sent: body.length, bytes: json.bytes } : {}) });
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    for (let reload = 1; reload <= 3; reload++) {
      await new Promise((r) => setTimeout(r, 300));
      const now = new Date(Date.now() + reload * 1000);
      utimesSync(join(app, 'watched/touch.js'), now, now);
      await until(`reload ${reload}`, () => reloads() >= before + reload, 10_000);
      await until(
        `the api healthy after reload ${reload}`,
        async () => (await api('/health')).status === 200,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(workers);
    const failed = results.filter((r) => r.status !== 200);
    expect(failed, `${failed.length} of ${results.length}: ${JSON.stringify(failed.slice(0, 5))}`).toEqual(
      [],
    );
    // Every POST's body reached the service whole.
    expect(results.filter((r) => r.sent !== undefined && r.bytes !== r.sent)).toEqual([]);
    expect(pids.size).toBe(4);
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
