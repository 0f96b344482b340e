import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  devUp,
  freePort,
  http,
  ROOT,
  startDev,
  until,
  type Dev,
} from '../../packages/dev/test/support/dev-session';

const CONFIG = join(ROOT, 'packages/dev/test/fixtures/dev-lite/berth.config.ts');
const SLOW = 150;

/** A client that trickles its request: one byte every 500 ms, after `head`. */
function trickle(port: number, head: string): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.once('connect', () => {
    socket.write(head);
    const timer = setInterval(() => socket.writable && socket.write('x'), 500);
    socket.once('close', () => clearInterval(timer));
  });
  return socket;
}

async function healthMs(port: number): Promise<number> {
  const res = await http(port, '/health', { host: `api.localhost:${port}`, timeoutMs: 5_000 });
  expect(res.status).toBe(200);
  return res.ms;
}

describe('berth dev router under hostile local clients', () => {
  let dev: Dev;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    dev = startDev(CONFIG, mkdtempSync(join(tmpdir(), 'berth-router-')), port);
    await devUp(dev, 'lite');
  });
  afterAll(() => dev?.stop());

  it(`${SLOW} slow headers and ${SLOW} slow bodies leave /health answering in < 1 s, during and after`, async () => {
    const host = `api.localhost:${port}`;
    const attack = [
      ...Array.from({ length: SLOW }, () =>
        trickle(port, `GET /health HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `),
      ),
      ...Array.from({ length: SLOW }, () =>
        trickle(port, `POST /upload HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1000000\r\n\r\n`),
      ),
    ];
    await until('every attacking socket to connect', () => attack.every((s) => !s.connecting), 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // Every slow body holds one upstream connection of its own; none of them waits in a queue.
    const during = (await http(port, '/connections', { host })).json().open as number;
    expect(during).toBeGreaterThanOrEqual(SLOW);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(await healthMs(port));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      Math.max(...samples),
      `health during the attack: ${samples.map(Math.round).join(', ')} ms`,
    ).toBeLessThan(1_000);

    for (const s of attack) s.destroy();
    // The clients went away: their upstream sockets go with them, not at the service's keep-alive timeout.
    const open = await until(
      'upstream sockets to close',
      async () => {
        const n = (await http(port, '/connections', { host })).json().open as number;
        return n < 10 ? n : undefined;
      },
      5_000,
    );
    expect(open).toBeLessThan(10);
    const after = await Promise.all(Array.from({ length: 5 }, () => healthMs(port)));
    expect(Math.max(...after)).toBeLessThan(1_000);
  });

  it('closes a connection whose headers never complete, after the header timeout (10 s)', async () => {
    const socket = trickle(port, `GET /health HTTP/1.1\r\nHost: localhost:${port}\r\nX-Slow: `);
    const t0 = Date.now();
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    await new Promise((r) => socket.once('close', r));
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(9_000);
    expect(ms).toBeLessThan(13_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);

  it('answers a 10 MB body with 413, declared or chunked, and the service never sees it', async () => {
    const body = Buffer.alloc(10_000_000, 'a');
    const declared = await http(port, '/upload', { method: 'POST', host: `api.localhost:${port}`, body });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatch(/up to 5242880 bytes \(--max-body\)/);

    const expect100 = await http(port, '/upload', {
      method: 'POST',
      host: `api.localhost:${port}`,
      headers: { expect: '100-continue', 'content-length': String(body.length) },
    });
    expect(expect100.status).toBe(413);

    const chunked = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /upload HTTP/1.1\r\nHost: api.localhost:${port}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        const chunk = Buffer.alloc(1_000_000, 'b');
        for (let i = 0; i < 10; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        socket.write('0\r\n\r\n');
      });
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString();
        const m = /^HTTP\/1\.1 (\d+)/.exec(text);
        if (m) {
          socket.destroy();
          resolve(Number(m[1]));
        }
      });
      socket.on('error', reject);
    });
    expect(chunked).toBe(413);

    // Under the limit, the body reaches the service whole.
    const small = await http(port, '/upload', {
      method: 'POST',
      host: `api.localhost:${port}`,
      body: Buffer.alloc(4_000_000, 'c'),
    });
    expect(small.status).toBe(200);
    expect(small.json().bytes).toBe(4_000_000);
  });
});
