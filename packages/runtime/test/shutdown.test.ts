import { spawn, type ChildProcess } from 'node:child_process';
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

async function spawnFixture(env: Record<string, string>): Promise<Spawned> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
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
