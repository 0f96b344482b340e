/**
 * Seconds from starting `berth dev` (talent config) to the first 200 on /health through the router, cold (an empty
 * state folder: initdb, bucket creation, first migration) and warm (the same folder again).
 * Then, on one more warm run, the reload time: from touching talent's server.ts to the service healthy again with a
 * new pid (the 150 ms debounce included), three times.
 * Run: node --conditions=berth-source --import tsx bench/dev-start.ts [runs]   (not a test: it prints numbers)
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const CONFIG = join(ROOT, 'examples/talent/berth.config.ts');
const WARM_RUNS = Number(process.argv[2] ?? 3);

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

function health(port: number): Promise<number> {
  return new Promise((r) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/health', headers: { host: `api.localhost:${port}` }, timeout: 500 },
      (res) => {
        res.resume();
        r(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => r(0));
    req.end();
  });
}

function consoleToken(): string {
  try {
    return (JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { token: string }).token;
  } catch {
    return '';
  }
}

function services(port: number): Promise<{ name: string; status: string; pid: number | null }[]> {
  return new Promise((r) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/_berth/api/services',
        // The console answers its owner only: the script token from dev.json, as `berth dev rotate` sends it.
        headers: { host: `localhost:${port}`, 'x-berth-token': consoleToken() },
        timeout: 1000,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => r(res.statusCode === 200 ? JSON.parse(body) : []));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => r([]));
    req.end();
  });
}

/** Touch → the api healthy with a new pid, in seconds. */
async function reload(port: number): Promise<number> {
  const before = (await services(port)).find((s) => s.name === 'api')?.pid;
  const file = join(ROOT, 'examples/talent/src/server.ts');
  const started = performance.now();
  const now = new Date();
  utimesSync(file, now, now);
  for (;;) {
    const api = (await services(port)).find((s) => s.name === 'api');
    if (api && api.status === 'healthy' && api.pid !== null && api.pid !== before)
      return (performance.now() - started) / 1000;
    if (performance.now() - started > 60_000) throw new Error('no reload within 60 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function once(state: string, reloads: number[] = [], count = 0): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'dev', '--config', CONFIG, '--state', state, '--port', String(port)],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    while ((await health(port)) !== 200) {
      if (child.exitCode !== null) throw new Error(`berth dev exited (${child.exitCode}):\n${stderr}`);
      if (performance.now() - started > 120_000) throw new Error('no 200 on /health within 120 s');
      await new Promise((r) => setTimeout(r, 25));
    }
    const up = (performance.now() - started) / 1000;
    for (let i = 0; i < count; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      reloads.push(await reload(port));
    }
    return up;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const state = mkdtempSync(join(tmpdir(), 'berth-bench-'));
chmodSync(state, 0o755); // as root, PostgreSQL runs as the postgres user and must reach the folder
try {
  const cold = await once(state);
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push(await once(state));
  const median = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)]!;
  const reloads: number[] = [];
  await once(state, reloads, 3);
  console.log(`berth dev (talent) → first 200 on /health`);
  console.log(`  cold  ${cold.toFixed(2)} s`);
  console.log(
    `  warm  ${median.toFixed(2)} s median of ${warm.length} (${warm.map((s) => s.toFixed(2)).join(', ')})`,
  );
  console.log(`  reload  ${reloads.map((s) => s.toFixed(2)).join(', ')} s (touch → healthy with a new pid)`);
  console.log(
    JSON.stringify({
      coldSeconds: +cold.toFixed(2),
      warmSeconds: +median.toFixed(2),
      reloadSeconds: reloads.map((s) => +s.toFixed(2)),
    }),
  );
} finally {
  rmSync(state, { recursive: true, force: true });
}
