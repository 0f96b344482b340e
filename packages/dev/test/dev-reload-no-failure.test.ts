import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceProcess } from '../src/session/service';
import { Terminal } from '../src/terminal/terminal';
import { freePort } from './support/dev-session';
import { closeServer, healthyService, listen, routerFor } from './support/router';

// GIVEN a service behind the router that is reloaded three times WHEN requests (GETs, and POSTs with a body) keep
// coming the whole time THEN none fails, and no POST reaches the service twice. The services stop the way real ones
// do: one exits at once on SIGTERM; one stops like Fastify's close() (a request arriving on a kept-alive connection
// after SIGTERM gets 503, idle connections are closed, in-flight ones finish).

const SERVER = `
const { createServer } = require('node:http');
const { appendFileSync } = require('node:fs');
let closing = false;
const server = createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (closing) return res.writeHead(503, { connection: 'close' }).end('closing');
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.method === 'POST') appendFileSync(process.env.POSTS, body + '\\n');
    // Slow enough that a reload always finds requests in flight.
    setTimeout(() => res.end(JSON.stringify({ pid: process.pid })), 20);
  });
});
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  if (process.env.STOP === 'abrupt') process.exit(0);
  closing = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
`;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setUp(stop: 'abrupt' | 'fastify') {
  const dir = mkdtempSync(join(tmpdir(), 'berth-reload-'));
  const posts = join(dir, 'posts.txt');
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  writeFileSync(posts, '');
  const port = await freePort();
  const quiet = new Terminal({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
  const api = new ServiceProcess(
    {
      name: 'api',
      command: [process.execPath, 'server.cjs'],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: String(port), POSTS: posts, STOP: stop },
      port,
      healthPath: '/health',
      stopTimeout: 5,
      watch: [],
    },
    quiet,
    `http://127.0.0.1:${port}`,
  );
  api.start();
  cleanup.push(() => api.stop());
  expect(await api.waitHealthy(10_000)).toBe(true);
  const { router, port: routerPort } = await routerFor(api);
  cleanup.push(() => closeServer(router));
  return { api, routerPort, posts };
}

/** One request through the router on a kept-alive client connection; resolves to its status (0: a network error). */
function send(port: number, agent: Agent, method: 'GET' | 'POST', body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: '/work',
        agent,
        headers: body ? { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

describe('a reload fails no request', () => {
  for (const stop of ['abrupt', 'fastify'] as const) {
    it(`continuous GETs and POSTs during three reloads (a service that stops ${stop === 'abrupt' ? 'at once' : 'like Fastify'}): no failure, no POST twice`, async () => {
      const { api, routerPort, posts } = await setUp(stop);
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      cleanup.push(async () => agent.destroy());
      const results: { method: string; status: number }[] = [];
      const sent: string[] = [];
      let running = true;
      let n = 0;
      const worker = async () => {
        while (running) {
          const i = n++;
          if (i % 2) {
            const id = `post-${i}`;
            sent.push(id);
            results.push({ method: 'POST', status: await send(routerPort, agent, 'POST', id) });
          } else results.push({ method: 'GET', status: await send(routerPort, agent, 'GET') });
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      const pids = new Set<number | undefined>([api.pid()]);
      for (let r = 0; r < 3; r++) {
        await new Promise((res) => setTimeout(res, 300));
        await api.reload('test reload');
        expect(await api.waitHealthy(10_000)).toBe(true);
        pids.add(api.pid());
      }
      await new Promise((res) => setTimeout(res, 300));
      running = false;
      await Promise.all(workers);

      expect(pids.size).toBe(4); // three reloads, four processes
      expect(results.length).toBeGreaterThan(100);
      const failed = results.filter((x) => x.status !== 200);
      expect(
        failed,
        `${failed.length} of ${results.length} failed: ${JSON.stringify(failed.slice(0, 5))}`,
      ).toEqual([]);
      const received = readFileSync(posts, 'utf8').split('\n').filter(Boolean);
      expect(received.length).toBe(sent.length);
      expect(new Set(received).size).toBe(received.length);
    });
  }
});

describe('requests held for a service that never comes up', () => {
  it('a wait that times out leaves nothing behind (1000 held requests, no waiter kept)', async () => {
    const quiet = new Terminal({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
    const api = new ServiceProcess(
      {
        name: 'api',
        command: ['true'],
        cwd: tmpdir(),
        env: {},
        port: 1,
        healthPath: '/',
        stopTimeout: 2,
        watch: [],
      },
      quiet,
      'http://127.0.0.1:1',
    );
    const waits = await Promise.all(Array.from({ length: 1000 }, () => api.waitHealthy(5)));
    expect(waits.every((w) => w === false)).toBe(true);
    expect((api as unknown as { healthyWaiters: unknown[] }).healthyWaiters).toHaveLength(0);
  });
});

describe('a request the service resets on a kept-alive connection', () => {
  it('is sent again when idempotent (GET), never when not (POST without a body: 502, received once)', async () => {
    const received: string[] = [];
    // Answers the first request of each connection; resets the connection on the second, after taking it in.
    const upstream = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) return void socket.resetAndDestroy();
      res.end('ok');
    });
    cleanup.push(() => closeServer(upstream));
    const { router, port } = await routerFor(healthyService(await listen(upstream)));
    cleanup.push(() => closeServer(router));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(async () => agent.destroy());

    // The first request opens the router's pooled connection; the next one on it is reset.
    expect(await send(port, agent, 'GET')).toBe(200);
    expect(await send(port, agent, 'GET')).toBe(200);
    expect(received).toEqual(['GET /work', 'GET /work', 'GET /work']); // reset once, sent again on a new one
    received.length = 0;
    // The POST goes on the pooled connection the retry opened, as its second request: reset.
    expect(await send(port, agent, 'POST')).toBe(502);
    expect(received).toEqual(['POST /work']);
  });
});
