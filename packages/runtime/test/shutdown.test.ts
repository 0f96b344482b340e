import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contractEnv, freePort } from '../../../test/support';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-server.ts', import.meta.url));

interface Spawned {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  base: string;
  startedAt: number;
}

async function spawnFixture(
  env: Record<string, string>,
  entry: string[] = ['--import', 'tsx', FIXTURE],
): Promise<Spawned> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, entry, {
    env: {
      ...process.env,
      ...contractEnv({ PORT: String(port), LOG_LEVEL: 'info', BERTH_STOP_TIMEOUT: '10' }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited, base: `http://127.0.0.1:${port}`, startedAt };
}

async function firstReady(base: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${base}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error('fixture never became ready');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('serve(): SIGTERM drain', () => {
  it('SIGTERM while 50 requests are in flight → all 50 complete with 2xx, readiness turns 503, then exit 0', async () => {
    const f = await spawnFixture({ SLOW_MS: '1000', READINESS_GRACE_MS: '200' });
    await firstReady(f.base);
    const startupMs = Math.round(performance.now() - f.startedAt);

    const inflight = Array.from({ length: 50 }, () =>
      fetch(`${f.base}/slow`).then(
        async (r) => ({ status: r.status, body: await r.json() }),
        (err: Error) => ({ status: 0, body: err.message }),
      ),
    );
    await new Promise((r) => setTimeout(r, 250));
    const termAt = performance.now();
    f.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    const readyDuringDrain = await fetch(`${f.base}/ready`).then(
      (r) => r.status,
      () => 0,
    );

    const results = await Promise.all(inflight);
    const code = await f.exited;
    const drainMs = Math.round(performance.now() - termAt);
    const logged = f.lines.find((l) => l.msg === 'shutdown: drained, exiting') as
      { drainMs: number } | undefined;
    console.log(
      `shutdown: 50 in-flight requests, all ${results.filter((r) => r.status === 200).length} answered 200; SIGTERM→exit ${drainMs} ms (server-side drain ${logged?.drainMs} ms, includes 200 ms readiness grace); spawn→first /ready 200 ${startupMs} ms (node + tsx transpiling TypeScript)`,
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(readyDuringDrain).toBe(503);
    expect(code).toBe(0);
    expect(drainMs).toBeLessThan(10_000);
  });

  it('a request that outlives the stop timeout → forced exit 1 at the deadline', async () => {
    const f = await spawnFixture({ SLOW_MS: '20000', BERTH_STOP_TIMEOUT: '2' });
    await firstReady(f.base);
    void fetch(`${f.base}/slow`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const termAt = performance.now();
    f.child.kill('SIGTERM');
    const code = await f.exited;
    const ms = performance.now() - termAt;
    expect(code).toBe(1);
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(2_000);
  });
});

describe('start-up cost', () => {
  // A regression guard, not a benchmark: the bound is loose because CI machines are shared. The figure is printed.
  it('bundled as it ships (esbuild, lazy SDK chunks): spawn → first 200 on /ready', async () => {
    const { build } = await import('esbuild');
    const dir = await mkdtemp(join(tmpdir(), 'berth-bundle-'));
    const outfile = join(dir, 'server.mjs');
    await build({
      entryPoints: [FIXTURE],
      outdir: dir,
      // The runtime imports AWS SDK clients and ioredis with import(): splitting keeps them out of start-up.
      splitting: true,
      entryNames: 'server',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      // The workspace packages from their sources, as examples/talent/scripts/build.mjs bundles them.
      conditions: ['berth-source'],
      format: 'esm',
      target: 'node20',
      external: ['pg-native'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const samples: number[] = [];
    const inProcess: number[] = [];
    for (let i = 0; i < 3; i++) {
      const f = await spawnFixture({ SLOW_MS: '10' }, [outfile]);
      await firstReady(f.base);
      samples.push(Math.round(performance.now() - f.startedAt));
      inProcess.push(Number(f.lines.find((l) => l.msg === 'listening')?.startupMs));
      f.child.kill('SIGTERM');
      expect(await f.exited).toBe(0);
    }
    const median = [...samples].sort((a, b) => a - b)[1]!;
    console.log(
      `startup: bundled service, spawn → first /ready 200: ${samples.join(', ')} ms (median ${median} ms); process uptime at listen: ${inProcess.join(', ')} ms`,
    );
    expect(median).toBeLessThan(2_000);
    await rm(dir, { recursive: true, force: true });
  });
});
