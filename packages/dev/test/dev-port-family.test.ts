import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRouter, listenRouter } from '../src/router/listen';
import { DEFAULT_LIMITS } from '../src/router/router';
import { hasLoopbackV6, holdPort, portHolder } from '../src/session/ports';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const FIXTURE = join(ROOT, 'packages/dev/test/fixtures/dev-app/berth.config.ts');
const HAS_V6 = await hasLoopbackV6();

const opened: Server[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

/** A squatter: a server of this (test) process listening on host:port (0: any port free on 127.0.0.1 and ::1). */
async function squat(host: string, port = 0): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = port || (await bothFree());
    const s = createServer();
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen(p, host, () => r(true));
    });
    if (ok) {
      opened.push(s);
      return p;
    }
  }
  throw new Error(`could not listen on ${host}`);
}

/** A port the system gives on 127.0.0.1, free on ::1 too at the time of asking. */
async function bothFree(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** GET / on host:port; the body, or the error code. */
function get(host: string, port: number): Promise<string> {
  return new Promise((r) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => r(body));
    });
    req.on('error', (err: NodeJS.ErrnoException) => r(err.code ?? err.message));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

describe.skipIf(!HAS_V6)(
  'the router port is berth dev on both loopback families, or it says whose it is',
  () => {
    it('GIVEN a squatter on [::1]:port WHEN the port was given THEN listenRouter refuses (exit 2), naming its pid and command', async () => {
      const port = await squat('::1');
      const err = await listenRouter(port, true, (_q, res) => res.end('berth'), DEFAULT_LIMITS).then(
        () => undefined,
        (e: Error & { exitCode?: number }) => e,
      );
      expect(err?.message).toMatch(new RegExp(`port ${port} is not free on \\[::1\\]`));
      expect(err?.message).toContain(`[::1]:${port}: pid ${process.pid} (`);
      expect(err?.message).toMatch(/node/);
      expect(err?.exitCode).toBe(2);
      // Nothing is left held on 127.0.0.1: the refusal closed the half it had.
      expect(await get('127.0.0.1', port)).toBe('ECONNREFUSED');
    });

    it('GIVEN a squatter on [::1]:port WHEN no port was given THEN the router moves to a port it holds on both, and says who had the first', async () => {
      const port = await squat('::1');
      const moved = await listenRouter(port, false, (_q, res) => res.end('berth'), DEFAULT_LIMITS);
      try {
        expect(moved.port).toBeGreaterThan(port);
        expect(moved.servers).toHaveLength(2);
        expect(await get('127.0.0.1', moved.port)).toBe('berth');
        expect(await get('::1', moved.port)).toBe('berth');
        expect(await get('localhost', moved.port)).toBe('berth');
        expect(moved.warnings.join('\n')).toContain(`port ${port} is taken: `);
        expect(moved.warnings.join('\n')).toContain(`pid ${process.pid}`);
      } finally {
        closeRouter(moved.servers);
      }
    });

    it('GIVEN a squatter on 127.0.0.1 only WHEN the port was given THEN it is refused as well', async () => {
      const port = await squat('127.0.0.1');
      await expect(listenRouter(port, true, (_q, res) => res.end(), DEFAULT_LIMITS)).rejects.toThrow(
        new RegExp(`not free on 127\\.0\\.0\\.1: .*pid ${process.pid}`),
      );
    });

    it('`berth dev --port <port>` with [::1]:port taken exits 2 naming the pid, and starts nothing', async () => {
      const port = await squat('::1');
      const state = mkdtempSync(join(tmpdir(), 'berth-port-family-'));
      try {
        const child = spawn(
          process.execPath,
          [BIN, 'dev', '--config', FIXTURE, '--state', state, '--port', String(port)],
          {
            cwd: ROOT,
            env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '' },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        const code = await new Promise<number | null>((r) => child.once('exit', r));
        expect(code, out).toBe(2);
        expect(out).toMatch(
          new RegExp(`berth: port ${port} is not free on \\[::1\\]: .*pid ${process.pid} \\(`),
        );
        expect(out).not.toMatch(/postgres .*ready|is up/);
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    });
  },
);

describe('peer ports: held on both families, since the SQS queue URL says localhost', () => {
  it.skipIf(!HAS_V6)(
    'GIVEN a held port THEN [::1] is ours too, and after handTo it reaches the peer',
    async () => {
      const hold = await holdPort();
      expect(await canBind('::1', hold.port)).toBe(false);
      const server = createHttpServer((_q, res) => res.end('peer'));
      await hold.handTo(() => new Promise((r) => server.listen(hold.port, '127.0.0.1', () => r(server))));
      try {
        expect(await get('::1', hold.port)).toBe('peer');
        expect(await get('127.0.0.1', hold.port)).toBe('peer');
        expect(await canBind('::1', hold.port)).toBe(false);
      } finally {
        await new Promise((r) => server.close(r));
      }
      // Closed with the peer's server: the ::1 side is let go too.
      await new Promise((r) => setTimeout(r, 50));
      expect(await canBind('::1', hold.port)).toBe(true);
      // A supervised peer listens again on its port (restartableServer): ::1 is taken again, and passes on.
      await new Promise<void>((r) => server.listen(hold.port, '127.0.0.1', () => r()));
      try {
        await new Promise((r) => setTimeout(r, 50));
        expect(await canBind('::1', hold.port)).toBe(false);
        expect(await get('::1', hold.port)).toBe('peer');
      } finally {
        await new Promise((r) => server.close(r));
      }
    },
  );

  it.skipIf(!HAS_V6)(
    'GIVEN the preferred port is taken on [::1] only THEN another port, free on both, is held',
    async () => {
      const port = await squat('::1');
      const hold = await holdPort(port);
      try {
        expect(hold.port).not.toBe(port);
        expect(await canBind('::1', hold.port)).toBe(false);
        expect(await canBind('127.0.0.1', hold.port)).toBe(false);
      } finally {
        hold.release();
      }
    },
  );
});

describe('portHolder reads /proc/net/tcp{,6} and /proc/<pid>/fd', () => {
  it('names the pid and command of a listener this account can look into', async () => {
    const port = await squat('127.0.0.1');
    expect(portHolder(port)).toMatch(
      new RegExp(`^127\\.0\\.0\\.1:${port}: pid ${process.pid} \\(.*node.*\\), user `),
    );
  });

  it("another account's listener, whose fds are not readable: the uid from /proc/net/tcp6, and no pid", () => {
    const proc = mkdtempSync(join(tmpdir(), 'berth-proc-'));
    try {
      mkdirSync(join(proc, 'net'));
      const header =
        '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
      writeFileSync(
        join(proc, 'net/tcp6'),
        `${header}   0: 00000000000000000000000001000000:0FA0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 54321        0 999001 1 0 100 0 0 10 0\n`,
      );
      writeFileSync(join(proc, 'net/tcp'), '  sl  local_address rem_address   st\n');
      // A process whose fd folder is missing (as another account's is unreadable).
      mkdirSync(join(proc, '4242'));
      expect(portHolder(4000, proc)).toBe(
        '[::1]:4000: a process of uid 54321, which this account cannot look into (no pid)',
      );
      expect(portHolder(4001, proc)).toBeUndefined();
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });
});

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, host, () => s.close(() => r(true)));
  });
}
