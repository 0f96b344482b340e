import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { day2Clients, type Day2Runtime } from '../../src/ops/day2';

/** The talent example: prod lives in account 222222222222, us-east-1. */
export const CONFIG = join(import.meta.dirname, '../../../../examples/talent/berth.config.ts');
export const ACCOUNT = '222222222222';
export const CLUSTER = 'talent-prod-ClusterEB0386A7-AbCdEf';
export const API_SERVICE = 'talent-prod-ServiceApiService1234-XyZ';
export const API_LOGS = 'talent-prod-ServiceApiLogs5678-QwE';
export const NOW = Date.parse('2026-12-07T09:00:00Z');

/** Outputs as `berth deploy` of this version leaves them (constructs/outputs.ts). */
export const OUTPUTS: Record<string, string> = {
  ClusterName: CLUSTER,
  ServiceApiName: API_SERVICE,
  ServiceApiLogGroup: API_LOGS,
  JobSendRemindersLogGroup: API_LOGS,
  JobSendRemindersLogStreamPrefix: 'job-send-reminders',
  DatabaseEndpoint: 'talent-prod-db.cluster-abc.us-east-1.rds.amazonaws.com',
  DatabasePort: '5432',
  DatabaseName: 'talent',
  DatabaseIdentifier: 'talent-prod-databasecluster-abc',
  DatabaseKind: 'cluster',
  DatabaseSecretArn: 'arn:aws:secretsmanager:us-east-1:222222222222:secret:DatabaseSecret-AbCdEf',
  CacheEndpoint: 'master.talent-prod.abc.use1.cache.amazonaws.com',
  CachePort: '6379',
  CacheTls: 'true',
  CacheAuthSecretArn: 'arn:aws:secretsmanager:us-east-1:222222222222:secret:CacheAuthToken-AbCdEf',
};

export const mocks = {
  sts: mockClient(STSClient),
  cfn: mockClient(CloudFormationClient),
  ecs: mockClient(ECSClient),
  logs: mockClient(CloudWatchLogsClient),
  cloudwatch: mockClient(CloudWatchClient),
  rds: mockClient(RDSClient),
  ssm: mockClient(SSMClient),
  secrets: mockClient(SecretsManagerClient),
};

export interface Captured {
  readonly out: string[];
  readonly progress: string[];
  readonly spawned: { program: string; args: readonly string[] }[];
}

/** A runtime with every SDK client mocked, no sleep, a fixed clock, and a plugin present unless `plugin: false`. */
export function day2Runtime(
  options: { plugin?: boolean; exitCode?: number; env?: Record<string, string> } = {},
): Day2Runtime & { captured: Captured } {
  const captured: Captured = { out: [], progress: [], spawned: [] };
  return {
    captured,
    clients: day2Clients,
    sleep: async () => {},
    progress: (l) => captured.progress.push(l),
    out: (l) => captured.out.push(l),
    pollMs: 0,
    steadyTimeoutMs: 60_000,
    which: async (p) => (options.plugin === false ? undefined : `/usr/local/bin/${p}`),
    spawn: async (program, args) => {
      captured.spawned.push({ program, args });
      return { code: options.exitCode ?? 0 };
    },
    env: options.env ?? { AWS_PROFILE: 'talent-prod' },
    now: () => NOW,
    tty: false,
  };
}

/** Resets every mock and answers STS and DescribeStacks as a healthy deployed talent prod. */
export function deployed(outputs: Record<string, string> = OUTPUTS): void {
  for (const m of Object.values(mocks)) m.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/me`,
  });
  mocks.cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'talent-prod',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}

/** A program with one command registered against the runtime. */
export function programWith(register: (p: Command, rt: () => Day2Runtime) => void, rt: Day2Runtime): Command {
  const p = new Command('berth').exitOverride();
  register(p, () => rt);
  return p;
}
