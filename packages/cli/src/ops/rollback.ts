import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { callerIdentity, type OpsRuntime } from './aws';
import { parseTaskDefinition, requireStack, serviceNamed } from './stack';
import { isMigrationRevision } from './migrate-first';
import { waitForSteadyState } from './steady';

export interface RollbackOptions {
  readonly resolved: ResolvedApp;
  /** @default the default service */
  readonly service?: string;
  /** Task definition revision to go back to. @default the newest ACTIVE revision older than the current one */
  readonly to?: number;
  readonly region?: string;
  /**
   * Only roll back when the service runs an image with this tag (what a failed deploy left behind); otherwise report
   * that there is nothing to undo. CI passes the tag of the deploy that failed.
   */
  readonly ifImageTag?: string;
}

export interface RollbackReport {
  readonly env: string;
  readonly service: string;
  readonly from: { readonly taskDefinition: string; readonly images: readonly string[] };
  readonly to: { readonly taskDefinition: string; readonly images: readonly string[] };
  /** Set when nothing was changed, saying why. */
  readonly skipped?: string;
  /** The last phase ECS reported, for a traffic-shifting service ('complete'). */
  readonly phase?: string;
}

/**
 * Points one service back at an earlier ACTIVE revision of its task definition family and waits for steady state.
 * Refuses a revision that is not ACTIVE or is the current one, and fails if ECS does not end on the target.
 */
export async function rollback(options: RollbackOptions, rt: OpsRuntime): Promise<RollbackReport> {
  const { resolved } = options;
  const clients = rt.clients(options.region ?? resolved.region);
  await callerIdentity(clients);
  const stack = await requireStack(clients, resolved);
  const name = options.service ?? resolved.defaultService;
  const deployed = serviceNamed(stack, name);
  const current = deployed.service.taskDefinition ?? '';
  const { family, revision } = parseTaskDefinition(current);

  const active: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
    );
    active.push(...(page.taskDefinitionArns ?? []).filter((a) => parseTaskDefinition(a).family === family));
    nextToken = page.nextToken;
  } while (nextToken && active.length < 200);

  let target: string | undefined;
  if (options.to !== undefined) {
    if (options.to === revision)
      throw new CliError(`${name} already runs ${family}:${revision}`, EXIT.failed);
    target = active.find((a) => parseTaskDefinition(a).revision === options.to);
    if (!target) {
      throw new CliError(
        `${family}:${options.to} is not an ACTIVE revision; ACTIVE: ${active.map((a) => parseTaskDefinition(a).revision).join(', ') || 'none'}`,
        EXIT.failed,
      );
    }
  } else {
    // The newest older revision a service ran: not one `berth deploy` registered only to run migrations.
    for (const candidate of active.filter((a) => parseTaskDefinition(a).revision < revision)) {
      const td = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: candidate })))
        .taskDefinition;
      if (!isMigrationRevision(td?.containerDefinitions ?? [])) {
        target = candidate;
        break;
      }
    }
    if (!target)
      throw new CliError(`${name}: no ACTIVE revision of ${family} older than ${revision}`, EXIT.failed);
  }

  const images = async (taskDefinition: string) =>
    (
      (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition
        ?.containerDefinitions ?? []
    ).map((c) => c.image ?? '');
  const from = { taskDefinition: current, images: await images(current) };
  if (options.ifImageTag && !from.images.some((i) => i.endsWith(`:${options.ifImageTag}`))) {
    const skipped = `${name} runs ${from.images.join(', ')}, not tag ${options.ifImageTag}: the failed deploy is not live, nothing to roll back`;
    rt.progress(skipped);
    return { env: resolved.stage, service: name, from, to: from, skipped };
  }
  const to = { taskDefinition: target, images: await images(target) };
  rt.progress(
    `${name}: ${family}:${revision} (${from.images.join(', ')}) → ${family}:${parseTaskDefinition(target).revision} (${to.images.join(', ')})`,
  );
  // A shifting service (canary, linear, blue/green) takes the older revision through the same strategy: its phases
  // are followed as `berth deploy` follows them, and an alarm that reverts the rollback is named.
  const progressive = (resolved.services[name]?.deploy.strategy ?? 'rolling') !== 'rolling';
  const since = new Date();
  await clients.ecs.send(
    new UpdateServiceCommand({ cluster: stack.cluster, service: deployed.arn, taskDefinition: target }),
  );
  rt.progress(
    progressive
      ? `waiting for ECS's ${resolved.services[name]!.deploy.strategy} deployment…`
      : 'waiting for steady state…',
  );
  const [outcome] = await waitForSteadyState(
    clients,
    rt,
    stack.cluster,
    [{ arn: deployed.arn, name, expect: { taskDefinition: target, progressive } }],
    since,
  );
  if (!outcome?.ok)
    throw new CliError(`Rollback of ${name} failed: ${outcome?.reason ?? 'unknown'}`, EXIT.failed);
  return {
    env: resolved.stage,
    service: name,
    from,
    to,
    ...(outcome.phase ? { phase: outcome.phase } : {}),
  };
}
