import { DescribeStacksCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand } from '@aws-sdk/client-rds';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  StopReplicationToReplicaCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import { register } from '../src/commands/failover';
import { mocks } from './support/day2';
import {
  ACCOUNT,
  API,
  berth,
  CLUSTER,
  CONFIG,
  recordingRuntime,
  STANDBY_STACK,
  standbyAccount,
  standbyStack,
} from './support/standby';

const REPLICA = 'hello-you-prod-standby-replica-abc';
const PROMOTED_HOST = `${REPLICA}.xyz.us-west-2.rds.amazonaws.com`;
const PRIMARY_HOST = 'hello-you-prod-db.abc.us-east-1.rds.amazonaws.com';
const SECRET = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:DatabaseSecret-AbCdEf`;
const PASSWORD = 'pw-that-must-never-be-printed';
// What the config says the primary has: the standby takes over with the same.
const PROD = resolve(helloYou, 'prod');
const TASKS = (PROD.services.api!.scaling || { min: PROD.services.api!.desiredCount }).min;
const RETENTION = PROD.database!.backupRetention;

/** An AWS error as the SDK raises it: the service's error name and message. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * The standby region as a small model that refuses what AWS refuses: PromoteReadReplica only on an available replica
 * (and the instance is 'modifying' for a poll after), UpdateStack needs every parameter and refuses an update with
 * no change, a replica secret cannot be written until StopReplicationToReplica made it standalone, and services run
 * what they were asked to after a poll.
 */
function standbyRegion() {
  standbyAccount();
  const state = {
    replicaOf: `arn:aws:rds:us-east-1:${ACCOUNT}:db:hello-you-prod-db` as string | undefined,
    dbStatus: 'available',
    writer: 'primary',
    stackStatus: 'UPDATE_COMPLETE',
    secretPrimaryRegion: 'us-east-1' as string | undefined,
    secret: { username: 'app', password: PASSWORD, host: PRIMARY_HOST, port: 5432, dbname: 'app' },
    desired: 0,
    running: 0,
    calls: [] as string[],
  };
  mocks.cfn.on(DescribeStacksCommand, { StackName: STANDBY_STACK }).callsFake(() => {
    const status = state.stackStatus;
    if (status === 'UPDATE_IN_PROGRESS') state.stackStatus = 'UPDATE_COMPLETE';
    return {
      Stacks: [
        standbyStack(
          {
            ClusterName: CLUSTER,
            ServiceApiName: API,
            DatabaseIdentifier: REPLICA,
            DatabaseKind: 'instance',
            DatabaseEndpoint: PROMOTED_HOST,
          },
          {
            StackStatus: status as Stack['StackStatus'],
            Parameters: [
              { ParameterKey: 'DatabaseWriter', ParameterValue: state.writer },
              { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
            ],
          },
        ),
      ],
    };
  });
  mocks.cfn.on(UpdateStackCommand).callsFake((input) => {
    state.calls.push('UpdateStack');
    const given = new Map<string, { ParameterValue?: string; UsePreviousValue?: boolean }>(
      (input.Parameters ?? []).map((p: { ParameterKey: string }) => [p.ParameterKey, p]),
    );
    for (const key of ['DatabaseWriter', 'BootstrapVersion'])
      if (!given.has(key)) throw awsError('ValidationError', `Parameters: [${key}] must have values`);
    if (!input.UsePreviousTemplate)
      throw awsError('ValidationError', 'Either Template URL or Template Body must be specified.');
    const writer = given.get('DatabaseWriter')!;
    const next = writer.UsePreviousValue ? state.writer : writer.ParameterValue!;
    if (next === state.writer) throw awsError('ValidationError', 'No updates are to be performed.');
    state.writer = next;
    state.stackStatus = 'UPDATE_IN_PROGRESS';
    return { StackId: STANDBY_STACK };
  });
  mocks.rds.on(DescribeDBInstancesCommand).callsFake(() => {
    const status = state.dbStatus;
    if (status === 'modifying') state.dbStatus = 'available';
    return {
      DBInstances: [
        {
          DBInstanceIdentifier: REPLICA,
          DBInstanceStatus: status,
          ...(state.replicaOf ? { ReadReplicaSourceDBInstanceIdentifier: state.replicaOf } : {}),
          Endpoint: { Address: PROMOTED_HOST, Port: 5432 },
        },
      ],
    };
  });
  mocks.rds.on(PromoteReadReplicaCommand).callsFake((input) => {
    state.calls.push(`PromoteReadReplica ${input.BackupRetentionPeriod}`);
    if (!state.replicaOf) throw awsError('InvalidDBInstanceState', 'DB Instance is not a read replica.');
    if (state.dbStatus !== 'available') throw awsError('InvalidDBInstanceState', 'not available');
    state.replicaOf = undefined;
    state.dbStatus = 'modifying';
    return {};
  });
  mocks.secrets.on(DescribeSecretCommand, { SecretId: SECRET }).callsFake(() => ({
    ARN: SECRET,
    ...(state.secretPrimaryRegion ? { PrimaryRegion: state.secretPrimaryRegion } : {}),
  }));
  mocks.secrets.on(StopReplicationToReplicaCommand, { SecretId: SECRET }).callsFake(() => {
    state.calls.push('StopReplicationToReplica');
    if (state.secretPrimaryRegion !== 'us-east-1')
      throw awsError('InvalidRequestException', 'The secret is not a replica.');
    state.secretPrimaryRegion = undefined;
    return { ARN: SECRET };
  });
  mocks.secrets.on(GetSecretValueCommand, { SecretId: SECRET }).callsFake(() => ({
    ARN: SECRET,
    SecretString: JSON.stringify(state.secret),
  }));
  mocks.secrets.on(PutSecretValueCommand, { SecretId: SECRET }).callsFake((input) => {
    state.calls.push('PutSecretValue');
    if (state.secretPrimaryRegion)
      throw awsError(
        'InvalidRequestException',
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
      );
    state.secret = JSON.parse(input.SecretString);
    return { ARN: SECRET };
  });
  mocks.ecs.on(DescribeServicesCommand).callsFake(() => {
    const running = state.running;
    state.running = state.desired;
    return {
      services: [
        {
          serviceName: API,
          desiredCount: state.desired,
          runningCount: running,
          taskDefinition: `arn:aws:ecs:us-west-2:${ACCOUNT}:task-definition/hello-you-prod-standby-api:3`,
        },
      ],
    };
  });
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      containerDefinitions: [{ name: 'api', environment: [{ name: 'DATABASE_SECRET_ARN', value: SECRET }] }],
    },
  });
  mocks.ecs.on(UpdateServiceCommand).callsFake((input) => {
    state.calls.push(`UpdateService ${input.desiredCount}`);
    state.desired = input.desiredCount;
    return {};
  });
  return state;
}

let state: ReturnType<typeof standbyRegion>;
beforeEach(() => {
  state = standbyRegion();
});

describe('berth failover', () => {
  it('promotes the replica, points the tasks and the secret at it and scales the services, in the standby region only', async () => {
    const rt = recordingRuntime();
    await berth(register, rt, ['failover', '--env', 'prod', '--config', CONFIG, '--yes', '--json']);
    expect(state.calls).toEqual([
      // The config's backup retention: RDS's default for a promoted replica would be 1 day.
      `PromoteReadReplica ${RETENTION}`,
      'UpdateStack',
      'StopReplicationToReplica',
      'PutSecretValue',
      `UpdateService ${TASKS}`,
    ]);
    expect(RETENTION).toBeGreaterThan(1);
    expect(TASKS).toBeGreaterThan(1);
    expect(state.writer).toBe('promoted');
    expect(state.secret).toEqual({
      username: 'app',
      password: PASSWORD,
      host: PROMOTED_HOST,
      port: 5432,
      dbname: 'app',
    });
    expect(state.running).toBe(TASKS);
    // Nothing from the primary region: it may be down.
    expect(new Set(rt.regions)).toEqual(new Set(['us-west-2']));
    const report = JSON.parse(rt.captured.out.join('\n')) as { steps: { step: string; done: string }[] };
    expect(report.steps.map((s) => `${s.step}: ${s.done}`)).toEqual([
      'promote database: now',
      'point tasks at it: now',
      'point the secret at it: now',
      'scale services: now',
    ]);
    // The password never reaches the terminal.
    expect([...rt.captured.out, ...rt.captured.progress].join('\n')).not.toContain(PASSWORD);
  });

  it('run again after it stopped half-way, it finishes what is left and repeats nothing', async () => {
    // A first run got as far as the promotion and the stack update.
    state.replicaOf = undefined;
    state.writer = 'promoted';
    const rt = recordingRuntime();
    await berth(register, rt, ['failover', '--env', 'prod', '--config', CONFIG, '--yes']);
    expect(state.calls).toEqual(['StopReplicationToReplica', 'PutSecretValue', `UpdateService ${TASKS}`]);
    // And a third run changes nothing.
    state.calls.length = 0;
    await berth(register, recordingRuntime(), ['failover', '--env', 'prod', '--config', CONFIG, '--yes']);
    expect(state.calls).toEqual([]);
  });

  it('changes nothing without --yes, saying that the promotion cannot be undone', async () => {
    await expect(
      berth(register, recordingRuntime(), ['failover', '--env', 'prod', '--config', CONFIG]),
    ).rejects.toThrow(/cannot be undone\. Pass --yes/);
    expect(state.calls).toEqual([]);
  });

  it('stops before changing anything for an Aurora standby, naming the global-database command', async () => {
    mocks.cfn.on(DescribeStacksCommand, { StackName: STANDBY_STACK }).resolves({
      Stacks: [
        standbyStack({ DatabaseKind: 'cluster', DatabaseIdentifier: 'hello-you-prod-standby-cluster' }),
      ],
    });
    await expect(
      berth(register, recordingRuntime(), ['failover', '--env', 'prod', '--config', CONFIG, '--yes']),
    ).rejects.toThrow(/failover-global-cluster .*automates an RDS standby only/);
    expect(state.calls).toEqual([]);
  });

  it('refuses an environment without a standby, naming the setting', async () => {
    await expect(
      berth(register, recordingRuntime(), ['failover', '--env', 'dev', '--config', CONFIG, '--yes']),
    ).rejects.toThrow(/no pilot-light standby: .*standby: \{ region \}/);
  });

  it('stops when the stack update fails, saying the database is already promoted', async () => {
    mocks.cfn.on(UpdateStackCommand).callsFake(() => {
      state.stackStatus = 'UPDATE_ROLLBACK_COMPLETE';
      return { StackId: STANDBY_STACK };
    });
    await expect(
      berth(register, recordingRuntime(), ['failover', '--env', 'prod', '--config', CONFIG, '--yes']),
    ).rejects.toThrow(
      /ended UPDATE_ROLLBACK_COMPLETE.*The database is promoted; fix the cause and run berth failover again/,
    );
    expect(state.replicaOf).toBeUndefined();
    expect(state.calls).not.toContain('PutSecretValue');
  });
});
