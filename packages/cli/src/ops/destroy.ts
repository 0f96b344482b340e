import {
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { stackName, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { checkedIdentity, type Day2Clients, type Day2Runtime } from './day2';
import { listSecrets } from './secrets';
import { stackResources } from './status';

/** What deleting one stack does to one of its resources, from its DeletionPolicy in the deployed template. */
export type Fate = 'deleted' | 'retained' | 'snapshot';

export interface StackPlan {
  readonly stackName: string;
  readonly region: string;
  readonly resources: number;
  /** Resources deleting the stack keeps (retained, or deleted after a final snapshot). */
  readonly kept: readonly { logicalId: string; type: string; physicalId?: string; fate: Fate }[];
  /** Resources whose deletion protection would make the stack's deletion fail. */
  readonly protectedResources: readonly string[];
}

export interface DestroyOptions {
  readonly resolved: ResolvedApp;
  /** Go ahead without asking (outside prod). */
  readonly yes?: boolean;
  /** The environment's name, typed again: required for a prod environment. */
  readonly confirm?: string;
  /** Show the plan, delete nothing. */
  readonly dryRun?: boolean;
  readonly region?: string;
  /** Asks the user to type the stage name when neither --yes nor --confirm was given. */
  readonly ask?: (question: string) => Promise<string>;
}

/** The environment's stacks in the order they must go: the standby and the app read the certificate stack's exports. */
function stacksOf(resolved: ResolvedApp): { name: string; region: string }[] {
  return [
    ...(resolved.standby ? [{ name: stackName(resolved, 'standby'), region: resolved.standby.region }] : []),
    { name: stackName(resolved), region: resolved.region },
    { name: stackName(resolved, 'certificate'), region: 'us-east-1' },
  ];
}

const KEPT: Record<string, Fate> = {
  Retain: 'retained',
  RetainExceptOnCreate: 'retained',
  Snapshot: 'snapshot',
};

async function planStack(clients: Day2Clients, name: string): Promise<StackPlan | undefined> {
  try {
    await clients.cfn.send(new DescribeStacksCommand({ StackName: name }));
  } catch (err) {
    if (/does not exist/.test((err as Error).message ?? '')) return undefined;
    throw err;
  }
  const body = (
    await clients.cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }))
  ).TemplateBody;
  const template = JSON.parse(body ?? '{}') as {
    Resources?: Record<
      string,
      { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }
    >;
  };
  const live = new Map<string, StackResourceSummary>(
    (await stackResources(clients, name)).map((r) => [r.LogicalResourceId ?? '', r]),
  );
  const kept: StackPlan['kept'][number][] = [];
  const protectedResources: string[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const fate = KEPT[r.DeletionPolicy ?? ''];
    const physicalId = live.get(id)?.PhysicalResourceId;
    if (fate) kept.push({ logicalId: id, type: r.Type, ...(physicalId ? { physicalId } : {}), fate });
    const attributes = (r.Properties?.LoadBalancerAttributes ?? []) as { Key?: string; Value?: string }[];
    if (
      r.Properties?.DeletionProtection === true ||
      attributes.some((a) => a.Key === 'deletion_protection.enabled' && a.Value === 'true')
    )
      protectedResources.push(`${id} (${r.Type})`);
  }
  return { stackName: name, region: clients.region, resources: live.size, kept, protectedResources };
}

/** Lines that say what goes and what stays. */
export function renderPlan(plans: readonly StackPlan[]): string[] {
  const lines: string[] = [];
  for (const p of plans) {
    lines.push(
      `${p.stackName} (${p.region}): ${p.resources} resources deleted${p.kept.length ? ', except:' : ''}`,
    );
    for (const k of p.kept)
      lines.push(
        `  ${k.fate === 'snapshot' ? 'deleted after a final snapshot (the snapshot stays and bills)' : 'retained (stays and bills)'}: ${k.type} ${k.physicalId ?? k.logicalId}`,
      );
  }
  return lines;
}

/**
 * Deletes an environment's stacks (standby, app, certificate) after showing what goes and what is kept (each
 * resource's DeletionPolicy in the deployed template). Refuses a prod environment unless its name is typed with
 * `--confirm`, and an environment with deletion protection on (turn it off in the config and deploy first).
 */
