import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { healthFailure } from '../src/dev/service';
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
