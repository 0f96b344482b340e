import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const FIXTURE = join(ROOT, 'packages/cli/test/fixtures/dev-mail/berth.config.ts');

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

function http(
  port: number,
  path: string,
  options: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked with matchers
): Promise<{ status: number; body: string; json: () => any }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `localhost:${port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) }),
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

describe('berth dev: a bounce or complaint marked in the console suppresses the address (SNS → SQS → the runtime)', () => {
  let port: number;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<unknown>;

  beforeAll(async () => {
    const state = mkdtempSync(join(tmpdir(), 'berth-dev-mail-'));
    port = await freePort();
    child = spawn(
      process.execPath,
      [BIN, 'dev', '--config', FIXTURE, '--state', state, '--port', String(port)],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((r) => child.once('exit', r));
    await until(
      'berth dev to be up',
      async () => (/postie is up/.test(output) ? true : undefined),
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
  }, 130_000);

  afterAll(async () => {
    if (child?.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });

  const send = async (to: string) => {
    const res = await http(port, '/send', {
      method: 'POST',
      host: `api.localhost:${port}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to }),
    });
    expect(res.status, res.body).toBe(200);
    return res.json().status as string;
  };
  const outboxTo = async (address: string) =>
    ((await http(port, '/_berth/api/mail')).json() as { id: string; to: string[] }[]).filter((m) =>
      m.to.includes(address),
    );
  const token = async () =>
    /name="berth-token" content="([^"]+)"/.exec((await http(port, '/_berth')).body)![1]!;

  it('send → mark bounced → send again: suppressed, and the outbox holds the first message only', async () => {
    expect(await send('ada@example.com')).toBe('sent');
    const [message] = await outboxTo('ada@example.com');
    expect(message).toBeDefined();

    // The guard: no token, no state change.
    const path = `/_berth/api/mail/${encodeURIComponent(message!.id)}/bounce`;
    expect((await http(port, path, { method: 'POST' })).status).toBe(403);
    const marked = await http(port, path, { method: 'POST', headers: { 'x-berth-token': await token() } });
    expect(marked.status, marked.body).toBe(202);
    expect(marked.json()).toMatchObject({ event: 'Bounce', recipients: ['ada@example.com'] });

    // The service drains the queue in the background, as in the cloud.
    await until('the bounce to be drained', async () =>
      (await send('ada@example.com')) === 'suppressed' ? true : undefined,
    );
    expect(await outboxTo('ada@example.com')).toHaveLength(1);
    // The service's log, as berth dev shows it, says why nothing was sent.
    await until('the log lines', async () =>
      /mail: address suppressed/.test(output) && /mail: skipped, recipient is suppressed/.test(output)
        ? true
        : undefined,
    );
  }, 90_000);

  it('mark complained works the same way; an unknown message is a 404', async () => {
    expect(await send('bob@example.com')).toBe('sent');
    const [message] = await outboxTo('bob@example.com');
    const headers = { 'x-berth-token': await token() };
    const res = await http(port, `/_berth/api/mail/${encodeURIComponent(message!.id)}/complaint`, {
      method: 'POST',
      headers,
    });
    expect(res.status, res.body).toBe(202);
    await until('the complaint to be drained', async () =>
      (await send('bob@example.com')) === 'suppressed' ? true : undefined,
    );
    expect((await http(port, '/_berth/api/mail/nope/bounce', { method: 'POST', headers })).status).toBe(404);
    expect((await http(port, `/_berth/api/mail/${encodeURIComponent(message!.id)}/bounce`)).status).toBe(405);
    // A message the allow-list dropped never reached SES, so it cannot bounce.
    expect(await send('eve@elsewhere.org')).toBe('dropped');
    const dropped = await until('the dropped message in the outbox', async () =>
      ((await http(port, '/_berth/api/mail')).json() as { id: string; status: string }[]).find(
        (m) => m.status === 'dropped',
      ),
    );
    const refused = await http(port, `/_berth/api/mail/${encodeURIComponent(dropped.id)}/bounce`, {
      method: 'POST',
      headers,
    });
    expect(refused.status, refused.body).toBe(409);
    // Someone never marked is still sent to.
    expect(await send('cy@example.com')).toBe('sent');
  }, 90_000);
});
