import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  deployerRoleName,
  globalClusterIdentifier,
  jobFamily,
  mailConfigurationSetName,
  mailEventsQueueName,
  nameIssues,
  nameProblem,
  parseTaskDefinitionArn,
  pascal,
  repositoryName,
  resolve,
  scheduleName,
  serviceFamily,
  serviceOfFamily,
  stackName,
} from '../src/index';
import { app } from './fixtures';

const shop = { app: 'shop', stage: 'prod' };

// Renaming any of these replaces the resource (a new stack, a new role the workflow no longer finds, a schedule
// deployed twice…). Change them only with a migration note.
describe('physical names', () => {
  it('are pinned', () => {
    expect(stackName(shop)).toBe('shop-prod');
    expect(stackName(shop, 'certificate')).toBe('shop-prod-certificate');
    expect(stackName(shop, 'standby')).toBe('shop-prod-standby');
    expect(serviceFamily(shop, 'api')).toBe('shop-prod-api');
    expect(serviceFamily(shop, 'api', true)).toBe('shop-prod-standby-api');
    expect(jobFamily(shop, 'nightly')).toBe('shop-prod-job-nightly');
    expect(scheduleName(shop, 'nightly')).toBe('shop-prod-nightly');
    expect(mailConfigurationSetName(shop)).toBe('shop-prod');
    expect(mailEventsQueueName(shop)).toBe('shop-prod-mail-events');
    expect(deployerRoleName(shop)).toBe('shop-prod-deployer');
    expect(globalClusterIdentifier(shop)).toBe('shop-prod');
    expect(repositoryName('shop', 'api')).toBe('shop/api');
    expect(pascal('user-uploads')).toBe('UserUploads');
  });

  it('keep the schedule name cut to the 64 characters EventBridge Scheduler allows', () => {
    const long = { app: 'a'.repeat(31), stage: 'staging' };
    const name = scheduleName(long, 'j'.repeat(31));
    expect(name).toHaveLength(64);
    expect(name).toBe(`${'a'.repeat(31)}-staging-${'j'.repeat(24)}`);
  });

  it('parse back what they build', () => {
    expect(serviceOfFamily(shop, serviceFamily(shop, 'api'))).toBe('api');
    expect(serviceOfFamily(shop, 'other-prod-api')).toBeUndefined();
    expect(
      parseTaskDefinitionArn('arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-prod-api:12'),
    ).toEqual({
      family: 'shop-prod-api',
      revision: 12,
    });
  });

  it('refuse a name over its AWS limit, naming the name, its length and the limit', () => {
    const stage = 'x'.repeat(130);
    expect(() => stackName({ app: 'shop', stage })).toThrow(ConfigError);
    expect(() => stackName({ app: 'shop', stage })).toThrow(
      /CloudFormation stack name "shop-x+" is 135 characters; AWS allows at most 128/,
    );
    expect(deployerRoleName({ app: 'shop', stage: 'x'.repeat(50) })).toHaveLength(64);
    expect(() => deployerRoleName({ app: 'shop', stage: 'x'.repeat(51) })).toThrow(
      /IAM role name .* at most 64/,
    );
    expect(() => mailEventsQueueName({ app: 'shop', stage: 'x'.repeat(70) })).toThrow(
      /SQS queue name .* at most 80/,
    );
    expect(() => mailConfigurationSetName({ app: 'shop', stage: 'x'.repeat(60) })).toThrow(
      /SES configuration set name .* at most 64/,
    );
    expect(() => serviceFamily({ app: 'shop', stage: 'x'.repeat(250) }, 'api')).toThrow(
      /ECS task definition family .* at most 255/,
    );
    expect(() => globalClusterIdentifier({ app: 'shop', stage: 'x'.repeat(60) })).toThrow(/at most 63/);
  });

  it('refuse characters AWS does not allow', () => {
    // A stage named with an underscore passes the schema (environment keys are free) but not CloudFormation.
    expect(nameProblem('stack', 'shop-my_env')).toMatch(/letters, digits and dashes, starting with a letter/);
    expect(nameProblem('family', 'shop-my_env-api')).toBeUndefined();
    // ECR wants a letter or digit after each separator: an app name ending in a dash is refused.
    expect(nameProblem('repository', 'shop-/api')).toMatch(/ECR repository name/);
    expect(nameProblem('globalCluster', 'shop--prod')).toMatch(/single dashes/);
    expect(nameProblem('globalCluster', 'shop-prod')).toBeUndefined();
    expect(nameProblem('schedule', 'shop-prod.nightly_1')).toBeUndefined();
  });

  it('are all checked at once for an environment', () => {
    const resolved = resolve(app({ environments: { dev: {}, my_env: { profile: 'dev' } } }), 'my_env');
    const issues = nameIssues(resolved);
    // Only the stack names refuse the underscore: families, queues, roles and configuration sets allow it.
    expect(issues.map((i) => i.path)).toEqual(['environments.my_env']);
    expect(issues[0]!.message).toMatch(/CloudFormation stack name "shop-my_env" is not allowed/);
    expect(nameIssues(resolve(app(), 'prod'))).toEqual([]);
  });
});
