import { describe, expect, it } from 'vitest';
import { fixFor } from '../src/fixes';

describe('fixFor: what to change for a finding', () => {
  it('names the berth.config.ts setting for rules a setting clears', () => {
    expect(fixFor({ rule: 'NIST.800.53.R5-ALBHttpToHttpsRedirection' })).toMatch(
      /edge\.domain.*edge\.certificate/,
    );
    expect(fixFor({ rule: 'AwsSolutions-ELB2' })).toMatch(/edge\.accessLogs: true/);
    expect(fixFor({ rule: 'NIST.800.53.R5-S3BucketVersioningEnabled' })).toMatch(
      /buckets\.<name>\.versioned/,
    );
    expect(fixFor({ rule: 'Berth-SecretsNeverInPlainEnv' })).toMatch(/services\.<name>\.secrets/);
  });
  it('points at the rule documentation where no setting does', () => {
    expect(fixFor({ rule: 'AwsSolutions-IAM5[Action::s3:*]' })).toMatch(/cdk-nag\/blob\/main\/RULES\.md/);
    expect(fixFor({ rule: 'ct-s3-pr-1' })).toMatch(/controltower/);
  });
});
