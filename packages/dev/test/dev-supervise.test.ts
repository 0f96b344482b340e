import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerSupervisor, restartableServer, type Restartable } from '../src/peers/supervise';
import { Terminal } from '../src/terminal/terminal';

function terminal(): { term: Terminal; lines: string[] } {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(...s.trimEnd().split('\n')) };
  return { term: new Terminal(out as unknown as NodeJS.WriteStream), lines };
}

async function until(what: string, fn: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function answer(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('peer supervision', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('an in-process peer whose server closes on its own listens again on the same port, and says so', async () => {
    let served = 0;
    const server = createServer((_req, res) => res.end(`hello ${++served}`));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const { term, lines } = terminal();
    const sup = new PeerSupervisor(
      's3',
      () => `http://127.0.0.1:${port}`,
      term,
      restartableServer(server, port),
      {
        firstDelayMs: 50,
      },
    );
    expect(sup.view()).toMatchObject({
      name: 's3',
      status: 'up',
      restarts: 0,
      lastExit: null,
      supervised: true,
    });

    server.close();
    await until('the restart to be scheduled', () => sup.status === 'restarting');
    expect(sup.view().lastExit).toBe('its server closed');
    expect(lines).toContain('✖ s3 exited (its server closed); restarting in 0.1s');
    await expect(answer(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await until('s3 to be back', () => sup.status === 'up');
    expect(await answer(port)).toBe('hello 1');
    expect(sup.view()).toMatchObject({ status: 'up', restarts: 1, lastExit: 'its server closed' });
    expect(lines.some((l) => /^✔ s3 is back after \d+\.\ds$/.test(l))).toBe(true);

    // A stop is not a death: nothing restarts it.
    sup.stop();
    server.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(sup.status).toBe('stopped');
    await expect(answer(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a peer that keeps failing to start is retried with doubling delays until it comes back', async () => {
    let exit: (reason: string) => void = () => {};
    let attempts = 0;
    const at: number[] = [];
    const peer: Restartable = {
      onExit: (l) => (exit = l),
      restart: async () => {
        at.push(Date.now());
        if (++attempts < 3) throw new Error(`port in use (attempt ${attempts})`);
      },
    };
    const { term, lines } = terminal();
    const sup = new PeerSupervisor('postgres', () => '127.0.0.1:5999', term, peer, { firstDelayMs: 100 });
    const died = Date.now();
    exit('signal SIGKILL');
    await until('postgres to be back', () => sup.status === 'up', 10_000);
    sup.stop();

    expect(attempts).toBe(3);
    expect(lines.filter((l) => l.startsWith('✖'))).toEqual([
      '✖ postgres exited (signal SIGKILL); restarting in 0.1s',
      '✖ postgres did not come back: port in use (attempt 1); restarting in 0.2s',
      '✖ postgres did not come back: port in use (attempt 2); restarting in 0.4s',
    ]);
    // 100 ms, then 200 ms, then 400 ms: each wait at least its delay.
    expect(at[0]! - died).toBeGreaterThanOrEqual(95);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(195);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(395);
    expect(sup.view()).toMatchObject({ restarts: 1, lastExit: 'signal SIGKILL' });
  });

  it('a peer berth dev does not own is shown and never restarted', () => {
    const { term } = terminal();
    const sup = new PeerSupervisor('redis', () => 'redis://127.0.0.1:6379/3', term, undefined);
    expect(sup.view()).toMatchObject({
      status: 'up',
      supervised: false,
      endpoint: 'redis://127.0.0.1:6379/3',
    });
  });
});
