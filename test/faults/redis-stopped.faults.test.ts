import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { between } from '../../bench/harness/load';
import { fmt } from '../../bench/harness/stats';
import {
  loadTalentMix,
  redisKeyCount,
  report,
  type Scenario,
  sleep,
  startScenario,
  summarize,
} from './scenario';

// Redis is killed (SIGKILL: an outage) mid-load and started again 6 s later. The cache is fail-open.
const RATE = 300;
const DURATION_MS = 18_000;
const STOP_AT_MS = 5_000;
const STOPPED_FOR_MS = 6_000;

describe('fault: Redis stopped mid-load', () => {
  let world: Scenario;

  beforeAll(async () => {
    world = await startScenario();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN steady load WHEN Redis dies THEN zero 5xx (fail-open), and p99 is reported before/during/after', async () => {
    const { t0, load } = await loadTalentMix(world, {
      rate: RATE,
      durationMs: DURATION_MS,
    });

    await sleep(STOP_AT_MS);
    const keysBefore = await redisKeyCount(world.redis.port);
    const stopAt = performance.now();
    await world.redis.stop();
    await sleep(STOPPED_FOR_MS);
    const startAt = performance.now();
    await world.redis.start();
    const samples = await load;
    const { acknowledged, lost } = await world.lostWrites(samples);

    const before = between(samples, t0, stopAt);
    const during = between(samples, stopAt, startAt);
    const after = between(samples, startAt);
    const list = (xs: typeof samples) => xs.filter((s) => s.kind === 'list');
    report(
      'Redis stopped mid-load',
      [
        ['all', samples],
        ['before', before],
        ['Redis down', during],
        ['after (Redis back)', after],
      ],
      {
        'cached list p99 ms before / during / after': [before, during, after]
          .map((w) => fmt(summarize(list(w)).p99))
          .join(' / '),
        'keys in Redis before it was stopped': keysBefore,
        'writes acknowledged (2xx)': acknowledged,
        'writes lost': lost.length,
      },
    );

    expect(keysBefore, 'talent never wrote to Redis: the outage would prove nothing').toBeGreaterThan(0);
    const all = summarize(samples);
    expect(all.server, JSON.stringify(samples.filter((s) => (s.status ?? 0) >= 500).slice(0, 5))).toBe(0);
    expect(all.connErrors + all.timeouts).toBe(0);
    expect(all.ok).toBe(all.sent);
    expect(lost).toEqual([]);
  });
});
