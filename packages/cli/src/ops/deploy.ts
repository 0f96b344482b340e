import { resolve as resolvePath } from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { stackName, type ResolvedApp } from '@berthjs/config';
import { needsImportExistingResources } from '@berthjs/infra';
import { CliError, EXIT } from '@berthjs/config/load';
import { callerIdentity, type AwsClients, type OpsRuntime } from './aws';
import { diffStacks, type DiffReport, type StackTemplate } from './diff';
import { TREE_TAG_COMMAND, type SourceRevision } from './git';
import { guard, type Confirm } from './guard';
import type { ImageBuilder } from './image';
import { requireReferencedSecrets } from './secrets';
import { migrateFirst, type MigrationRun } from './migrate-first';
import { declares, promoteImages } from './promote';
import { findStack } from './stack';
import { deployedTemplates } from './templates';
import { waitForSteadyState, type SteadyOutcome } from './steady';
import type { StackDeployer } from './toolkit';

export interface DeployOptions {
  readonly resolved: ResolvedApp;
  /** The config file's folder: image contexts and dockerfiles are relative to it. */
  readonly configDir: string;
  /** Deploy an image already pushed under this tag instead of building. */
  readonly imageTag?: string;
  readonly allowDirty?: boolean;
  readonly region?: string;
  /** `--allow-replace`: stateful resources (logical ID or construct path) the deploy may replace or remove. */
  readonly allowReplace?: readonly string[];
  /** `--yes`: approve the infrastructure changes the diff shows without a prompt. */
  readonly approve?: boolean;
  /** `--skip-migrations`: do not run the migrations before the services get the new image. */
  readonly skipMigrations?: boolean;
}

export interface DeployDeps {
  readonly rt: OpsRuntime;
  readonly toolkit: StackDeployer;
  readonly images: ImageBuilder;
  readonly git: SourceRevision;
  /** The environment's templates as this config synthesizes them (the guard diffs them with the deployed ones). */
  readonly synth: (resolved: ResolvedApp, imageTag: string) => Promise<readonly StackTemplate[]>;
  /** A y/N prompt, when there is a terminal to ask in. */
  readonly confirm?: Confirm;
}

export interface DeployReport {
  readonly env: string;
  readonly region: string;
  readonly imageTag: string;
  readonly stacks: readonly string[];
  readonly services: readonly SteadyOutcome[];
  /** The pilot-light standby's services (in the standby region), when the environment has one. */
  readonly standby?: readonly SteadyOutcome[];
  /** With imagesFrom: the image digests promoted (replicated from the source environment), by service. */
  readonly promoted?: Readonly<Record<string, string>>;
  /** What the guard showed: the templates' changes against the deployed stacks. */
  readonly diff: DiffReport;
  /** The migrations run with the new image before the stack update (or after it, on the first deploy). */
  readonly migration?: { readonly taskDefinition: string; readonly exitCode: number };
}

/**
 * Diff against the deployed stacks and guard → build → push (immutable tag) → run the migrations with the new image →
 * deploy the stacks → wait for every ECS service to be steady on the new task definition. Fails, with the reason and
 * the last stopped tasks, when the circuit breaker rolled a service back; stops before changing anything when the
 * guard refuses or a migration fails.
 */
