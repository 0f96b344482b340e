import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  startS3rver,
  startSesLocal,
  type LocalS3,
  type LocalSes,
  type TestDatabase,
} from '../../../test/support';
import { RESUME_BUCKET, startIdentity, talentEnv, type Identity } from './harness';

/**
 * The container's contents without Docker: `npm run build` produces dist/, `node dist/job.js migrate` migrates and
 * `node dist/server.js` serves, with nothing but the contract env (the image holds dist/ and migrations/ only).
 */
const APP = fileURLToPath(new URL('..', import.meta.url));

function run(command: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: APP, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the bundle (dist/server.js, dist/job.js)', () => {
  let db: TestDatabase;
  let s3: LocalS3;
  let ses: LocalSes;
  let identity: Identity;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  let base: string;

  beforeAll(async () => {
    [db, s3, ses, identity] = await Promise.all([
      createTestDatabase(),
      startS3rver([RESUME_BUCKET]),
      startSesLocal(),
      startIdentity(),
    ]);
    const port = await freePort();
    // API_DOCS as berth.config.ts sets it for dev and staging.
    env = {
      ...talentEnv({ db, s3, ses, identity }),
      PORT: String(port),
      PATH: process.env.PATH,
      API_DOCS: 'on',
    };
    base = `http://127.0.0.1:${port}`;
    const build = await run(['npm', 'run', 'build'], { ...process.env });
    expect(build.code, build.output).toBe(0);
  });
  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await Promise.all([s3?.close(), ses?.close(), identity?.close()]);
    await db?.drop();
  });

  it('builds a self-contained dist/', () => {
    for (const file of ['server.js', 'job.js', 'package.json', 'static/index.html'])
      expect(existsSync(`${APP}/dist/${file}`), file).toBe(true);
  });

  it('migrates with `node dist/job.js migrate`, and fails (exit ≠ 0) on an unknown job', async () => {
    const migrated = await run(['node', 'dist/job.js', 'migrate'], env);
    expect(migrated.code, migrated.output).toBe(0);
    const unknown = await run(['node', 'dist/job.js', 'no-such-job'], env);
    expect(unknown.code).not.toBe(0);
  });

  it('serves /health, /ready, /docs and the API, then drains on SIGTERM', async () => {
    const child = spawn('node', ['dist/server.js'], { cwd: APP, env, stdio: ['ignore', 'ignore', 'pipe'] });
    server = child;
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/opportunities/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const docs = await fetch(`${base}/docs/static/index.html`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    expect((await fetch(`${base}/docs/json`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
