import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { between, runLoad } from '../../bench/harness/load';
import { report, sleep, startScenario, summarize, talentMix, type Scenario } from './scenario';

// ECS stops a task mid-load: SIGTERM, then SIGKILL after the stop timeout. To have real work in flight at the
// signal, a lock on `opportunities` holds every DB request for 1 s around it: shorter than the runtime's 1.5 s
// statement and pool-wait timeouts, so what is in flight is slow work that must complete, not work that times out.
const RATE = 200;
const STOP_TIMEOUT_S = 10;
const LOCK_AT_MS = 4_000;
const SIGTERM_AFTER_LOCK_MS = 500;
const LOCK_FOR_MS = 1_000;
/** A request sent this close before the signal may still be on the wire: not counted as accepted. */
const ON_THE_WIRE_MS = 50;

describe('fault: SIGTERM mid-load', () => {
  let world: Scenario;

  beforeAll(async () => {
    world = await startScenario({ env: { BERTH_STOP_TIMEOUT: String(STOP_TIMEOUT_S) } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN requests in flight WHEN SIGTERM THEN each accepted request completes, exit 0 within the stop timeout', async () => {
    const tokens = await world.applicantTokens(RATE * 5);
    const stopSending = new AbortController();
    const t0 = performance.now();
    const load = runLoad({
      baseUrl: world.talent.url,
      rate: RATE,
      durationMs: 30_000,
      signal: stopSending.signal,
      next: talentMix(world.opportunityIds, tokens),
    });

    await sleep(LOCK_AT_MS);
    const locker = await world.session();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE opportunities IN ACCESS EXCLUSIVE MODE');
    await sleep(SIGTERM_AFTER_LOCK_MS);
    const [{ waiting } = { waiting: 0 }] = await world.sql<{ waiting: number }>(
      "select count(*)::int as waiting from pg_stat_activity where usename = 'talent_app' and wait_event_type = 'Lock'",
    );
    const sigtermAt = performance.now();
    world.talent.child.kill('SIGTERM');
    await sleep(LOCK_FOR_MS - SIGTERM_AFTER_LOCK_MS);
    await locker.query('COMMIT');
    await locker.end();
    const exit = await Promise.race([
      world.talent.exited,
      sleep(STOP_TIMEOUT_S * 1000 + 5_000).then(() => undefined),
    ]);
    // Keep knocking for a moment after the exit, as a load balancer that has not deregistered the task yet would.
    await sleep(500);
    stopSending.abort();
    const samples = await load;

    const accepted = between(samples, t0, sigtermAt - ON_THE_WIRE_MS);
    const inFlightAtSignal = accepted.filter((s) => s.start + s.ms > sigtermAt);
    const afterSignal = between(samples, sigtermAt);
    const { acknowledged, lost } = await world.lostWrites(samples);
    report(
      'SIGTERM mid-load',
      [
        ['all', samples],
        [`accepted (sent ≥ ${ON_THE_WIRE_MS} ms before SIGTERM)`, accepted],
        ['  of which in flight at SIGTERM', inFlightAtSignal],
        [
          `on the wire (last ${ON_THE_WIRE_MS} ms before)`,
          between(samples, sigtermAt - ON_THE_WIRE_MS, sigtermAt),
        ],
        ['sent after SIGTERM', afterSignal],
      ],
      {
        'DB sessions waiting on the lock at SIGTERM': waiting ?? 0,
        'exit code / signal': exit ? `${exit.code} / ${exit.signal}` : 'still running',
        'SIGTERM → exit ms': exit ? Math.round(exit.at - sigtermAt) : 'n/a',
        'stop timeout ms': STOP_TIMEOUT_S * 1000,
        'writes acknowledged (2xx)': acknowledged,
        'writes lost': lost.length,
      },
    );

    expect(exit, `talent did not exit within the stop timeout: ${world.talent.output()}`).toBeDefined();
    expect(exit!.code, world.talent.output()).toBe(0);
    expect(exit!.at - sigtermAt).toBeLessThan(STOP_TIMEOUT_S * 1000);
    expect(
      inFlightAtSignal.length,
      'nothing was in flight at SIGTERM: the scenario proved nothing',
    ).toBeGreaterThan(10);
    const s = summarize(accepted);
    expect(
      accepted
        .filter((x) => x.status === undefined || x.status >= 300)
        .map((x) => `${x.kind} ${x.status ?? x.error}`),
    ).toEqual([]);
    expect(s.ok).toBe(accepted.length);
    expect(lost).toEqual([]);
    // After the signal: 503 while draining, then refused; never a 500 and never a hang.
    expect(afterSignal.filter((x) => x.status !== undefined && x.status >= 500 && x.status !== 503)).toEqual(
      [],
    );
    expect(afterSignal.filter((x) => x.error === 'TIMEOUT')).toEqual([]);
  });
});
