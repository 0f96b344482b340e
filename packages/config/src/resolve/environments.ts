import { ConfigError, show } from '../errors';
import { DEFAULTS } from '../profiles';
import { PROFILE_NAMES } from '../schema';
import { standbyCidrFor, standbyCidrProblem } from '../standby-network';
import type { ProfileName, ResolvedApp } from '../types';
import type { Ctx, Parsed } from './context';

const BRANCH = /^[\w./-]+$/;

type Environment = Parsed['environments'][string];

/** The environment being resolved; without it nothing else can be checked, so this throws. */
export function environmentOf(app: Parsed, stage: string): Environment {
  const env = app.environments[stage];
  if (env) return env;
  const declared = Object.keys(app.environments);
  throw new ConfigError(
    [
      {
        path: 'environments',
        message: `no environment named ${show(stage)}; declared: ${declared.length ? declared.join(', ') : 'none'}`,
      },
    ],
    stage,
  );
}

/** The profile supplies every default, so an environment without one stops resolution here. */
export function profileOf(env: Environment, stage: string): ProfileName {
  if (env.profile) return env.profile;
  if ((PROFILE_NAMES as readonly string[]).includes(stage)) return stage as ProfileName;
  throw new ConfigError(
    [
      {
        path: `environments.${stage}.profile`,
        message: `required for an environment not named ${PROFILE_NAMES.join(', ')}; allowed: ${PROFILE_NAMES.join(', ')}`,
      },
    ],
    stage,
  );
}

export function regionOf(app: Parsed, e: { region?: string }): string {
  return e.region ?? app.region ?? DEFAULTS.region;
}

export function resolveStandby(ctx: Ctx, region: string): ResolvedApp['standby'] {
  const s = ctx.app.standby;
  if (!s || !(s.enabled ?? ctx.profile.standby)) return null;
  const { region: standbyRegion, tasks = 0 } = s;
  if (!standbyRegion) ctx.report('standby.region', 'required: the region of the pilot-light copy');
  else if (standbyRegion === region)
    ctx.report(
      'standby.region',
      `got ${show(standbyRegion)}; must differ from the primary region (${region})`,
    );
  if (tasks < 0) ctx.report('standby.tasks', `got ${tasks}; must be ≥ 0`);
  const network = ctx.app.network;
  const primaryCidr = network?.existing?.cidr ?? network?.cidr ?? DEFAULTS.cidr;
  const cidr = s.cidr ?? standbyCidrFor(primaryCidr);
  const problem = standbyCidrProblem(cidr, primaryCidr, s.cidr !== undefined);
  if (problem) ctx.report('standby.cidr', problem);
  return standbyRegion && standbyRegion !== region && cidr && !problem
    ? { region: standbyRegion, tasks, cidr }
    : null;
}

/** Promotion, the shared registry and the OIDC provider: facts that depend on the other environments. */
export function resolvePromotion(
  app: Parsed,
  stage: string,
  branch: string,
  report: Ctx['report'],
): Pick<ResolvedApp, 'imagesFrom' | 'registry' | 'promotesTo' | 'github'> {
  const env = app.environments[stage]!;
  let imagesFrom: ResolvedApp['imagesFrom'];
  if (env.imagesFrom !== undefined) {
    const source = app.environments[env.imagesFrom];
    if (env.imagesFrom === stage)
      report(`environments.${stage}.imagesFrom`, 'an environment cannot promote images from itself');
    else if (!source) {
      report(
        `environments.${stage}.imagesFrom`,
        `got ${show(env.imagesFrom)}; allowed: ${Object.keys(app.environments)
          .filter((e) => e !== stage)
          .join(', ')}`,
      );
    } else
      imagesFrom = {
        stage: env.imagesFrom,
        account: source.account,
        region: regionOf(app, source),
      };
  }

  // Environments of one account and region share one set of repositories, owned by the first of them.
  const registryKey = (e: { account?: string; region?: string }) => `${e.account ?? ''}|${regionOf(app, e)}`;
  const registryOwner = Object.entries(app.environments).find(
    ([, e]) => registryKey(e) === registryKey(env),
  )?.[0];
  const promotesTo = Object.entries(app.environments)
    .filter(([name, e]) => e.imagesFrom === stage && name !== stage && registryKey(e) !== registryKey(env))
    .map(([name, e]) => ({
      stage: name,
      ...(e.account ? { account: e.account } : {}),
      region: regionOf(app, e),
    }));

  // One OIDC provider per account: the first environment (config order) of each account creates it. Environments
  // without an account are taken to share the deploying credentials' account.
  const accountKey = (e: { account?: string }) => e.account ?? '';
  const firstInAccount = Object.entries(app.environments).find(
    ([, e]) => accountKey(e) === accountKey(env),
  )?.[0];
  const adopted = app.github?.oidcProvider !== undefined && app.github.oidcProvider !== 'create';
  const adoptedArn = adopted ? (app.github!.oidcProvider as string) : undefined;
  if (adoptedArn && env.account && adoptedArn.split(':')[4] !== env.account)
    report(
      'github.oidcProvider',
      `got ${show(adoptedArn)}; it belongs to account ${adoptedArn.split(':')[4]}, but environment ${show(stage)} deploys to ${env.account}; allowed: 'create', or the provider of the environment's own account`,
    );
  const github: ResolvedApp['github'] = app.github
    ? {
        repository: app.github.repository,
        oidcProvider: !adopted && firstInAccount === stage ? 'create' : 'import',
        ...(adoptedArn ? { oidcProviderArn: adoptedArn } : {}),
      }
    : undefined;
  // The deployer's OIDC trust names exactly one branch (token.actions.githubusercontent.com:sub), so no wildcards.
  if (github && !(BRANCH.test(branch) && !branch.includes('*')))
    report(
      `environments.${stage}.branch`,
      `got ${show(branch)}${env.branch === undefined ? ' (the environment name)' : ''}; the deploying branch is one git branch name: letters, digits, '_', '.', '/', '-'`,
    );
  return { imagesFrom, registry: registryOwner === stage ? 'create' : 'import', promotesTo, github };
}