export async function deploy(options: DeployOptions, deps: DeployDeps): Promise<DeployReport> {
  const { resolved } = options;
  const { rt } = deps;
  const region = options.region ?? resolved.region;
  const clients = rt.clients(region);
  const { account } = await callerIdentity(clients);
  if (resolved.account && account && resolved.account !== account) {
    throw new CliError(
      `The credentials are for account ${account}, but ${resolved.stage} deploys to account ${resolved.account}. Use that account's role.`,
      EXIT.failed,
    );
  }
  const tag = options.imageTag ?? (await sourceTag(options, deps));
  rt.progress(`${resolved.app} · ${resolved.stage} → ${account} ${region}, image tag ${tag}`);

  // What the templates change, before anything is built or changed: refused here, nothing happened.
  const deployed = await deployedTemplates(rt.clients, await deps.synth(resolved, tag), region);
  for (const u of deployed.unreadable)
    rt.progress(
      `  ${u}: these credentials may not read its deployed template (cloudformation:GetTemplate); only the CDK toolkit's change-set check guards it`,
    );
  const diff = diffStacks(deployed.templates, deployed.head);
  await guard(
    diff,
    `${resolved.app} · ${resolved.stage} vs deployed (${region})`,
    {
      ...(options.allowReplace ? { allowReplace: options.allowReplace } : {}),
      ...(options.approve ? { approve: true } : {}),
    },
    deps.confirm,
    rt.progress,
  );

  // Every secret the services reference exists, or nothing is built or changed.
  await requireReferencedSecrets(resolved, clients);

  const built = Object.values(resolved.services).filter((s) => s.image.kind === 'build');
  // A promoted environment never builds: it runs the very image its source environment pushed, replicated here or
  // (the first deploy from nothing: replication had no rule or registry policy yet) copied by digest.
  const promotion = resolved.imagesFrom
    ? await promoteImages(
        resolved,
        tag,
        clients,
        rt,
        declares(deployed.head, 'AWS::ECR::RegistryPolicy') &&
          !declares(deployed.templates, 'AWS::ECR::RegistryPolicy'),
      )
    : undefined;
  const promoted = promotion?.digests;
  const createdRepositories = promotion
    ? promotion.createdRepositories + promotion.adoptedRepositories.length
    : await pushImages(options, deps, clients, account, tag);

  const before = await findStack(clients, resolved);
  // The new image's migrations run to completion before any service task gets it; a failure stops here.
  let migration: MigrationRun | undefined;
  if (before && !options.skipMigrations) migration = await migrateFirst(resolved, clients, rt, before, tag);
  const since = new Date();
  let deployError: Error | undefined;
  let stacks: readonly string[] = [];
  rt.progress(`deploying ${before ? 'stack updates' : 'new stacks'} (ImageTag=${tag})…`);
  try {
    stacks = (
      await deps.toolkit.deploy(
        {
          resolved,
          imageTag: tag,
          // Repositories berth deploy just created or adopted, or any named resource a deleted stack may have kept.
          importExisting:
            createdRepositories > 0 || deployed.head.some((t) => needsImportExistingResources(t.template)),
          allowReplace: options.allowReplace ?? [],
        },
        rt.progress,
      )
    ).stacks;
  } catch (err) {
    deployError = err as Error;
    rt.progress(`the stack deployment failed: ${deployError.message}`);
  }

  const after = await findStack(clients, resolved);
  if (!after) {
    throw new CliError(
      `Deploy of ${stackName(resolved)} failed: ${deployError?.message ?? 'the stack does not exist after deploying'}`,
      EXIT.failed,
    );
  }
  // A first deploy has no task definition to borrow before the stack exists: the migrations run right after it.
  if (!before && !deployError && !options.skipMigrations)
    migration = await migrateFirst(resolved, clients, rt, after, tag);
  rt.progress('waiting for the services to reach steady state…');
  const builtNames = new Set(built.map((s) => s.name));
  const outcomes = await waitForSteadyState(
    clients,
    rt,
    after.cluster,
    after.services.map((s) => ({
      arn: s.arn,
      name: s.name,
      expect: {
        ...(builtNames.has(s.name) ? { imageTag: tag, builtContainers: [s.name] } : {}),
        progressive: (resolved.services[s.name]?.deploy.strategy ?? 'rolling') !== 'rolling',
      },
    })),
    since,
  );
  const standby = resolved.standby ? await waitForStandby(options, deps, tag, builtNames, since) : undefined;
  const failed = [...outcomes, ...(standby ?? [])].filter((o) => !o.ok);
  if (failed.length || deployError) {
    const lines = failed.map((o) => `  ${o.name}: ${o.reason}`);
    if (deployError && !failed.length) lines.push(`  ${deployError.message}`);
    throw new CliError(`Deploy of ${stackName(resolved)} (${tag}) failed:\n${lines.join('\n')}`, EXIT.failed);
  }
  return {
    env: resolved.stage,
    region,
    imageTag: tag,
    stacks,
    services: outcomes,
    ...(standby ? { standby } : {}),
    ...(promoted ? { promoted } : {}),
    diff,
    ...(migration
      ? { migration: { taskDefinition: migration.taskDefinition, exitCode: migration.report.exitCode } }
      : {}),
  };
}

/**
 * The standby region's copies of the services (pilot light: usually 0 tasks) must settle on the new task
 * definitions too, or a failover would start yesterday's image.
 */
