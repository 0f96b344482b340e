import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './support/dev-session';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const FIXTURE = join(ROOT, 'packages/dev/test/fixtures/dev-app/berth.config.ts');

interface Dev {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The state folder of the berth dev started on each port: console calls read its token from dev.json. */
const states = new Map<number, string>();

function startDev(state: string, port: number, config = FIXTURE): Dev {
  states.set(port, state);
  const child = spawn(
    process.execPath,
    [BIN, 'dev', '--config', config, '--state', state, '--port', String(port)],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => text, exited };
}

/** The script token of the berth dev running on `port` (dev.json, as `berth dev rotate` reads it). */
function runFile(port: number): { token: string; consoleUrl: string } {
  return JSON.parse(readFileSync(join(states.get(port)!, 'dev.json'), 'utf8')) as {
    token: string;
    consoleUrl: string;
  };
}

/**
 * One request to the router. Console calls (`/_berth/…` but the issuer's documents) carry the script token from
 * dev.json, as a script of the developer's would, unless `anonymous` (another local account) or other credentials
 * are given.
 */
function http(
  port: number,
  path: string,
  options: {
    method?: string;
    host?: string;
    headers?: Record<string, string>;
    body?: string;
    anonymous?: boolean;
  } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked with matchers
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders; json: () => any }> {
  const own =
    !options.anonymous &&
    (path === '/_berth' || path.startsWith('/_berth/')) &&
    !path.startsWith('/_berth/oidc/') &&
    !path.startsWith('/_berth/login') &&
    !options.headers?.['x-berth-token'] &&
    !options.headers?.cookie;
  const credential = own ? { 'x-berth-token': runFile(port).token } : {};
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `localhost:${port}`, ...credential, ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            json: () => JSON.parse(body),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('berth dev (fixture app)', () => {
  let state: string;
  let port: number;
  let dev: Dev;
  /** The session cookie a sign-in of the first run set, to present to the second. */
  let browserCookie: string | undefined;

  beforeAll(async () => {
    // A temp state folder (mkdtemp makes it 0700: berth dev itself lets PostgreSQL through when run as root).
    state = mkdtempSync(join(tmpdir(), 'berth-dev-'));
    port = await freePort();
    dev = startDev(state, port);
    await until(
      'berth dev to be up',
      () => (/fixture is up/.test(dev.output()) ? true : undefined),
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${dev.output()}`);
    });
  });

  afterAll(async () => {
    if (dev.child.exitCode === null) {
      dev.child.kill('SIGTERM');
      await dev.exited;
    }
  });

  it('routes Host api.localhost to the api service, which got its database migrated', async () => {
    expect((await http(port, '/health', { host: `api.localhost:${port}` })).status).toBe(200);
    const db = await http(port, '/db', { host: `api.localhost:${port}` });
    expect(db.json()).toEqual({ n: 1 });
  });

  it('says plainly that it runs PostgreSQL 17 for a config that says 16.13: terminal, summary and console', async () => {
    const out = dev.output();
    const sentence =
      /PostgreSQL 17\.\d+ locally; the config says 16\.13 — queries that rely on 17 features will fail in the cloud/;
    expect(out).toMatch(new RegExp(`⚠ database: ${sentence.source}`));
    expect(out).toMatch(new RegExp(`\\n  database +${sentence.source}`));
    expect(out).toMatch(/✔ postgres 17\.\d+ ready on :\d+/);
    const app = (await http(port, '/_berth/api/app')).json();
    expect(app.database).toMatchObject({ configured: '16.13', running: expect.stringMatching(/^17\.\d+$/) });
    expect(app.database.mismatch).toMatch(sentence);
  });

  it('gives the service the contract env with local values, and X-Forwarded-* headers', async () => {
    const { env, headers } = (await http(port, '/env', { host: `api.localhost:${port}` })).json();
    expect(env).toMatchObject({
      BERTH_APP: 'fixture',
      BERTH_SERVICE: 'api',
      BUCKET_UPLOADS: 'fixture-uploads',
      AUTH_ISSUER: `http://localhost:${port}/_berth/oidc`,
      AUTH_AUDIENCE: 'fixture-api',
    });
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^BERTH[0-9A-F]{15}$/);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.AWS_ENDPOINT_URL_S3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(env.DATABASE_SECRET)).toMatchObject({
      dbname: 'fixture',
      host: '127.0.0.1',
      username: 'app',
    });
    expect(env).not.toHaveProperty('DATABASE_URL');
    expect(headers).toMatchObject({
      'x-forwarded-host': `api.localhost:${port}`,
      'x-forwarded-proto': 'http',
    });
  });

