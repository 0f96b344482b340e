import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuerUrl, loadSigningKey, signToken, type SigningKey } from '@berthjs/dev';
import {
  devUp,
  freePort,
  http,
  ROOT,
  startDev,
  until,
  type Dev,
} from '../../packages/dev/test/support/dev-session';

// The embedded PostgreSQL is killed (SIGKILL to the postmaster, as the OOM killer or a stray `kill -9` would) under
// a running `berth dev` of talent while writes and reads flow through the router. berth dev notices, restarts it in
// place (same port, data and credentials), says so in the terminal and the console; requests after it is back
// succeed, and every write that was acknowledged with a 2xx is still there.
const CONFIG = join(ROOT, 'examples/talent/berth.config.ts');
/** After PostgreSQL is back, the app's pool replaces its dead connections: requests may fail for this long. */
const SETTLE_MS = 3_000;
const AFTER_MS = 5_000;

interface Sent {
  readonly kind: 'write' | 'read';
  readonly start: number;
  readonly end: number;
  readonly status: number | undefined;
  readonly id?: string;
  readonly applicant?: string;
}

describe('fault: a peer killed under berth dev', () => {
  let dev: Dev;
  let port: number;
  let state: string;
  let key: SigningKey;
  const token = (sub: string, roles: string[] = []) =>
    signToken(key, {
      sub,
      email: `${sub}@example.com`,
      roles,
      issuer: issuerUrl(port),
      audience: 'talent-api',
      ttlSeconds: 3600,
    });
  const api = async (method: string, path: string, bearer?: string, body?: unknown) =>
    http(port, path, {
      method,
      host: `api.localhost:${port}`,
      timeoutMs: 15_000,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    port = await freePort();
    state = mkdtempSync(join(tmpdir(), 'berth-peer-kill-'));
    // No shared Redis: this run's cache is in-process, so the test claims no database on a shared server.
    dev = startDev(CONFIG, state, port, { REDIS_URL: 'redis://127.0.0.1:1' });
    await devUp(dev, 'talent', 150_000);
    key = await loadSigningKey(state);
  });
  afterAll(() => dev?.stop());

  it('GIVEN writes through the router WHEN PostgreSQL is SIGKILLed THEN it is restarted, shown, later requests succeed, no acknowledged write is lost', async () => {
    const reviewer = await token('reviewer-1', ['reviewer']);
    const opp = await api('POST', '/opportunities', reviewer, { title: 'Engineer', description: 'Build' });
    expect(opp.status, opp.body).toBe(201);
    const opportunityId = opp.json().id as string;

    const sent: Sent[] = [];
    let stop = false;
    let n = 0;
    const t0 = Date.now();
    // Four clients in a loop: each sends a write (a new applicant) then a read, until told to stop.
    const client = async () => {
      while (!stop) {
        const applicant = `applicant-${n++}`;
        const bearer = await token(applicant);
        for (const kind of ['write', 'read'] as const) {
          const start = Date.now();
          const res =
            kind === 'write'
              ? await api('POST', '/applications', bearer, { opportunityId }).catch(() => undefined)
              : await api('GET', `/opportunities/${opportunityId}`).catch(() => undefined);
          const id = kind === 'write' && res?.status === 201 ? (res.json().id as string) : undefined;
          sent.push({
            kind,
            start,
            end: Date.now(),
            status: res?.status,
            ...(id ? { id, applicant } : {}),
          });
        }
      }
    };
    const clients = Promise.all([client(), client(), client(), client()]);

    await new Promise((r) => setTimeout(r, 3_000));
    const pid = Number(readFileSync(join(state, 'postgres/data/postmaster.pid'), 'utf8').split('\n')[0]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();

    const restarting = await until(
      'the console to show postgres restarting or back',
      async () => {
        const peers = (await http(port, '/_berth/api/peers')).json() as { name: string; status: string }[];
        const pg = peers.find((p) => p.name === 'postgres');
        return pg && pg.status !== 'up' ? pg : undefined;
      },
      10_000,
      50,
    ).catch(() => undefined);
    const back = await until(
      'postgres to be back',
      async () => {
        const peers = (await http(port, '/_berth/api/peers')).json() as {
          name: string;
          status: string;
          restarts: number;
          lastExit: string | null;
        }[];
        const pg = peers.find((p) => p.name === 'postgres');
        return pg?.status === 'up' && pg.restarts === 1 ? pg : undefined;
      },
      60_000,
      100,
    );
    const backAt = Date.now();
    await new Promise((r) => setTimeout(r, SETTLE_MS + AFTER_MS));
    stop = true;
    await clients;

    const out = dev.output();
    const exited = /postgres exited \(signal SIGKILL\); restarting in [\d.]+s/.exec(out)?.[0];
    const isBack = /postgres is back after ([\d.]+)s/.exec(out);
    const after = sent.filter((s) => s.start >= backAt + SETTLE_MS);
    const during = sent.filter((s) => s.start >= killedAt && s.start < backAt + SETTLE_MS);
    const acknowledged = sent.filter((s) => s.id);
    const statuses = (list: Sent[]) =>
      Object.entries(
        list.reduce<Record<string, number>>((acc, s) => {
          const k = `${s.kind} ${s.status ?? 'no answer'}`;
          acc[k] = (acc[k] ?? 0) + 1;
          return acc;
        }, {}),
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');

    // Every acknowledged write is there after recovery, read back through the API by its applicant.
    const lost: string[] = [];
    for (const s of acknowledged) {
      const res = await api('GET', `/applications/${s.id}`, await token(s.applicant!));
      if (res.status !== 200) lost.push(`${s.id} → ${res.status}`);
    }

    console.log(
      [
        '\n### fault: the embedded PostgreSQL SIGKILLed under berth dev (talent, through the router)\n',
        `- requests sent: ${sent.length} over ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        `- before the kill: ${statuses(sent.filter((s) => s.start < killedAt))}`,
        `- kill → back + ${SETTLE_MS / 1000} s: ${statuses(during)}`,
        `- after: ${statuses(after)}`,
        `- kill → console shows up again: ${backAt - killedAt} ms; berth dev's own figure: ${isBack?.[1]} s`,
        `- console during: ${JSON.stringify(restarting)}; after: ${JSON.stringify(back)}`,
        `- writes acknowledged (2xx): ${acknowledged.length}; lost: ${lost.length}`,
      ].join('\n'),
    );

    expect(exited, out.slice(-3000)).toBeDefined();
    expect(isBack, out.slice(-3000)).not.toBeNull();
    expect(back.lastExit).toBe('signal SIGKILL');
    expect(restarting, 'the console showed postgres as restarting while it was down').toBeDefined();
    expect(dev.child.exitCode).toBeNull();
    expect(after.length).toBeGreaterThan(20);
    expect(after.filter((s) => s.status === undefined || s.status >= 300)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(20);
    expect(lost).toEqual([]);
    // While PostgreSQL is away the app answers 503; the service itself stays up, so the router never says 502.
    expect(during.filter((s) => s.status !== undefined && s.status >= 500 && s.status !== 503)).toEqual([]);
  });
});
