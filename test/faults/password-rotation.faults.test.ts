import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { between } from '../../bench/harness/load';
import { isAllowed } from '@berthjs/infra';
import { startSecretsManager } from '../../bench/harness/secrets-manager';
import { APP_ROLE, loadTalentMix, report, type Scenario, sleep, startScenario, summarize } from './scenario';
import { talentTaskRole } from './task-role';

// The database password is rotated mid-load the way the RDS rotation Lambda does it (ALTER ROLE, then the secret's
// AWSCURRENT value), then the app has to open new connections: a lock on `opportunities` held for 600 ms makes
// every request wait, so the pool grows to its maximum with the new password only the secret knows (idle sessions
// from before the rotation are recycled first, so the pool always has room to grow).
const RATE = 240;
const DURATION_MS = 16_000;
const ROTATE_AT_MS = 5_000;
const GROW_POOL_FOR_MS = 600;

describe('fault: DB password rotated mid-load', () => {
  let world: Scenario;

  beforeAll(async () => {
    world = await startScenario({ secretsManager: true });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN the secret ARN WHEN the password rotates THEN the same process recovers, failures counted (target 0)', async () => {
    const pid = world.talent.pid;
    const { t0, load } = await loadTalentMix(world, {
      rate: RATE,
      durationMs: DURATION_MS,
    });

    await sleep(ROTATE_AT_MS);
    const [{ sessions: sessionsBefore } = { sessions: 0 }] = await world.sql<{ sessions: number }>(
      'select count(*)::int as sessions from pg_stat_activity where usename = $1',
      [APP_ROLE],
    );
    const password = randomBytes(12).toString('hex');
    const rotatedAt = performance.now();
    const rotatedAtDb = new Date();
    await world.sql(`ALTER ROLE ${APP_ROLE} PASSWORD '${password}'`);
    world.secretsManager!.put('talent/prod/database', JSON.stringify({ ...world.secret, password }));
    // Existing sessions keep working after ALTER ROLE; only new connections need the new password. On a loaded
    // machine the warm-up can leave the pool at its maximum, so the lock below would open nothing. Sessions idle for
    // half a second sit at the bottom of pg-pool's idle stack (it reuses the most recently released client), so
    // recycling them is what an idle timeout or a database maintenance would do, without touching a request.
    const [{ recycled } = { recycled: 0 }] = await world.sql<{ recycled: number }>(
      `select count(pg_terminate_backend(pid))::int as recycled from pg_stat_activity
        where usename = $1 and state = 'idle' and state_change < now() - interval '500 milliseconds'`,
      [APP_ROLE],
    );

    const locker = await world.session();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE opportunities IN ACCESS EXCLUSIVE MODE');
    await sleep(GROW_POOL_FOR_MS);
    await locker.query('COMMIT');
    await locker.end();
    const samples = await load;

    const sessions = await world.sql<{ old: number; fresh: number }>(
      `select count(*) filter (where backend_start < $2)::int as old, count(*) filter (where backend_start >= $2)::int as fresh
         from pg_stat_activity where usename = $1`,
      [APP_ROLE, rotatedAtDb],
    );
    const { acknowledged, lost } = await world.lostWrites(samples);
    const reads = world.secretsManager!.calls.get(world.secretArn!) ?? 0;
    // The peer answers as IAM would for the api task role synthesized for prod (test/faults/task-role.ts).
    const denied = world.secretsManager!.denied.get(world.secretArn!) ?? 0;
    const after = between(samples, rotatedAt);
    const failures = samples.filter((s) => s.status === undefined || s.status >= 500);

    report(
      'DB password rotated mid-load',
      [
        ['all', samples],
        ['before', between(samples, t0, rotatedAt)],
        ['rotation → end', after],
      ],
      {
        'app sessions before rotation': sessionsBefore ?? 0,
        'idle sessions recycled after the rotation': recycled,
        'app sessions at the end: opened before / after the rotation': `${sessions[0]?.old} / ${sessions[0]?.fresh}`,
        'GetSecretValue calls': reads,
        'GetSecretValue refused by the task role policy': denied,
        'failed requests (5xx + connection errors)': failures.length,
        'failed statuses':
          [...new Set(failures.map((f) => `${f.status ?? f.error} ${f.body ?? ''}`))].join('; ') || 'none',
        'same pid': world.talent.pid === pid,
        'writes acknowledged (2xx)': acknowledged,
        'writes lost': lost.length,
      },
    );

    const dbLog = world.talent
      .output()
      .split('\n')
      .filter((l) => /"db: |secret/.test(l) && !/recently|re-reading/.test(l))
      .slice(0, 8);
    console.log(`talent's db log lines:\n${dbLog.join('\n') || '(none)'}`);
    expect(
      reads,
      'the runtime never re-read the secret: the scenario did not exercise rotation',
    ).toBeGreaterThanOrEqual(1);
    expect(denied, 'the synthesized task role may not re-read the database secret').toBe(0);
    expect(sessions[0]?.fresh, 'no connection was opened with the new password').toBeGreaterThan(0);
    expect(await Promise.race([world.talent.exited, sleep(0).then(() => 'running')])).toBe('running');
    expect(lost).toEqual([]);
    // Recovered: everything sent from 2 s after the rotation on succeeded.
    const settled = between(samples, rotatedAt + 2_000);
    expect(summarize(settled).ok).toBe(settled.length);
    expect(
      failures.map(
        (f) =>
          `${f.kind} ${f.status ?? f.error} at ${Math.round(f.start - rotatedAt)} ms from the rotation ${f.body ?? ''}`,
      ),
    ).toEqual([]);
  });
});

describe('the rotation peer enforces the synthesized task role', () => {
  it('refuses the re-read when the task role lacks GetSecretValue on the secret (the old template shape)', async () => {
    const role = talentTaskRole();
    expect(role.authorize('secretsmanager:GetSecretValue', role.databaseSecretArn)).toBe(true);
    const old = role.policies.map((p) => ({
      ...p,
      document: {
        ...p.document,
        Statement: [p.document.Statement]
          .flat()
          .filter((s) => ![s.Action].flat().includes('secretsmanager:GetSecretValue')),
      },
    }));
    expect(isAllowed(old, 'secretsmanager:GetSecretValue', role.databaseSecretArn).allowed).toBe(false);
    const peer = await startSecretsManager('us-east-1', {
      authorize: (action, arn) => isAllowed(old, action, arn).allowed,
    });
    try {
      const arn = peer.put('talent/prod/database', '{}', role.databaseSecretArn);
      const res = await fetch(peer.endpoint, {
        method: 'POST',
        headers: {
          'x-amz-target': 'secretsmanager.GetSecretValue',
          'content-type': 'application/x-amz-json-1.1',
        },
        body: JSON.stringify({ SecretId: arn }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { __type: string }).__type).toBe('AccessDeniedException');
      expect(peer.denied.get(arn)).toBe(1);
    } finally {
      await peer.close();
    }
  });
});
