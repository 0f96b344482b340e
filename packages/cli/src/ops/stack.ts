import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { parseTaskDefinitionArn, serviceOfFamily, stackName, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import type { AwsClients } from './aws';

export interface DeployedService {
  /** The Berth service name (`api`), from the task definition family `<app>-<stage>-<name>`. */
  readonly name: string;
  readonly arn: string;
  readonly service: Service;
}

export interface DeployedStack {
  readonly stackName: string;
  readonly cluster: string;
  readonly services: readonly DeployedService[];
}

/** `arn:…:task-definition/talent-prod-api:12` → { family: 'talent-prod-api', revision: 12 }. */
export const parseTaskDefinition = parseTaskDefinitionArn;

/**
 * The cluster and ECS services of the environment's stack, found through CloudFormation (no stack outputs needed).
 * Undefined when the stack does not exist yet.
 */
export async function findStack(
  clients: AwsClients,
  resolved: ResolvedApp,
  /** @default - the environment's app stack */
  stack: string = stackName(resolved),
): Promise<DeployedStack | undefined> {
  let resources;
  try {
    resources =
      (await clients.cfn.send(new DescribeStackResourcesCommand({ StackName: stack }))).StackResources ?? [];
  } catch (err) {
    if (/does not exist/.test((err as Error).message ?? '')) return undefined;
    throw err;
  }
  const cluster = resources.find((r) => r.ResourceType === 'AWS::ECS::Cluster')?.PhysicalResourceId;
  const arns = resources
    .filter((r) => r.ResourceType === 'AWS::ECS::Service' && r.PhysicalResourceId)
    .map((r) => r.PhysicalResourceId!);
  if (!cluster) throw new CliError(`Stack ${stack} has no ECS cluster`, EXIT.failed);
  const services = await describeServices(clients, cluster, arns);
  return {
    stackName: stack,
    cluster,
    services: services.map((s) => {
      const { family } = parseTaskDefinition(s.taskDefinition ?? '');
      return {
        name: serviceOfFamily(resolved, family) ?? s.serviceName ?? family,
        arn: s.serviceArn ?? '',
        service: s,
      };
    }),
  };
}

export async function describeServices(
  clients: AwsClients,
  cluster: string,
  arns: readonly string[],
): Promise<Service[]> {
  const out: Service[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const res = await clients.ecs.send(
      new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }),
    );
    out.push(...(res.services ?? []));
  }
  return out;
}

/** The deployed service for a Berth service name, or a CliError listing the ones there are. */
export function serviceNamed(stack: DeployedStack, name: string): DeployedService {
  const found = stack.services.find((s) => s.name === name);
  if (!found) {
    throw new CliError(
      `No service '${name}' in stack ${stack.stackName}; deployed: ${stack.services.map((s) => s.name).join(', ') || 'none'}`,
      EXIT.failed,
    );
  }
  return found;
}

export async function requireStack(clients: AwsClients, resolved: ResolvedApp): Promise<DeployedStack> {
  const stack = await findStack(clients, resolved);
  if (!stack)
    throw new CliError(
      `Stack ${stackName(resolved)} does not exist in ${clients.region}: run 'berth deploy --env ${resolved.stage}' first.`,
      EXIT.failed,
    );
  return stack;
}
