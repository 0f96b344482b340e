import {
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import type { AwsClients } from './aws';

/**
 * Where an ECS-native deployment (canary, linear, blue/green; rolling too) stands, from the service-deployment API:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */
export interface DeploymentPhase {
  readonly arn: string;
  /** ECS's status: IN_PROGRESS, SUCCESSFUL, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, … */
  readonly status: string;
  /** ECS's lifecycle stage (SCALE_UP, PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, …), when in progress. */
  readonly stage?: string;
  /** One line for a person: 'shifting traffic', 'baking', 'complete', 'rolled back by alarm talent-prod-api-…'. */
  readonly summary: string;
  /** The alarms that triggered a rollback. */
  readonly triggeredAlarms: readonly string[];
  /** Set when ECS rolled (or is rolling) the deployment back. */
  readonly rolledBack: boolean;
  /** ECS is done with it: succeeded, rolled back (or failed to), or stopped. */
  readonly settled: boolean;
  readonly reason?: string;
}

const STAGES: Readonly<Record<string, string>> = {
  RECONCILE_SERVICE: 'reconciling the service',
  PRE_SCALE_UP: 'starting the new revision',
  SCALE_UP: 'starting the new revision',
  POST_SCALE_UP: 'new revision started',
  TEST_TRAFFIC_SHIFT: 'shifting test traffic',
  POST_TEST_TRAFFIC_SHIFT: 'test traffic shifted',
  PRODUCTION_TRAFFIC_SHIFT: 'shifting production traffic',
  POST_PRODUCTION_TRAFFIC_SHIFT: 'production traffic shifted',
  BAKE_TIME: 'baking',
  CLEAN_UP: 'cleaning up the old revision',
};

const SETTLED = new Set(['SUCCESSFUL', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED', 'STOPPED']);
const ROLLBACK = new Set([
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);

/** Describes one service deployment as a phase. */
export function phaseOf(d: ServiceDeployment): DeploymentPhase {
  const status = d.status ?? 'UNKNOWN';
  const triggeredAlarms = d.alarms?.triggeredAlarmNames ?? [];
  const rolledBack = ROLLBACK.has(status);
  const breaker = d.deploymentCircuitBreaker?.status === 'TRIGGERED';
  const reason = d.rollback?.reason ?? d.statusReason;
  let summary: string;
  if (rolledBack) {
    const by = triggeredAlarms.length
      ? `by alarm ${triggeredAlarms.join(', ')}`
      : breaker
        ? 'by the circuit breaker (tasks failed to start)'
        : reason
          ? `(${reason})`
          : '';
    const verb =
      status === 'ROLLBACK_SUCCESSFUL'
        ? 'rolled back'
        : status === 'ROLLBACK_FAILED'
          ? 'rollback failed'
          : 'rolling back';
    summary = `${verb} ${by}`.trim();
  } else if (status === 'SUCCESSFUL') summary = 'complete';
  else if (status === 'STOPPED' || status === 'STOP_REQUESTED')
    summary = `stopped${reason ? ` (${reason})` : ''}`;
  else summary = (d.lifecycleStage && STAGES[d.lifecycleStage]) ?? status.toLowerCase().replace(/_/g, ' ');
  return {
    arn: d.serviceDeploymentArn ?? '',
    status,
    ...(d.lifecycleStage ? { stage: d.lifecycleStage } : {}),
    summary,
    triggeredAlarms,
    rolledBack,
    settled: SETTLED.has(status),
    ...(reason ? { reason } : {}),
  };
}

/**
 * The newest deployment of a service that started at or after `since`, or undefined when ECS reports none (an
 * unchanged service, or an API that is not there: the caller falls back to DescribeServices alone).
 */
export async function latestDeployment(
  clients: AwsClients,
  cluster: string,
  serviceArn: string,
  since: Date,
): Promise<DeploymentPhase | undefined> {
  try {
    const list = await clients.ecs.send(
      new ListServiceDeploymentsCommand({ cluster, service: serviceArn, createdAt: { after: since } }),
    );
    const briefs = [...(list?.serviceDeployments ?? [])].sort(
      (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
    );
    const newest = briefs[0]?.serviceDeploymentArn;
    if (!newest) return undefined;
    const res = await clients.ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [newest] }),
    );
    const d = res?.serviceDeployments?.[0];
    return d ? phaseOf(d) : undefined;
  } catch (err) {
    if ((err as Error).name === 'AccessDeniedException') throw err;
    return undefined;
  }
}
