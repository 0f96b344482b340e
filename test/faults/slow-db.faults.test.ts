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

// Another session takes an exclusive lock on `opportunities` and sleeps in its transaction, so every query the app
// runs against it waits. The runtime's statement timeout (1.5 s, the server's) and pool wait (1.5 s) must turn the
// wait into 503s, and the event loop must stay free: /health (no DB) keeps answering fast. A request can meet both
// limits in turn: it waits for a pooled client until one is freed by a statement timeout (the client is healthy and
// goes back to the pool), then its own statement waits on the lock; so the bound is the two added, ~3 s.
const RATE = 200;
const DURATION_MS = 16_000;
const SLOW_AT_MS = 3_000;
const SLOW_FOR_S = 8;
/** Pool wait + statement timeout + what a loaded 2-core machine adds: the longest a request may take. */
const MAX_LATENCY_MS = 1_500 + 1_500 + 1_500;
/** Most 503s come from one of the two limits alone. */
const FAILED_P50_MS = 2_000;
/**
 * Far under the 1.5 s a blocked event loop would show; above the ~100 ms a 2-core machine running other suites adds
 * to any request's tail (the same load puts /health's p99 there outside the fault too).
 */
const HEALTH_P99_MS = 250;
/** A healthy app never waits the pool's 1.5 s; a p99 that high before the fault means a starved machine. */
const BEFORE_P99_MS = 1_500;

describe('fault: slow database', () => {
  let world: Scenario;

  beforeAll(async () => {
    world = await startScenario();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN queries stuck behind a lock THEN 503s from the 1.5 s timeouts, /health p99 ≤ 250 ms, nothing lost', async () => {
    const { t0, load } = await loadTalentMix(world, {
      rate: RATE,
      durationMs: DURATION_MS,
      // Requests pile up for up to 15 s at 200/s: the generator must not be the one that gives up.
      maxInFlight: 5_000,
    });

    await sleep(SLOW_AT_MS);
    const locker = await world.session();
    const slowAt = performance.now();
    const held = locker.query(
      `BEGIN; LOCK TABLE opportunities IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${SLOW_FOR_S}); COMMIT;`,
    );
    await held;
    const fastAt = performance.now();
    await locker.end();
    const samples = await load;

    const slow = between(samples, slowAt, fastAt);
    const health = slow.filter((s) => s.kind === 'health');
    const failed = slow.filter((s) => s.status !== undefined && s.status >= 500);
    const { acknowledged, lost } = await world.lostWrites(samples);
    const slowest = Math.max(...samples.map((s) => s.ms));
    report(
      'slow database (lock + pg_sleep)',
      [
        ['all', samples],
        ['before', between(samples, t0, slowAt)],
        ['DB slow (lock held)', slow],
        ['after', between(samples, fastAt)],
      ],
      {
        'lock held ms': Math.round(fastAt - slowAt),
        '/health p99 ms while slow': summarize(health).p99.toFixed(1),
        'slowest request ms': Math.round(slowest),
        '503 p50 / p99 / max ms while slow': [
          summarize(failed).p50,
          summarize(failed).p99,
          summarize(failed).max,
        ]
          .map((ms) => ms.toFixed(0))
          .join(' / '),
        'writes acknowledged (2xx)': acknowledged,
        'writes lost': lost.length,
      },
    );

    expect(await Promise.race([world.talent.exited, sleep(0).then(() => 'running')])).toBe('running');
    // Before the fault (after its first second, while the pool grows) the app must be healthy, or what follows
    // measures the machine, not the fault.
    const before = summarize(between(samples, t0 + 1_000, slowAt));
    expect(
      before.ok >= 0.99 * before.sent && before.p99 < BEFORE_P99_MS,
      `before the fault: ${before.ok} of ${before.sent} 2xx, p99 ${before.p99.toFixed(0)} ms: the machine is too loaded to measure this fault`,
    ).toBe(true);
    expect(summarize(health).ok).toBe(health.length);
    expect(summarize(health).p99).toBeLessThanOrEqual(HEALTH_P99_MS);
    expect(unexpected(samples, [503, 504]).map((s) => `${s.kind} ${s.status} ${s.body}`)).toEqual([]);
    expect(summarize(slow).server, 'no timeout turned into a 503/504: the lock did not bite').toBeGreaterThan(
      0,
    );
    expect(summarize(samples).connErrors + summarize(samples).timeouts + summarize(samples).notSent).toBe(0);
    expect(slowest).toBeLessThan(MAX_LATENCY_MS);
    expect(summarize(failed).p50).toBeLessThanOrEqual(FAILED_P50_MS);
    expect(lost).toEqual([]);
    // Back to normal once the lock is gone (requests queued behind it may finish late, new ones must succeed).
    const after = between(samples, fastAt + 1_000);
    expect(summarize(after).ok).toBe(after.length);
  });
});
