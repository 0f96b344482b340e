import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthyService, listen, routerFor } from './support/router';

// GIVEN a service that answers before it has read the request body (a 413 on an upload, a 401 before the body) and
// closes the connection at once WHEN a client uploads 1–5 MB through the router THEN the client gets the service's
// own answer, not a 502 made of the EPIPE/ECONNRESET the router meets while still sending the body.

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
const behaviours: Record<string, Behaviour> = {
  // Answers and destroys the socket with most of the body unread (the kernel resets the connection).
  'answers 413 and destroys the socket': (req, res) => {
    res.writeHead(413, { 'content-type': 'text/plain', 'x-from': 'service' });
    res.end('service says: too large\n', () => req.socket.destroy());
  },
  // The same, the destroy not even waiting for the answer to be flushed to the kernel.
  'answers 413 and destroys the socket in the same tick': (req, res) => {
    res.writeHead(413, { 'content-type': 'text/plain', 'x-from': 'service' });
    res.end('service says: too large\n');
    req.socket.destroy();
  },
  // Answers and leaves the connection open, never reading the rest of the body (the router must stop sending).
  'answers 413 and stops reading, the connection left open': (req, res) => {
    req.pause();
    res.writeHead(413, { 'content-type': 'text/plain', 'x-from': 'service' });
    res.end('service says: too large\n');
  },
  // Answers with Connection: close and lets Node close the connection when the answer is written.
  'answers 401 with connection: close': (_req, res) => {
    res.writeHead(401, { 'content-type': 'text/plain', 'x-from': 'service', connection: 'close' });
    res.end('service says: who are you\n');
  },
};

let upstream: Server;
let router: Server;
let routerPort: number;
let behaviour: Behaviour = behaviours['answers 413 and destroys the socket']!;
let bodiesRead = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/read-all') {
      // A control: reads the whole body, then answers 200.
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        bodiesRead++;
        res.end(JSON.stringify({ bytes: n }));
      });
      return;
    }
    behaviour(req, res);
  });
  ({ router, port: routerPort } = await routerFor(healthyService(await listen(upstream))));
});
afterAll(() => {
  router?.closeAllConnections();
  router?.close();
  upstream?.closeAllConnections();
  upstream?.close();
});

/** One upload through the router, its body written as fast as the connection takes it. */
function upload(bytes: number, options: { path?: string; chunked?: boolean } = {}) {
  return new Promise<{ status: number; from?: string; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: routerPort,
        path: options.path ?? '/upload',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/octet-stream',
          ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes) }),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, from: res.headers['x-from'] as string | undefined, body }),
        );
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

describe('the router relays an answer the service gives before it has read the body', () => {
  for (const [name, b] of Object.entries(behaviours)) {
    it(`${name}: 1–5 MB uploads (content-length and chunked) all get the service's answer`, async () => {
      behaviour = b;
      const status = name.includes('401') ? 401 : 413;
      const results: { mb: number; chunked: boolean; status: number; from?: string; body: string }[] = [];
      for (let round = 0; round < 3; round++) {
        for (const mb of [1, 2, 3, 4, 5]) {
          for (const chunked of [false, true]) {
            const r = await upload(mb * 1_000_000, { chunked }).catch((err: Error) => ({
              status: 0,
              body: err.message,
              from: undefined,
            }));
            results.push({ mb, chunked, ...r });
          }
        }
      }
      const wrong = results.filter((r) => r.status !== status || r.from !== 'service');
      expect(wrong, JSON.stringify(wrong.slice(0, 5))).toEqual([]);
      expect(results[0]!.body).toMatch(/^service says/);
    });
  }

  it('after early answers, a service that reads the whole body still gets all of it', async () => {
    behaviour = behaviours['answers 413 and destroys the socket']!;
    expect((await upload(3_000_000)).status).toBe(413);
    const before = bodiesRead;
    const ok = await upload(3_000_000, { path: '/read-all' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ bytes: 3_000_000 });
    expect(bodiesRead).toBe(before + 1);
  });

  it('a service that drops the connection mid-upload without answering is still a 502', async () => {
    behaviour = (req) => {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > 500_000) req.socket.destroy();
      });
    };
    const t0 = Date.now();
    const r = await upload(4_000_000).catch((err: Error) => ({ status: 0, body: err.message }));
    expect(r.status).toBe(502);
    expect(r.body).toMatch(/it closed the connection \((ECONNRESET|EPIPE)\)/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