  it('gives every peer per-state credentials: fixed passwords fail, the app role is no superuser', async () => {
    const { env } = (await http(port, '/env', { host: `api.localhost:${port}` })).json();
    const secret = JSON.parse(env.DATABASE_SECRET);
    const login = async (user: string, password: string) => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: secret.port,
        user,
        password,
        database: 'postgres',
      });
      try {
        await client.connect();
        return client;
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    for (const password of ['berth', 'postgres', 'S3RVER'])
      expect(await login('postgres', password), password).toBe('28P01');
    expect(await login('app', 'berth')).toBe('28P01');
    const app = await login(secret.username, secret.password);
    expect(app).toBeInstanceOf(pg.Client);
    const client = app as pg.Client;
    await expect(client.query("COPY (SELECT 1) TO PROGRAM 'id'")).rejects.toThrow(
      /permission denied|must be superuser|pg_execute_server_program/,
    );
    expect(
      (await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0],
    ).toEqual({ rolsuper: false });
    await client.end();
    const credentials = JSON.parse(readFileSync(join(state, 'credentials.json'), 'utf8'));
    expect(credentials.postgres.superuserPassword).toMatch(/^[\w-]{32}$/);
    expect(env.DATABASE_SECRET).not.toContain(credentials.postgres.superuserPassword);

    // S3 and SES answer this state's access key only: unsigned and s3rver's well-known S3RVER key get 403.
    const s3 = env.AWS_ENDPOINT_URL_S3 as string;
    const unsigned = await fetch(`${s3}/fixture-uploads?list-type=2`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
    const { S3Client, ListObjectsV2Command, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const s3With = (accessKeyId: string, secretAccessKey: string) =>
      new S3Client({
        endpoint: s3,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
      });
    await expect(
      s3With('S3RVER', 'S3RVER').send(new ListObjectsV2Command({ Bucket: 'fixture-uploads' })),
    ).rejects.toThrow(/not this berth dev's/);
    const ours = s3With(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY);
    await ours.send(new PutObjectCommand({ Bucket: 'fixture-uploads', Key: 'private.txt', Body: 'secret' }));
    const sesEndpoint = (await http(port, '/_berth/api/app')).json().peers.ses as string;
    const ses = await fetch(`${sesEndpoint}/v2/email/outbound-emails`, { method: 'POST', body: '{}' });
    expect(ses.status).toBe(403);
  });

  it('keeps the state folder private: folder 0700 (0710 for the postgres group as root), files 0600', () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(state)).toBe(process.getuid?.() === 0 ? 0o710 : 0o700);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (p === join(state, 'postgres')) continue;
        if (statSync(p).isDirectory()) {
          expect(mode(p), p).toBe(0o700);
          walk(p);
        } else files.push(p);
      }
    };
    walk(state);
    for (const name of ['dev.json', 'ports.json', 'credentials.json', 'oidc-key.json'])
      expect(files).toContain(join(state, name));
    expect(files.some((f) => f.includes(`${join(state, 's3')}`))).toBe(true);
    for (const f of files) expect(mode(f), f).toBe(0o600);
    expect(mode(join(state, 'postgres', 'data'))).toBe(0o700);
  });

  it('listens on loopback only: no wildcard listener from any process of the session', () => {
    const tree = new Set([dev.child.pid!]);
    // Children by parent pid, until no new ones (services and postgres run in their own process groups).
    for (let grew = true; grew;) {
      grew = false;
      for (const pid of readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .map(Number)) {
        try {
          const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
          if (tree.has(ppid) && !tree.has(pid)) {
            tree.add(pid);
            grew = true;
          }
        } catch {
          // gone
        }
      }
    }
    const ss = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout;
    const ours = ss
      .split('\n')
      .filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => tree.has(Number(m[1]))));
    expect(ours.length).toBeGreaterThanOrEqual(5); // router (v4, v6), api, postgres, s3rver, ses
    for (const line of ours) {
      const local = line.trim().split(/\s+/)[3]!;
      expect(local, line).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
    }
  });

  it('serves the console page, the JWKS and the buckets', async () => {
    const page = await http(port, '/_berth');
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="services-body"');
    const jwks = (await http(port, '/_berth/oidc/.well-known/jwks.json')).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const buckets = (await http(port, '/_berth/api/buckets')).json();
    expect(buckets).toEqual([
      {
        name: 'uploads',
        bucket: 'fixture-uploads',
        objects: [{ key: 'private.txt', size: 6, lastModified: expect.any(String) }],
        truncated: false,
      },
    ]);
    const svg = await http(port, '/_berth/api/diagram.svg');
    expect(svg.body).toContain('<svg');
  });

  it('answers loopback Host names only, and refuses state changes from other origins or without the token', async () => {
    for (const host of [
      `attacker.example:${port}`,
      `api.attacker.example:${port}`,
      `localhost:${port + 1}`,
    ]) {
      const res = await http(port, '/_berth/api/mail', { host });
      expect(res.status, host).toBe(421);
      expect(res.body).toContain(`refuses Host '${host}'`);
    }
    // The console is for loopback names; the app's hosts are the router's.
    expect((await http(port, '/_berth/api/mail', { host: `api.localhost:${port}` })).status).toBe(421);
    expect((await http(port, '/health', { host: `attacker.example:${port}` })).status).toBe(421);
    for (const host of [`127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await http(port, '/_berth/api/mail', { host })).status, host).toBe(200);
    }

    // What any web page may send without a preflight: a text/plain POST, with its own Origin.
    const token = await consoleToken();
    const crossSite = await http(port, '/_berth/api/jobs/hello/run', {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'content-type': 'text/plain', 'x-berth-token': token },
      body: 'x',
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json().error).toContain("Origin 'https://attacker.example'");
    const noToken = await http(port, '/_berth/api/jobs/hello/run', {
      method: 'POST',
      headers: { origin: `http://localhost:${port}`, 'content-type': 'text/plain' },
      anonymous: true,
    });
    expect(noToken.status).toBe(401);
    const wrongToken = await http(port, '/_berth/api/jobs/hello/run', {
      method: 'POST',
      headers: { 'x-berth-token': token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) },
    });
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.json().error).toMatch(/not this run's token/);
    const jobs = (await http(port, '/_berth/api/jobs')).json() as { name: string; runs: unknown[] }[];
    expect(jobs.find((j) => j.name === 'hello')?.runs).toEqual([]);
  });

  async function consoleToken(): Promise<string> {
    const { token } = runFile(port);
    expect(token).toMatch(/^[\w-]{32}$/);
    return token;
  }

  it('the console is the developer’s: without a credential, 401 and no data; dev.json and its folder are private', async () => {
    const run = runFile(port);
    const secrets = [run.token, new URL(run.consoleUrl).searchParams.get('token')!];
    for (const path of [
      '/_berth/api/app',
      '/_berth/api/services',
      '/_berth/api/peers',
      '/_berth/api/jobs',
      '/_berth/api/mail',
      '/_berth/api/buckets',
      '/_berth/api/diagram.svg',
      '/_berth/api/diagram.dot',
    ]) {
      const res = await http(port, path, { anonymous: true });
      expect(res.status, path).toBe(401);
      expect(res.json().error, path).toMatch(/one-time console URL it printed in its terminal/);
      for (const secret of secrets) expect(res.body).not.toContain(secret);
    }
    // The page: a sign-in page, with no token, no app and no state in it.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const page = await http(port, '/_berth', { anonymous: true, host });
      expect(page.status).toBe(401);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.body).toMatch(/Open the one-time URL it printed in its terminal/);
      for (const secret of [...secrets, 'fixture', state, 'services-body'])
        expect(page.body, secret).not.toContain(secret);
    }
    // A cookie made up, or the script token as a cookie, is nobody's session.
    for (const cookie of [`berth_console_${port}=${run.token}`, `berth_console_${port}=x`]) {
      expect((await http(port, '/_berth/api/app', { headers: { cookie } })).status).toBe(401);
    }
    // The issuer's public documents stay public: services fetch them.
    expect((await http(port, '/_berth/oidc/.well-known/jwks.json', { anonymous: true })).status).toBe(200);
    expect(statSync(join(state, 'dev.json')).mode & 0o777).toBe(0o600);
    // As root the folder is 0710 for the postgres group (it passes through to its own folder), never readable.
    expect(statSync(state).mode & 0o077).toBe(process.getuid?.() === 0 ? 0o010 : 0);
  });

  it('the one-time URL in the summary signs a browser in once (an HttpOnly, SameSite=Strict cookie on /_berth)', async () => {
    const printed = new RegExp(
      `console +(http://localhost:${port}/_berth/login\\?token=[\\w-]+)  \\(one-time sign-in, then http://localhost:${port}/_berth\\)`,
    ).exec(dev.output())?.[1];
    expect(printed, dev.output()).toBeDefined();
    expect(runFile(port).consoleUrl).toBe(printed);
    const path = new URL(printed!).pathname + new URL(printed!).search;
    // A HEAD (a link preview) does not spend it.
    expect((await http(port, path, { method: 'HEAD' })).status).toBe(405);
    const first = await http(port, path);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/_berth');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(
      new RegExp(`^berth_console_${port}=[\\w-]{40,}; Path=/_berth; HttpOnly; SameSite=Strict$`),
    );
    const cookie = setCookie.split(';')[0]!;
    const page = await http(port, '/_berth', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="services-body"');
    expect((await http(port, '/_berth/api/app', { headers: { cookie } })).json().app).toBe('fixture');
    // The same URL a second time: refused, and no cookie.
    const second = await http(port, path);
    expect(second.status).toBe(401);
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(second.body).toMatch(/each one works once/);
    // The terminal prints the next one, and dev.json has it.
    const next = await until(
      'the next one-time URL',
      () =>
        new RegExp(`next one-time URL is (http://localhost:${port}/_berth/login\\?token=[\\w-]+)`).exec(
          dev.output(),
        )?.[1],
    );
    expect(next).not.toBe(printed);
    expect(runFile(port).consoleUrl).toBe(next);
    // A browser's state change needs the console page's header as well as the cookie.
    const headers = { cookie, origin: `http://localhost:${port}` };
    expect((await http(port, '/_berth/api/jobs/nope/run', { method: 'POST', headers })).status).toBe(403);
    const withHeader = { ...headers, 'x-berth-console': '1' };
    expect(
      (await http(port, '/_berth/api/jobs/nope/run', { method: 'POST', headers: withHeader })).status,
    ).toBe(404);
    browserCookie = cookie;
  });

  it('runs a job now and records its exit code; the outbox shows the mail it sent', async () => {
    const token = await consoleToken();
    const runJob = async (name: string) => {
      const res = await http(port, `/_berth/api/jobs/${name}/run`, {
        method: 'POST',
        headers: { origin: `http://localhost:${port}`, 'x-berth-token': token },
      });
      expect(res.status).toBe(202);
      const { id } = res.json();
      return until(`job ${name} to finish`, async () => {
        const jobs = (await http(port, '/_berth/api/jobs')).json() as {
          name: string;
          runs: { id: string; finishedAt: string | null }[];
        }[];
        const run = jobs.find((j) => j.name === name)?.runs.find((r) => r.id === id);
        return run?.finishedAt ? run : undefined;
      });
    };
    expect(await runJob('hello')).toMatchObject({
      exitCode: 0,
      trigger: 'manual',
      output: [expect.stringContaining('hello from a job')],
    });
    expect(await runJob('fail')).toMatchObject({ exitCode: 3 });
    const nope = { method: 'POST', headers: { 'x-berth-token': token } };
    expect((await http(port, '/_berth/api/jobs/nope/run', nope)).status).toBe(404);

    expect(await runJob('send-mail')).toMatchObject({ exitCode: 0 });
    const mail = (await http(port, '/_berth/api/mail')).json();
    expect(mail[0]).toMatchObject({
      to: ['ada@example.com'],
      subject: 'Hello from the fixture',
      text: 'It works.',
    });

    const jobs = (await http(port, '/_berth/api/jobs')).json() as { name: string; nextRun: string | null }[];
    expect(jobs.map((j) => j.name)).toEqual(['migrate', 'hello', 'send-mail', 'fail']);
    expect(jobs.find((j) => j.name === 'fail')?.nextRun).toMatch(/T09:00:00\.000Z$/);
  });

  it('restarts a service that dies, and reports it down then healthy', async () => {
    const before = (await http(port, '/_berth/api/services')).json()[0];
    expect(before).toMatchObject({ name: 'api', status: 'healthy', restarts: 0 });
    process.kill(-before.pid, 'SIGKILL');
    await until('api to be reported down', async () => {
      const s = (await http(port, '/_berth/api/services')).json()[0];
      return ['down', 'restarting', 'starting'].includes(s.status) ? s : undefined;
    });
    const after = await until('api to be healthy again', async () => {
      const s = (await http(port, '/_berth/api/services')).json()[0];
      return s.status === 'healthy' && s.pid !== before.pid ? s : undefined;
    });
    expect(after.restarts).toBe(1);
    expect((await http(port, '/health', { host: `api.localhost:${port}` })).status).toBe(200);
  });

  it('reloads a service when a file under its watch folder changes, without counting a restart', async () => {
    const before = (await http(port, '/_berth/api/services')).json()[0];
    const now = new Date();
    utimesSync(join(ROOT, 'packages/dev/test/fixtures/dev-app/watched/touch.js'), now, now);
    const after = await until('api to be reloaded', async () => {
      const s = (await http(port, '/_berth/api/services')).json()[0];
      return s.status === 'healthy' && s.pid !== before.pid ? s : undefined;
    });
    expect(after.restarts).toBe(before.restarts);
    expect(dev.output()).toMatch(/api: touch\.js changed, reloading/);
  });

  it('refuses a taken --port with exit 2, naming the port and the process that holds it', async () => {
    const other = mkdtempSync(join(tmpdir(), 'berth-dev-'));
    const second = startDev(other, port);
    expect(await second.exited).toBe(2);
    expect(second.output()).toMatch(
      new RegExp(`port ${port} is not free on 127\\.0\\.0\\.1: .*pid ${dev.child.pid} \\(.*berth`),
    );
    states.set(port, state);
  });

  it('stops everything on SIGTERM, leaving no process behind; a warm start finds the data again', async () => {
    // dev.json is rewritten every 2 s: right after the reload test the api may be between two processes.
    const groups = await until(
      'dev.json to list two process groups: the api service and postgres',
      () => {
        const run = JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as {
          groups: { pgid: number }[];
        };
        return run.groups.length === 2 ? run.groups.map((g) => g.pgid) : undefined;
      },
      10_000,
    );
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toMatch(/stopped; data kept/);
    for (const pgid of groups) expect(groupAlive(pgid), `process group ${pgid}`).toBe(false);

    // Warm start: same state folder, the migrated row is still there (and migrate ran again).
    const started = Date.now();
    dev = startDev(state, port);
    await until(
      'berth dev to be up again',
      () => (/fixture is up/.test(dev.output()) ? true : undefined),
      60_000,
    );
    const warmMs = Date.now() - started;
    const db = await http(port, '/db', { host: `api.localhost:${port}` });
    expect(db.json()).toEqual({ n: 2 });
    // The browser's cookie from the run before is not this run's: signed out, it needs the new URL.
    expect(browserCookie).toBeDefined();
    expect((await http(port, '/_berth/api/app', { headers: { cookie: browserCookie! } })).status).toBe(401);
    expect((await http(port, '/_berth', { headers: { cookie: browserCookie! } })).status).toBe(401);
    expect(dev.output()).not.toMatch(/new cluster/);
    expect(warmMs).toBeLessThan(30_000);
  });

  it('GIVEN Ctrl-C while the peers start THEN it stops cleanly (exit 0), and no peer starts after the stop', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'berth-dev-stop-'));
    const starting = startDev(fresh, await freePort());
    await until('the router line', () => (/router on/.test(starting.output()) ? true : undefined), 60_000);
    starting.child.kill('SIGINT');
    expect(await starting.exited, starting.output()).toBe(0);
    const out = starting.output();
    expect(out).toMatch(/stopped; data kept/);
    // Nothing of the app is reported after the stop (a peer started then would keep the process running).
    expect(out.slice(out.indexOf('stopped; data kept'))).not.toMatch(
      /s3 \(s3rver\) on|mail \(SES v2 local\) on/,
    );
  });

  it('GIVEN a warm state folder WHEN the config fails to load THEN exit 2, and the PostgreSQL started early is stopped', async () => {
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    const log = join(state, 'postgres', 'postgres.log');
    const count = (re: RegExp) => (readFileSync(log, 'utf8').match(re) ?? []).length;
    const readyBefore = count(/ready to accept connections/g);
    const downBefore = count(/database system is shut down/g);
    const broken = join(mkdtempSync(join(tmpdir(), 'berth-broken-')), 'berth.config.ts');
    writeFileSync(broken, `export default { name: 'fixture', services: { api: { cpu: 0.3 } } };\n`);
    const failing = startDev(state, port, broken);
    expect(await failing.exited, failing.output()).toBe(2);
    expect(failing.output()).toMatch(/Invalid Berth config/);
    // It was started (the state folder held a cluster) and stopped again: nothing listens on the data folder.
    expect(count(/ready to accept connections/g)).toBe(readyBefore + 1);
    expect(count(/database system is shut down/g)).toBe(downBefore + 1);
    expect(existsSync(join(state, 'postgres', 'data', 'postmaster.pid'))).toBe(false);
  });
});
