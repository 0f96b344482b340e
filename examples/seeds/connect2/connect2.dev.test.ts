import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../../../test/support/python';
import {
  devUp,
  freePort,
  http,
  startDev,
  until,
  type Dev,
} from '../../../packages/dev/test/support/dev-session';

/**
 * Connect 2.0 (FastAPI, psycopg, redis-py, boto3) under `berth dev`, driven over HTTP through the router. The app
 * holds no endpoint, region, DSN or port: `psycopg.connect()`, `boto3.client("s3")` and uvicorn's `--port ${PORT}`
 * get everything from the contract berth dev gives it.
 */
const CONFIG = join(import.meta.dirname, 'berth.config.ts');

let dev: Dev;
let state: string;
let port: number;
let peers: Record<string, string>;

/** The console's JSON API (local Host, so it answers). */
async function api(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return http(port, path, init);
}

beforeAll(async () => {
  const bin = dirname(python());
  state = mkdtempSync(join(tmpdir(), 'berth-connect2-'));
  port = await freePort();
  // The developer's activated venv: `python3` on PATH has FastAPI, uvicorn, psycopg, boto3 and redis.
  dev = startDev(CONFIG, state, port, { PATH: `${bin}:${process.env.PATH ?? ''}` });
  await devUp(dev, 'connect2-api');
  peers = (await api('/_berth/api/app')).json().peers as Record<string, string>;
});

