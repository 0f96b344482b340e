import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/index';

describe('metrics (CloudWatch EMF on stdout)', () => {
  it('aggregates counts and timings per name and dimensions, flushed as EMF JSON lines', () => {
    const out: string[] = [];
    const m = createMetrics({
      namespace: 'Berth/talent',
      dimensions: { service: 'api', stage: 'dev' },
      write: (s) => void out.push(s),
    });
    m.count('ApplicationSubmitted');
    m.count('ApplicationSubmitted', 2);
    m.count('ApplicationStatus', 1, { status: 'accepted' });
    m.timing('DbQuery', 12);
    m.timing('DbQuery', 30);
    expect(out).toEqual([]); // buffered: the hot path never writes
    m.flush();
    const lines = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Berth/talent',
            Dimensions: [['service', 'stage']],
            Metrics: [{ Name: 'ApplicationSubmitted', Unit: 'Count' }],
          },
        ],
      },
      service: 'api',
      stage: 'dev',
      ApplicationSubmitted: 3,
    });
    expect(lines[1]).toMatchObject({
      status: 'accepted',
      _aws: { CloudWatchMetrics: [{ Dimensions: [['service', 'stage', 'status']] }] },
    });
    expect(lines[2]).toMatchObject({
      DbQuery: [12, 30],
      _aws: { CloudWatchMetrics: [{ Metrics: [{ Unit: 'Milliseconds' }] }] },
    });
    m.flush();
    expect(out).toHaveLength(1);
  });
});
