import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedApp } from '@berthjs/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleConsole, type ConsoleState } from '../src/console/console';
import { ConsoleAuth } from '../src/console/guard';
import { rotateRunning } from '../src/run';

/**
 * The console's credentials through its real handler, without a whole berth dev: `berth dev rotate` (the CLI's
 * path, the token read from dev.json), and what a request without the credential gets.
 */
describe('the console answers its owner only: berth dev rotate with the token from dev.json', () => {
  let server: Server;
  let port: number;
  let state: string;
  let rotations = 0;
  const auth = new ConsoleAuth();

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'berth-console-auth-'));
    server = createServer((req, res) => {
      const consoleState: ConsoleState = {
        resolved: { app: 'fixture', stage: 'dev' } as unknown as ResolvedApp,
        port,
        stateDir: state,
        services: new Map(),
        peers: {},
        auth,
        rotate: async () => {
          rotations++;
          return {
            arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:fixture',
            versionId: 'v2',
            ms: 1,
          };
        },
      };
      void handleConsole(req, res, consoleState);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });

  afterAll(() => {
    server.close();
    rmSync(state, { recursive: true, force: true });
  });

  const runFile = (token: string) =>
    writeFileSync(
      join(state, 'dev.json'),
      JSON.stringify({ pid: process.pid, port, startedAt: new Date().toISOString(), token, groups: [] }),
      { mode: 0o600 },
    );

  it('GIVEN the token in dev.json THEN berth dev rotate rotates', async () => {
    runFile(auth.token);
    expect(await rotateRunning(state)).toMatchObject({ versionId: 'v2' });
    expect(rotations).toBe(1);
  });

  it("GIVEN another run's token in dev.json THEN the rotation is refused and nothing rotates", async () => {
    runFile(new ConsoleAuth().token);
    await expect(rotateRunning(state)).rejects.toThrow(/rotation failed: .*not this run's token/);
    expect(rotations).toBe(1);
  });

  it('GIVEN no credential THEN a POST to rotate is 401, and no cross-origin POST rotates even with the token', async () => {
    const bare = await fetch(`http://127.0.0.1:${port}/_berth/api/database/rotate`, { method: 'POST' });
    expect(bare.status).toBe(401);
    const foreign = await fetch(`http://127.0.0.1:${port}/_berth/api/database/rotate`, {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'x-berth-token': auth.token },
    });
    expect(foreign.status).toBe(403);
    expect(rotations).toBe(1);
  });

  it('the sign-in URL: 303 with the cookie once, 401 after; the cookie reads the API, a made-up one does not', async () => {
    const url = `http://127.0.0.1:${port}${auth.loginPath()}`;
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/_berth');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(new RegExp(`^berth_console_${port}=`));
    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    const app = await fetch(`http://127.0.0.1:${port}/_berth/api/app`, { headers: { cookie } });
    expect(app.status).toBe(200);
    expect(((await app.json()) as { app: string }).app).toBe('fixture');
    const forged = await fetch(`http://127.0.0.1:${port}/_berth/api/app`, {
      headers: { cookie: `berth_console_${port}=${auth.token}` },
    });
    expect(forged.status).toBe(401);
    // The page for a browser without the cookie: the sign-in advice, no app, no token.
    const page = await fetch(`http://127.0.0.1:${port}/_berth`);
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('Open the one-time URL it printed in its terminal');
    for (const secret of ['fixture', auth.token, auth.loginPath()]) expect(html).not.toContain(secret);
  });
});
