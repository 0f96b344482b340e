import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { estimateTemplate } from '../src/index';
import { talentResolved, templateOf } from './support';

type Rules = {
  Id: string;
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
  ExpiredObjectDeleteMarker?: boolean;
}[];
const rulesOf = (t: Template) =>
  (
    t.toJSON().Resources.BucketResumes as {
      Properties: { LifecycleConfiguration: { Rules: Rules } };
    }
  ).Properties.LifecycleConfiguration.Rules;

let prod: Template;
let dev: Template;
beforeAll(() => {
  prod = templateOf(talentResolved('prod'));
  dev = templateOf(talentResolved('dev'));
});

describe('versioned buckets erase what is deleted', () => {
  it('expires noncurrent versions after the profile days, then the delete markers left alone (prod)', () => {
    expect(rulesOf(prod)).toEqual(
      expect.arrayContaining([
        {
          Id: 'expire-noncurrent-versions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          ExpiredObjectDeleteMarker: true,
        },
      ]),
    );
  });
  it('adds no such rule to an unversioned bucket (dev)', () => {
    expect(rulesOf(dev).map((r) => r.Id)).not.toContain('expire-noncurrent-versions');
  });
  it('prices the old versions a versioned bucket keeps', () => {
    const line = estimateTemplate(prod.toJSON() as never).lines.find((l) => l.logicalId === 'BucketResumes');
    expect(line?.assumption).toMatch(/\+1 GB of old versions \(10% replaced a month, kept 30 days\)/);
  });
});