async function waitForStandby(
  options: DeployOptions,
  deps: DeployDeps,
  tag: string,
  builtNames: ReadonlySet<string>,
  since: Date,
): Promise<SteadyOutcome[]> {
  const { resolved } = options;
  const { rt } = deps;
  const region = resolved.standby!.region;
  const clients = rt.clients(region);
  const standbyStack = stackName(resolved, 'standby');
  const stack = await findStack(clients, resolved, standbyStack);
  if (!stack) {
    return [
      {
        serviceArn: '',
        name: `standby (${region})`,
        ok: false,
        taskDefinition: '',
        running: 0,
        desired: 0,
        reason: `stack ${standbyStack} does not exist in ${region} after deploying`,
      },
    ];
  }
  rt.progress(`waiting for the standby's services in ${region}…`);
  const outcomes = await waitForSteadyState(
    clients,
    rt,
    stack.cluster,
    stack.services.map((s) => ({
      arn: s.arn,
      name: s.name,
      expect: builtNames.has(s.name) ? { imageTag: tag, builtContainers: [s.name] } : {},
    })),
    since,
  );
  return outcomes.map((o) => ({ ...o, name: `standby/${o.name}` }));
}

async function sourceTag(options: DeployOptions, deps: DeployDeps): Promise<string> {
  let sha: string;
  try {
    sha = await deps.git.shortSha(options.configDir);
  } catch (err) {
    throw new CliError(
      `Cannot tag the image: 'git ${TREE_TAG_COMMAND.join(' ')}' failed in ${options.configDir} (${(err as Error).message.trim()}). Pass --image-tag <tag>.`,
      EXIT.failed,
    );
  }
  if (!options.allowDirty && (await deps.git.isDirty(options.configDir))) {
    throw new CliError(
      `The working tree has uncommitted changes: an image tagged ${sha} would not be the committed tree ${sha}. Commit them, or pass --allow-dirty (the tag becomes ${sha}-dirty-<time>).`,
      EXIT.failed,
    );
  }
  return options.allowDirty && (await deps.git.isDirty(options.configDir))
    ? `${sha}-dirty-${Date.now().toString(36)}`
    : sha;
}

/** Builds and pushes each built service's image unless the tag is already there; returns repositories it created. */
async function pushImages(
  options: DeployOptions,
  deps: DeployDeps,
  clients: AwsClients,
  account: string,
  tag: string,
): Promise<number> {
  const { resolved } = options;
  const { rt } = deps;
  let created = 0;
  for (const service of Object.values(resolved.services)) {
    if (service.image.kind !== 'build') continue;
    const repositoryName = `${resolved.app}/${service.name}`;
    const host = `${account}.dkr.ecr.${clients.region}.amazonaws.com`;
    const exists = await repositoryExists(clients, repositoryName);
    if (exists && (await imageExists(clients, repositoryName, tag))) {
      rt.progress(`  ${service.name}: ${repositoryName}:${tag} already pushed`);
      continue;
    }
    if (options.imageTag) {
      throw new CliError(
        `--image-tag ${tag}: no such image in ECR repository ${repositoryName} (${clients.region}). Push it first, or deploy without --image-tag to build it.`,
        EXIT.failed,
      );
    }
    if (!(await deps.images.available())) {
      throw new CliError(
        `Docker (with buildx) is needed to build ${service.name}'s image and was not found. Install Docker, or push the image yourself and pass --image-tag <tag>.`,
        EXIT.failed,
      );
    }
    if (!exists) {
      rt.progress(
        `  ${service.name}: creating ECR repository ${repositoryName} (immutable tags, scan on push)`,
      );
      await clients.ecr.send(
        new CreateRepositoryCommand({
          repositoryName,
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
        }),
      );
      created++;
    }
    const auth = (await clients.ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
    const [username, password] = Buffer.from(auth?.authorizationToken ?? '', 'base64')
      .toString()
      .split(':') as [string, string];
    const image = service.image;
    rt.progress(`  ${service.name}: building and pushing ${repositoryName}:${tag} (${service.arch})`);
    try {
      await deps.images.buildAndPush(
        {
          context: resolvePath(options.configDir, image.context),
          dockerfile: resolvePath(options.configDir, image.dockerfile),
          ...(image.target ? { target: image.target } : {}),
          platform: service.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64',
          image: `${host}/${repositoryName}:${tag}`,
          registry: { host, username: username ?? 'AWS', password: password ?? '' },
        },
        rt.progress,
      );
    } catch (err) {
      throw new CliError(`Building ${service.name}'s image failed: ${(err as Error).message}`, EXIT.failed, {
        cause: err,
      });
    }
  }
  return created;
}

async function repositoryExists(clients: AwsClients, repositoryName: string): Promise<boolean> {
  try {
    await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'RepositoryNotFoundException') return false;
    throw err;
  }
}

async function imageExists(clients: AwsClients, repositoryName: string, tag: string): Promise<boolean> {
  try {
    const res = await clients.ecr.send(
      new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: tag }] }),
    );
    return (res.imageDetails?.length ?? 0) > 0;
  } catch (err) {
    if ((err as Error).name === 'ImageNotFoundException') return false;
    throw err;
  }
}
