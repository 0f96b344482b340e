import { join } from 'node:path';
import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { day2Clients, type Day2Runtime } from '../../src/ops/day2';
import { day2Runtime, mocks, programWith } from './day2';

// Hello-you prod: primary us-east-1, pilot-light standby us-west-2 (examples/seeds/hello-you), account 333….
export const CONFIG = join(import.meta.dirname, '../../../../examples/seeds/hello-you/berth.config.ts');
export const ACCOUNT = '333333333333';
export const CLUSTER = 'hello-you-prod-standby-StandbyClusterAB12-XyZ';
export const API = 'hello-you-prod-standby-StandbyServiceApi-QwE';

/** A runtime that records which region each set of clients was made for. */
export function recordingRuntime(): ReturnType<typeof day2Runtime> & { regions: string[] } {
  const regions: string[] = [];
  const rt = day2Runtime({ env: { AWS_PROFILE: 'hello-you-prod' } });
  return {
    ...rt,
    regions,
    clients: (region: string) => {
      regions.push(region);
      return day2Clients(region);
    },
  };
}

/** `berth <args>` through one registered command, with `rt`. */
export async function berth(
  register: (p: Command, rt: () => Day2Runtime) => void,
  rt: Day2Runtime,
  args: string[],
): Promise<void> {
  await programWith(register, rt).parseAsync(['node', 'berth', ...args]);
}

export const STANDBY_STACK = 'hello-you-prod-standby';

/**
 * Every mock reset; STS answers as an admin of hello-you's account, and the primary stack does not answer (a standby
 * command never needs it).
 */
export function standbyAccount(): void {
  for (const m of Object.values(mocks)) m.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/me`,
  });
  mocks.cfn
    .on(DescribeStacksCommand, { StackName: 'hello-you-prod' })
    .rejects(new Error('Stack with id hello-you-prod does not exist'));
}

/** The standby stack as DescribeStacks returns it, with these outputs. */
export function standbyStack(outputs: Record<string, string>, more: Partial<Stack> = {}): Stack {
  return {
    StackName: STANDBY_STACK,
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date(),
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    ...more,
  };
}
