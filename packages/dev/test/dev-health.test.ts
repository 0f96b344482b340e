import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { healthFailure, isHealthAccessLine } from '../src/session/service';
import { freePort } from './support/dev-session';

describe('berth dev health-check failures name the port and the likely cause', () => {
  it('nothing on the port: asks whether the server reads PORT and HOST', async () => {
    const port = await freePort();
    expect(await healthFailure(port, '/health', { PORT: String(port), HOST: '127.0.0.1' })).toBe(
      `nothing listens on port ${port}. Does the server listen on PORT (=${port}) and HOST (=127.0.0.1) from its env, rather than a port of its own?`,
    );
  });

  it('a wrong answer: names the status and the health path', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    expect(await healthFailure(port, '/healthz', {})).toMatch(
      /^it answers 404; is \/healthz its health route/,
    );
    server.close();
  });
});

describe('berth dev hides the access lines of its own health checks', () => {
  it('recognises a successful GET of the health path as uvicorn, werkzeug (Flask) and gunicorn print it', () => {
    for (const line of [
      'INFO:     127.0.0.1:52594 - "GET /health HTTP/1.1" 200 OK',
      '127.0.0.1 - - [02/Dec/2026 01:00:00] "GET /health HTTP/1.1" 200 -',
      '127.0.0.1 - - [02/Dec/2026:01:00:00 +0000] "GET /health?probe=1 HTTP/1.0" 204 0 "-" "-"',
      '[pid: 7] 127.0.0.1 "GET /health HTTP/2" 301',
    ])
      expect(isHealthAccessLine(line, '/health'), line).toBe(true);
    for (const line of [
      // A failing check always shows: it is what you need to see.
      'INFO:     127.0.0.1:52594 - "GET /health HTTP/1.1" 500 Internal Server Error',
      'INFO:     127.0.0.1:52594 - "GET /healthz HTTP/1.1" 200 OK',
      'INFO:     127.0.0.1:52594 - "POST /health HTTP/1.1" 200 OK',
      'INFO:     127.0.0.1:52594 - "GET /visits HTTP/1.1" 200 OK',
      'GET /health 200',
    ])
      expect(isHealthAccessLine(line, '/health'), line).toBe(false);
    // The path is literal text, not a pattern.
    expect(isHealthAccessLine('"GET /api/healthXcheck HTTP/1.1" 200', '/api/health.check')).toBe(false);
    expect(isHealthAccessLine('"GET /api/health.check HTTP/1.1" 200', '/api/health.check')).toBe(true);
  });
});

describe('berth dev router port', () => {
  it('a taken default port moves to the next free one, and the warning names both and --port', async () => {
    const { listenRouter, closeRouter, movedPortWarning } = await import('../src/router/listen');
    const { DEFAULT_LIMITS } = await import('../src/router/router');
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const { port } = taken.address() as { port: number };
    try {
      const moved = await listenRouter(port, false, (_req, res) => res.end(), DEFAULT_LIMITS);
      expect(moved.port).toBeGreaterThan(port);
      closeRouter(moved.servers);
      expect(movedPortWarning(port, moved.port)).toBe(
        `port ${port} is taken by another program (lsof -i :${port}); the router uses ${moved.port} instead, and the issuer and URLs below name ${moved.port}. Pass --port to choose.`,
      );
      // The router says who holds the port it left (this process, in the test).
      expect(moved.warnings.join('\n')).toContain(`port ${port} is taken: another program listens there (`);
      // A port the user named is not moved: it is refused, naming it and who holds it.
      await expect(listenRouter(port, true, (_req, res) => res.end(), DEFAULT_LIMITS)).rejects.toThrow(
        new RegExp(`port ${port} is not free on 127\\.0\\.0\\.1: .*pid ${process.pid} .*--port`),
      );
    } finally {
      taken.close();
    }
  });
});
