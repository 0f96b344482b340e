import { beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../src/index';
import { talentResolved, templateOf, withChanges } from './support';

// GIVEN talent (two light jobs) WHEN synthesized THEN each job is a schedule that runs RunTask.
let dev: Template;
let prod: Template;
beforeAll(() => {
  dev = templateOf(talentResolved('dev'));
  prod = templateOf(talentResolved('prod'));
});

const scheduleOf = (t: Template, name: string) =>
  Object.values(t.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } }))[0] as {
    Properties: {
      Target: {
        Input?: string;
        EcsParameters: {
          TaskDefinitionArn: unknown;
          NetworkConfiguration: { AwsvpcConfiguration: { SecurityGroups: unknown } };
        };
      };
    };
  };

describe('Jobs', () => {
  it('schedules each job in UTC with a dead-letter queue and retries', () => {
    prod.resourceCountIs('AWS::Scheduler::Schedule', 2);
    prod.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'talent-prod-send-reminders',
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsDeadLetter'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
  });
  it('runs on the Fargate launch type with no Input (the templated ECS target applies no overrides)', () => {
    const target = scheduleOf(prod, 'talent-prod-purge-orphan-uploads').Properties.Target;
    expect(target.Input).toBeUndefined();
    expect(target.EcsParameters).not.toHaveProperty('CapacityProviderStrategy');
    expect(target.EcsParameters).toMatchObject({
      TaskCount: 1,
      LaunchType: 'FARGATE',
      Group: 'job:purge-orphan-uploads',
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
    expect(target.EcsParameters.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^ServiceApiSecurityGroup/), 'GroupId'] },
    ]);
  });
  it("gives a job its own task definition carrying its command even at the service's size (dev)", () => {
    const target = scheduleOf(dev, 'talent-dev-send-reminders').Properties.Target;
    expect(target.EcsParameters.TaskDefinitionArn).toEqual({
      Ref: expect.stringMatching(/^JobsSendRemindersTaskDefinition/),
    });
    dev.resourceCountIs('AWS::ECS::TaskDefinition', 3);
    dev.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'talent-dev-job-send-reminders',
      ContainerDefinitions: [Match.objectLike({ Command: ['node', 'dist/job.js', 'send-reminders'] })],
    });
  });
  it('gives a job-sized task definition with the same contract env when sizes differ (prod)', () => {
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'talent-prod-job-send-reminders',
      Cpu: '256',
      Memory: '512',
      TaskRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServiceApiTaskRole'), 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ServiceApiExecutionRole'), 'Arn'] },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'api',
          Command: ['node', 'dist/job.js', 'send-reminders'],
          Environment: Match.arrayWith([{ Name: 'BERTH_SERVICE', Value: 'api' }]),
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'DATABASE_SECRET' })]),
        }),
      ],
    });
  });
  it('lets the scheduler role run only the job task definitions in this cluster and pass their roles', () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^JobsSchedulerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ecs:RunTask',
            Condition: {
              ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] } },
            },
          }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          }),
        ]),
      },
    });
  });
  it('alarms on the dead-letter queue depth', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
  it('refuses a job whose service does not exist', () => {
    const r = talentResolved('prod');
    const job = { ...r.jobs['send-reminders']!, service: 'worker' };
    expect(() => buildApp(withChanges(r, { jobs: { 'send-reminders': job } }))).toThrow(
      /job 'send-reminders' runs with service 'worker', which does not exist; services: api/,
    );
  });
  it('refuses a job size Fargate does not offer', () => {
    const r = talentResolved('prod');
    const job = { ...r.jobs['send-reminders']!, cpu: 0.5, memoryMib: 1536 };
    expect(() => buildApp(withChanges(r, { jobs: { 'send-reminders': job } }))).toThrow(
      /job 'send-reminders' asks for 0.5 vCPU \/ 1536 MiB, which Fargate does not offer/,
    );
  });
});
