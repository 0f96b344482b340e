import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredBetween, between } from '../../bench/harness/load';
import {
  loadTalentMix,
  report,
  type Scenario,
  sleep,
  startScenario,
  summarize,
  unexpected,
} from './scenario';

// PostgreSQL goes away for ~4 s mid-load (fast shutdown: every session is terminated) and comes back.
const RATE = 300;
const DURATION_MS = 18_000;
const DOWN_AT_MS = 5_000;
const DOWN_FOR_MS = 4_000;
/** No request may hang: the runtime's connect timeout (5 s) plus margin. */
const MAX_LATENCY_MS = 12_000;
const RECOVERY_MS = 5_000;

describe('fault: PostgreSQL restarted mid-load', () => {
  let world: Scenario;

  beforeAll(async () => {
    world = await startScenario();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN steady load WHEN PostgreSQL restarts THEN 503s during the gap, no hang, no crash, 2xx within 5 s, nothing lost', async () => {
    const { t0, load } = await loadTalentMix(world, {
      rate: RATE,
      durationMs: DURATION_MS,
    });

    await sleep(DOWN_AT_MS);
    const downAt = performance.now();
    await world.postgres.stop();
    const stoppedAt = performance.now();
    await sleep(DOWN_FOR_MS);
    await world.postgres.start();
    const upAt = performance.now();
    const samples = await load;

    const afterUp = between(samples, upAt);
    const failedAfterUp = afterUp.filter((s) => s.status === undefined || s.status >= 500);
    const lastFailure = failedAfterUp.at(-1);
    const recoveryMs = lastFailure ? lastFailure.start + lastFailure.ms - upAt : 0;
    const { acknowledged, lost } = await world.lostWrites(samples);
    const [{ rows } = { rows: '0' }] = await world.sql<{ rows: string }>(
      'select count(*)::text as rows from applications',
    );
    const exit = await Promise.race([world.talent.exited, sleep(0).then(() => undefined)]);

    report(
      'PostgreSQL restarted mid-load',
      [
        ['all', samples],
        ['before', between(samples, t0, downAt)],
        ['PostgreSQL down', between(samples, downAt, upAt)],
        ['after (PostgreSQL back)', afterUp],
      ],
      {
        'PostgreSQL stop took ms': Math.round(stoppedAt - downAt),
        'PostgreSQL down for ms (stop → start resolved)': Math.round(upAt - downAt),
        'last failure after PostgreSQL was back, ms': Math.round(recoveryMs),
        'writes acknowledged (2xx)': acknowledged,
        'writes lost': lost.length,
        'rows in applications': rows,
        'app still running, same pid': exit === undefined,
      },
    );

    expect(exit, `talent exited: ${world.talent.output()}`).toBeUndefined();
    expect(lost).toEqual([]);
    expect(summarize(samples).timeouts).toBe(0);
    expect(summarize(samples).connErrors).toBe(0);
    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(MAX_LATENCY_MS);
    expect(unexpected(samples, [503]).map((s) => `${s.kind} ${s.status} ${s.body}`)).toEqual([]);
    const before = answeredBetween(samples, t0, downAt);
    expect(summarize(before).ok).toBe(before.length);
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_MS);
    expect(summarize(between(samples, upAt + RECOVERY_MS)).ok).toBe(
      between(samples, upAt + RECOVERY_MS).length,
    );
  });
});
