import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import type { AwsClients, OpsRuntime } from './aws';
import { latestDeployment, type DeploymentPhase } from './phases';

export interface SteadyOutcome {
  readonly serviceArn: string;
  readonly name: string;
  readonly ok: boolean;
  /** The task definition the service runs at the end. */
  readonly taskDefinition: string;
  readonly running: number;
  readonly desired: number;
  /** Why it failed, with the last stopped tasks' reasons. */
  readonly reason?: string;
  /** The last phase ECS reported for a traffic-shifting deployment (canary, linear, blue/green). */
  readonly phase?: string;
  /** Alarms that rolled the deployment back. */
  readonly triggeredAlarms?: readonly string[];
}

export interface SteadyExpectation {
  /** The task definition the service must end on; another one means ECS rolled back. */
  readonly taskDefinition?: string;
  /** Or: every image of the task definition must carry this tag. */
  readonly imageTag?: string;
  /** Container names whose image Berth built (the tag applies to them only). */
  readonly builtContainers?: readonly string[];
  /**
   * ECS shifts traffic for this service (canary, linear, blue/green): follow its phases (shifting, baking,
   * complete, rolled back by which alarm) through the service-deployment API.
   */
  readonly progressive?: boolean;
}

type Wanted = { readonly arn: string; readonly name: string; readonly expect: SteadyExpectation };

/**
 * Waits until every service's deployment finishes: one deployment left, PRIMARY, rolloutState COMPLETED; or
 * FAILED (the circuit breaker gave up). Then proves the service runs what was asked for: a COMPLETED rollout on the
 * previous task definition is a silent rollback and is reported as a failure, with the reasons tasks stopped.
 */
export async function waitForSteadyState(
  clients: AwsClients,
  rt: OpsRuntime,
  cluster: string,
  services: readonly Wanted[],
  /** Deployments created before this are someone else's. @default - 15 minutes ago */
  since: Date = new Date(Date.now() - 15 * 60_000),
): Promise<SteadyOutcome[]> {
  const deadline = Date.now() + rt.steadyTimeoutMs;
  const pending = new Map(services.map((s) => [s.arn, s]));
  const done = new Map<string, Service>();
  const lastState = new Map<string, string>();
  const phases = new Map<string, DeploymentPhase>();
  const follow = async (want: Wanted): Promise<DeploymentPhase | undefined> => {
    if (!want.expect.progressive) return undefined;
    const phase = await latestDeployment(clients, cluster, want.arn, since);
    if (!phase) return undefined;
    if (phases.get(want.arn)?.summary !== phase.summary) rt.progress(`  ${want.name}: ${phase.summary}`);
    phases.set(want.arn, phase);
    return phase;
  };
  while (pending.size) {
    const res = await clients.ecs.send(
      new DescribeServicesCommand({ cluster, services: [...pending.keys()] }),
    );
    for (const s of res.services ?? []) {
      const want = pending.get(s.serviceArn ?? '');
      if (!want) continue;
      const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
      const state = `${primary?.rolloutState ?? 'UNKNOWN'} ${primary?.runningCount ?? 0}/${primary?.desiredCount ?? 0} running, ${s.deployments?.length ?? 0} deployment(s)`;
      if (lastState.get(want.arn) !== state) {
        rt.progress(`  ${want.name}: ${state}`);
        lastState.set(want.arn, state);
      }
      const phase = await follow(want);
      // A traffic-shifting deployment is over when ECS says so (after its bake time), not when the tasks settle.
      const finished =
        primary?.rolloutState === 'FAILED' ||
        (primary?.rolloutState === 'COMPLETED' && s.deployments?.length === 1 && (!phase || phase.settled));
      if (finished) {
        done.set(want.arn, s);
        pending.delete(want.arn);
      }
    }
    if (!pending.size) break;
    if (Date.now() > deadline) {
      return Promise.all(
        services.map(async (s) =>
          done.has(s.arn)
            ? judge(clients, cluster, s, done.get(s.arn)!, phases.get(s.arn))
            : {
                serviceArn: s.arn,
                name: s.name,
                ok: false,
                taskDefinition: '',
                running: 0,
                desired: 0,
                reason: `not steady after ${Math.round(rt.steadyTimeoutMs / 60_000)} minutes (${lastState.get(s.arn) ?? 'no state'})${await stoppedTaskReasons(clients, cluster, s.arn)}`,
              },
        ),
      );
    }
    await rt.sleep(rt.pollMs);
  }
  return Promise.all(services.map((s) => judge(clients, cluster, s, done.get(s.arn)!, phases.get(s.arn))));
}