afterAll(async () => {
  await dev?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe('connect2 (FastAPI) under berth dev', () => {
  it('the service answers through the router, on its host name and as the default service', async () => {
    const direct = await http(port, '/health');
    expect(direct.status, direct.body).toBe(200);
    expect(direct.json()).toEqual({ ok: true });
    const byHost = await http(port, '/ready', { host: `api-dev.connect.com:${port}` });
    expect(byHost.status, byHost.body).toBe(200);
  });

  it('a database round trip (migrations ran first) and the last count cached in a password-protected Redis', async () => {
    const before = (await http(port, '/visits')).json().visits as number;
    const one = await http(port, '/visits', { method: 'POST' });
    const two = await http(port, '/visits', { method: 'POST' });
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(two.json().visits).toBe(before + 2);
    const read = (await http(port, '/visits')).json();
    expect(read).toEqual({ visits: before + 2, last: before + 2 });
    // redis-py's `Redis.from_url(os.environ["CACHE_URL"])`, unchanged, logged in: the URL carries the password, as
    // the cloud's `rediss://:<token>@…` does. The console shows the endpoint without it.
    expect(peers.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const anonymous = new Redis(peers.redis!, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    anonymous.on('error', () => undefined);
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.get('visits:last')).rejects.toThrow(/NOAUTH|closed/);
    anonymous.disconnect();
    const { password } = JSON.parse(readFileSync(join(state, 'redis', 'credentials.json'), 'utf8')) as {
      password: string;
    };
    const redis = new Redis(peers.redis!, { password, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.get('visits:last')).toBe(String(before + 2));
      // What the app reads back is this Redis's value: one written here (with the password) is what it serves.
      await redis.set('visits:last', '41');
    } finally {
      redis.disconnect();
    }
    expect((await http(port, '/visits')).json().last).toBe(41);
  });

  it('an S3 presigned PUT made by boto3: the bytes uploaded with fetch are read back through the app', async () => {
    const created = await http(port, '/documents', { method: 'POST' });
    expect(created.status, created.body).toBe(201);
    const { id, upload } = created.json() as { id: string; upload: string };
    // SigV4, signed with this state's key, against the local peer boto3 found in AWS_ENDPOINT_URL_S3.
    const url = new URL(upload);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^BERTH[0-9A-F]+\/\d{8}\/us-west-2\/s3\//);
    const bytes = Buffer.from(`connect2 document ${id}\n`);
    const put = await fetch(upload, { method: 'PUT', body: bytes });
    expect(put.status, await put.text()).toBe(200);
    const back = await http(port, `/documents/${id}`);
    expect(back.status).toBe(200);
    expect(back.body).toBe(bytes.toString());
    const buckets = (await api('/_berth/api/buckets')).json() as {
      name: string;
      objects: { key: string; size: number }[];
    }[];
    expect(buckets.find((b) => b.name === 'documents')?.objects).toContainEqual(
      expect.objectContaining({ key: `uploads/${id}`, size: bytes.length }),
    );
    // The same URL with its signature's key id changed is refused by berth dev's gate.
    url.searchParams.set(
      'X-Amz-Credential',
      url.searchParams.get('X-Amz-Credential')!.replace(/^BERTH/, 'AKIA'),
    );
    expect((await fetch(url, { method: 'PUT', body: bytes })).status).toBe(403);
    expect((await http(port, '/documents/not-a-uuid')).status).toBe(422);
    expect((await http(port, `/documents/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it('an email sent with boto3 SES v2 reaches the outbox; one outside MAIL_ALLOW_LIST is not sent', async () => {
    const to = `ada-${Date.now()}@connect.com`;
    const sent = await http(port, '/welcome', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to }),
    });
    expect(sent.status, sent.body).toBe(200);
    expect(sent.json()).toMatchObject({ sent: true });
    const outbox = (await api('/_berth/api/mail')).json() as {
      from: string;
      to: string[];
      subject: string;
      text: string;
    }[];
    expect(outbox).toContainEqual(
      expect.objectContaining({
        from: 'Connect <no-reply@connect.com>',
        to: [to],
        subject: 'Welcome to Connect',
        text: 'Your Connect account is ready.',
      }),
    );
    const outside = await http(port, '/welcome', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'eve@elsewhere.example' }),
    });
    expect(outside.json()).toEqual({ sent: false, reason: 'not on MAIL_ALLOW_LIST' });
    const after = (await api('/_berth/api/mail')).json() as { to: string[] }[];
    expect(after.some((m) => m.to.includes('eve@elsewhere.example'))).toBe(false);
    const bad = await http(port, '/welcome', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'not an address' }),
    });
    expect(bad.status).toBe(422);
  });

  it('the cron job run from the console prunes visits older than 90 days, and only those', async () => {
    // Three visits from 100 days ago, written as the app's own role (the one DATABASE_SECRET carries).
    const credentials = JSON.parse(readFileSync(join(state, 'credentials.json'), 'utf8')) as {
      postgres: { appUser: string; appPassword: string };
    };
    const at = new URL(peers.postgres!);
    const db = new pg.Client({
      host: at.hostname,
      port: Number(at.port),
      database: at.pathname.slice(1),
      user: credentials.postgres.appUser,
      password: credentials.postgres.appPassword,
    });
    await db.connect();
    try {
      await db.query("INSERT INTO visits (at) SELECT now() - interval '100 days' FROM generate_series(1, 3)");
    } finally {
      await db.end();
    }
    const before = (await http(port, '/visits')).json().visits as number;
    const token = (JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { token: string }).token;
    const started = await api('/_berth/api/jobs/prune-visits/run', {
      method: 'POST',
      headers: { 'x-berth-token': token },
    });
    expect(started.status, started.body).toBe(202);
    const { id } = started.json() as { id: string };
    const run = await until('prune-visits to finish', async () => {
      const jobs = (await api('/_berth/api/jobs')).json() as {
        name: string;
        lastRun: { id: string; exitCode: number | null; output: string[] } | null;
      }[];
      const last = jobs.find((j) => j.name === 'prune-visits')?.lastRun;
      return last?.id === id && last.exitCode !== null ? last : undefined;
    });
    expect(run.exitCode, run.output.join('\n')).toBe(0);
    expect(run.output.join('\n')).toMatch(/pruned 3 visits/);
    expect((await http(port, '/visits')).json().visits).toBe(before - 3);
  });

  it("berth dev's own health checks print no access lines; the requests you make do", async () => {
    // The service has been healthy for seconds, checked every 2 s: uvicorn logs each check unless hidden.
    await new Promise((r) => setTimeout(r, 4_500));
    await http(port, '/ready');
    await until('the /ready access line', () => /"GET \/ready HTTP\/1\.1" 200/.test(dev.output()));
    const health = dev.output().match(/"GET \/health HTTP\/1\.1" 200/g) ?? [];
    // Only the one GET /health this file sent through the router (and never the checks).
    expect(health.length).toBeLessThanOrEqual(1);
    expect(dev.output()).toMatch(/"POST \/visits HTTP\/1\.1" 200/);
  });
});
