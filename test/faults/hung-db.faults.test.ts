import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { between } from '../../bench/harness/load';
import {
  loadTalentMix,
  report,
  type Scenario,
  sleep,
  startScenario,
  summarize,
  unexpected,
} from './scenario';

// PostgreSQL hangs: every server process is frozen (SIGSTOP), so connections are accepted by the kernel and queries
// are received, but nothing answers, and the server's own statement_timeout cannot fire either. Only the runtime's
// client-side limits bound a request: the pool wait and connect timeout (1.5 s) and the query timeout (statement
// timeout 1.5 s + 0.5 s). So every DB request answers 503 within about 2 s; once the database is released, new
// requests succeed again.
const RATE = 200;
const DURATION_MS = 16_000;
const HANG_AT_MS = 3_000;
const HANG_FOR_MS = 6_000;
/** Query timeout (2 s) + what a loaded 2-core machine adds to a timer and a response. */
const MAX_DB_MS_WHILE_HUNG = 2_000 + 1_000;
/**
 * Far under the 1.5 s a blocked event loop would show; above the ~100 ms a 2-core machine running other suites adds
 * to any request's tail (the same load puts /health's p99 there before the hang too).
 */
const HEALTH_P99_MS = 250;
/** A healthy app never waits the pool's 1.5 s; a p99 that high before the fault means a starved machine. */
const BEFORE_P99_MS = 1_500;
/** After release: stuck work drains (its answers arrive late), then every request must succeed. */
const RECOVERY_MS = 2_000;

describe('fault: hung database', () => {
  let world: Scenario;

  beforeAll(async () => {
    world = await startScenario();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN a frozen PostgreSQL THEN DB requests answer 503 within ~2 s, /health stays fast, all 2xx after release, nothing lost', async () => {
    const { t0, load } = await loadTalentMix(world, {
      rate: RATE,
      durationMs: DURATION_MS,
      maxInFlight: 5_000,
    });

    await sleep(HANG_AT_MS);
    const hungAt = performance.now();
    const frozen = world.postgres.pause();
    await sleep(HANG_FOR_MS);
    const releasedAt = performance.now();
    world.postgres.resume();
    const samples = await load;

    const hung = between(samples, hungAt, releasedAt);
    const hungDb = hung.filter((s) => s.kind !== 'health');
    const health = hung.filter((s) => s.kind === 'health');
    const failed = hungDb.filter((s) => s.status !== undefined && s.status >= 500);
    const after = between(samples, releasedAt + RECOVERY_MS);
    const { acknowledged, lost } = await world.lostWrites(samples);
    report(
      'hung database (PostgreSQL frozen with SIGSTOP)',
      [
        ['all', samples],
        ['before', between(samples, t0, hungAt)],
        ['DB hung', hung],
        ['  DB requests, hung', hungDb],
        ['released (first 2 s)', between(samples, releasedAt, releasedAt + RECOVERY_MS)],
        ['after', after],
      ],
      {
        'server processes frozen': frozen,
        'hung ms': Math.round(releasedAt - hungAt),
        '/health p99 ms while hung': summarize(health).p99.toFixed(1),
        '503 p50 / p99 / max ms while hung': [50, 99]
          .map((p) => summarize(failed)[`p${p}` as 'p50' | 'p99'].toFixed(0))
          .concat(summarize(failed).max.toFixed(0))
          .join(' / '),
        'writes acknowledged (2xx)': acknowledged,
        'writes lost': lost.length,
      },
    );

    expect(await Promise.race([world.talent.exited, sleep(0).then(() => 'running')])).toBe('running');
    // Before the fault (after its first second, while the pool grows) the app must be healthy, or what follows
    // measures the machine, not the fault.
    const before = summarize(between(samples, t0 + 1_000, hungAt));
    expect(
      before.ok >= 0.99 * before.sent && before.p99 < BEFORE_P99_MS,
      `before the fault: ${before.ok} of ${before.sent} 2xx, p99 ${before.p99.toFixed(0)} ms: the machine is too loaded to measure this fault`,
    ).toBe(true);
    // The event loop stays free: liveness answers, fast, so ECS does not kill a task for its database.
    expect(summarize(health).ok).toBe(health.length);
    expect(summarize(health).p99).toBeLessThanOrEqual(HEALTH_P99_MS);
    // DB requests sent while it hangs fail, and fail fast: 503, within the client-side timeouts.
    expect(failed.length, 'the hang did not bite').toBeGreaterThan(hungDb.length / 2);
    expect(unexpected(samples, [503]).map((s) => `${s.kind} ${s.status} ${s.body}`)).toEqual([]);
    const slow = hungDb
      .filter((s) => s.ms > MAX_DB_MS_WHILE_HUNG)
      .map((s) => `${s.kind} ${s.ms.toFixed(0)} ms`);
    expect(slow).toEqual([]);
    expect(summarize(samples).connErrors + summarize(samples).timeouts + summarize(samples).notSent).toBe(0);
    // Recovery on release, and every acknowledged write is in the table.
    expect(summarize(after).ok).toBe(after.length);
    expect(lost).toEqual([]);
  });
});