export async function destroy(
  options: DestroyOptions,
  rt: Day2Runtime,
): Promise<{ deleted: string[]; kept: StackPlan['kept'] }> {
  const { resolved } = options;
  const prod = resolved.profile === 'prod';
  if (prod && options.confirm !== resolved.stage && !options.dryRun)
    throw new CliError(
      `${resolved.stage} is a prod environment: berth destroy deletes it only when asked by name, with --confirm ${resolved.stage}.`,
      EXIT.invalid,
    );
  const plans: StackPlan[] = [];
  for (const s of stacksOf(resolved)) {
    const clients = rt.clients(s.name === stackName(resolved) && options.region ? options.region : s.region);
    if (!plans.length) await checkedIdentity(clients, resolved);
    const plan = await planStack(clients, s.name);
    if (plan) plans.push(plan);
  }
  if (!plans.length)
    throw new CliError(
      `No stack of ${resolved.app} ${resolved.stage} exists: nothing to destroy.`,
      EXIT.failed,
    );
  for (const line of renderPlan(plans)) rt.out(line);
  const protectedResources = plans.flatMap((p) => p.protectedResources);
  if (protectedResources.length)
    throw new CliError(
      `Deletion protection is on for ${protectedResources.join(', ')}: CloudFormation would fail to delete them. Set deletionProtection: false for ${resolved.stage} (environments.${resolved.stage}.overrides), run 'berth deploy --env ${resolved.stage}', then destroy.`,
      EXIT.failed,
    );
  if (options.dryRun) return { deleted: [], kept: plans.flatMap((p) => p.kept) };
  if (!prod && !options.yes && options.confirm !== resolved.stage) {
    const answer = options.ask ? await options.ask(`Type ${resolved.stage} to delete these stacks: `) : '';
    if (answer.trim() !== resolved.stage)
      throw new CliError(`Not destroyed (pass --yes to skip the question).`, EXIT.failed);
  }

  const deleted: string[] = [];
  for (const plan of plans) {
    const clients = rt.clients(plan.region);
    rt.progress(`${plan.stackName}: deleting`);
    await clients.cfn.send(new DeleteStackCommand({ StackName: plan.stackName }));
    await waitDeleted(clients, plan.stackName, rt);
    deleted.push(plan.stackName);
  }
  const kept = plans.flatMap((p) => p.kept);
  const secrets = (
    await listSecrets({ resolved, ...(options.region ? { region: options.region } : {}) }, rt)
  ).filter((x) => x.exists);
  for (const x of secrets)
    rt.out(
      `Secret ${x.name} is not part of the stacks and stays ($0.40/month): berth secrets rm ${x.name} --env ${resolved.stage}`,
    );
  rt.out(
    kept.length
      ? `Destroyed. Still there (delete them yourself when you no longer need them): ${kept.map((k) => `${k.type} ${k.physicalId ?? k.logicalId}`).join(', ')}`
      : 'Destroyed. Nothing of the stacks remains.',
  );
  return { deleted, kept };
}

async function waitDeleted(clients: Day2Clients, name: string, rt: Day2Runtime): Promise<void> {
  const deadline = Date.now() + rt.steadyTimeoutMs * 2;
  let last = '';
  for (;;) {
    let status: string;
    try {
      status =
        (await clients.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0]?.StackStatus ??
        'GONE';
    } catch (err) {
      if (/does not exist/.test((err as Error).message ?? '')) status = 'GONE';
      else throw err;
    }
    if (status === 'GONE' || status === 'DELETE_COMPLETE') {
      rt.progress(`${name}: deleted`);
      return;
    }
    if (status !== last) rt.progress(`${name}: ${status}`);
    last = status;
    if (status === 'DELETE_FAILED') {
      const failed = (await stackResources(clients, name))
        .filter((r) => r.ResourceStatus === 'DELETE_FAILED')
        .map((r) => `${r.LogicalResourceId} (${r.ResourceType}): ${r.ResourceStatusReason ?? 'no reason'}`);
      throw new CliError(
        `${name}: DELETE_FAILED. ${failed.length ? `${failed.join('; ')}.` : 'See its events.'} Fix it and run berth destroy again.`,
        EXIT.failed,
      );
    }
    if (Date.now() > deadline) throw new CliError(`${name}: still ${status}; check its events`, EXIT.failed);
    await rt.sleep(rt.pollMs);
  }
}