async function judge(
  clients: AwsClients,
  cluster: string,
  want: Wanted,
  s: Service,
  phase: DeploymentPhase | undefined,
): Promise<SteadyOutcome> {
  const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
  const taskDefinition = primary?.taskDefinition ?? s.taskDefinition ?? '';
  const base = {
    serviceArn: want.arn,
    name: want.name,
    taskDefinition,
    running: s.runningCount ?? 0,
    desired: s.desiredCount ?? 0,
    ...(phase ? { phase: phase.summary, triggeredAlarms: phase.triggeredAlarms } : {}),
  };
  if (phase?.rolledBack) {
    return {
      ...base,
      ok: false,
      reason: `${phase.summary}${phase.reason && !phase.summary.includes(phase.reason) ? ` (${phase.reason})` : ''}${await stoppedTaskReasons(clients, cluster, want.arn)}`,
    };
  }
  if (primary?.rolloutState === 'FAILED') {
    return {
      ...base,
      ok: false,
      reason: `deployment failed: ${primary.rolloutStateReason ?? 'no reason given'}${await stoppedTaskReasons(clients, cluster, want.arn)}`,
    };
  }
  const { expect } = want;
  if (expect.taskDefinition && taskDefinition !== expect.taskDefinition) {
    return {
      ...base,
      ok: false,
      reason: `rolled back: the service runs ${short(taskDefinition)}, not ${short(expect.taskDefinition)} (${primary?.rolloutStateReason ?? 'the circuit breaker reverted the deployment'})${await stoppedTaskReasons(clients, cluster, want.arn)}`,
    };
  }
  if (expect.imageTag) {
    const td = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    const built = new Set(expect.builtContainers ?? []);
    const wrong = (td.taskDefinition?.containerDefinitions ?? []).filter(
      (c) =>
        (built.size === 0 || built.has(c.name ?? '')) && !(c.image ?? '').endsWith(`:${expect.imageTag}`),
    );
    if (wrong.length) {
      return {
        ...base,
        ok: false,
        reason: `rolled back: the service runs ${wrong.map((c) => c.image).join(', ')}, not tag ${expect.imageTag} (${primary?.rolloutStateReason ?? 'the circuit breaker reverted the deployment'})${await stoppedTaskReasons(clients, cluster, want.arn)}`,
      };
    }
  }
  return { ...base, ok: true };
}

function short(taskDefinitionArn: string): string {
  return taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
}

/** The last stopped tasks of a service and why they stopped, as text to append to a failure. */
export async function stoppedTaskReasons(
  clients: AwsClients,
  cluster: string,
  serviceArn: string,
): Promise<string> {
  try {
    const serviceName = serviceArn.split('/').pop();
    const list = await clients.ecs.send(
      new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED', maxResults: 10 }),
    );
    if (!list.taskArns?.length) return '';
    const tasks =
      (await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: list.taskArns }))).tasks ?? [];
    const last = tasks
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, 3)
      .map((t) => {
        const containers = (t.containers ?? [])
          .map((c) =>
            [c.reason, c.exitCode !== undefined ? `exit ${c.exitCode}` : ''].filter(Boolean).join(', '),
          )
          .filter(Boolean);
        return `    - ${t.taskArn?.split('/').pop()}: ${t.stoppedReason ?? 'stopped'}${containers.length ? ` (${containers.join('; ')})` : ''}`;
      });
    return last.length ? `\n  last stopped tasks:\n${last.join('\n')}` : '';
  } catch {
    return '';
  }
}
