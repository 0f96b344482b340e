import { resolveEvents } from '../schema-mail-events';
import { ConfigError, type ConfigIssue } from '../errors';
import { PROFILES } from '../profiles';
import type { AppConfig } from '../schema';
import type { ResolvedApp } from '../types';
import { resolveAcknowledgements } from './acknowledgements';
import { deepFreeze, type Ctx } from './context';
import { CROSS_RULES } from './cross';
import { resolveDatabase } from './database';
import { checkHostedZoneAccounts } from './by-hand';
import { resolveEdge } from './edge';
import { environmentOf, profileOf, regionOf, resolvePromotion, resolveStandby } from './environments';
import { resolveJobs } from './jobs';
import { withJobPermissions } from './moving-in';
import { resolveMailIdentity } from './mail-identity';
import { resolveNetwork, usesSecretsManager } from './network';
import { resolveGeneratedSecrets } from '../secrets';
import {
  resolveAlarms,
  resolveAuth,
  resolveBastion,
  resolveEc2,
  resolveLogRetention,
  resolveRemoval,
} from './ops';
import { applyOverrides } from './overrides';
import { isIndependent, salvage } from './salvage';
import { resolveServices } from './services';
import { resolveBuckets, resolveCache, resolveMail } from './stores';

export { CROSS_RULES, type CrossRule } from './cross';

/**
 * Applies the profile and the environment's overrides to the app config and checks every rule.
 * Returns a deeply frozen ResolvedApp, or throws one ConfigError listing every problem found: the schema's and,
 * on what the schema accepted, the semantic rules' (./salvage.ts), so one layer's problems never hide the other's.
 */
export function resolve(config: AppConfig | unknown, stage: string): ResolvedApp {
  const { issues: schemaIssues, data: app, pruned, declared } = salvage(config);
  const fail = (semantic: readonly ConfigIssue[]): never => {
    throw new ConfigError([...schemaIssues, ...semantic.filter((i) => isIndependent(i, pruned))], stage);
  };
  // The environment itself was refused by the schema: nothing it selects can be checked.
  if (!app || (declared.environments.includes(stage) && !app.environments[stage])) return fail([]);

  let env: ReturnType<typeof environmentOf>;
  let profileName: ReturnType<typeof profileOf>;
  try {
    env = environmentOf(app, stage);
    profileName = profileOf(env, stage);
  } catch (err) {
    return fail(err instanceof ConfigError ? err.issues : []);
  }
  const profile = PROFILES[profileName];

  const issues: ConfigIssue[] = [];
  const report = (path: string, message: string) => issues.push({ path, message });
  const merged = applyOverrides(app, env.overrides, stage, report, declared);
  const ctx: Ctx = { app: merged, profile, profileName, report, stage, declared };

  const region = regionOf(app, env);
  const branch = env.branch ?? (profileName === 'prod' ? 'main' : stage);
  if (Object.keys(merged.services).length === 0) report('services', 'declare at least one service');

  const database = resolveDatabase(ctx, region);
  const cache = resolveCache(ctx);
  const buckets = resolveBuckets(ctx);
  const mail = resolveMail(ctx, resolveMailIdentity(app, stage, report));
  const services = resolveServices(ctx, merged.edge?.domain, {
    database: !!database,
    cache: !!cache,
    mail: !!mail,
    buckets: Object.keys(buckets),
  });
  const defaultService = Object.values(services).find((s) => s.isDefault)?.name ?? '';
  const jobs = resolveJobs(ctx, defaultService);
  const draft: ResolvedApp = {
    app: app.name,
    stage,
    profile: profileName,
    account: env.account,
    region,
    branch,
    ...resolvePromotion(app, stage, branch, report),
    services: withJobPermissions(services, jobs),
    defaultService,
    database,
    cache,
    buckets,
    mail,
    jobs,
    edge: resolveEdge(ctx),
    network: resolveNetwork(
      ctx,
      !!mail,
      usesSecretsManager({ database, cache, services }),
      Object.values(services).some((s) => s.exec),
    ),
    bastion: resolveBastion(ctx),
    alarms: resolveAlarms(ctx),
    events: resolveEvents(merged.events, report),
    ec2: resolveEc2(ctx, services),
    auth: resolveAuth(ctx),
    standby: resolveStandby(ctx, region),
    logRetentionDays: resolveLogRetention(ctx),
    removal: resolveRemoval(ctx),
    deletionProtection: merged.deletionProtection ?? profile.deletionProtection,
    environments: Object.keys(app.environments),
    acknowledgements: resolveAcknowledgements(ctx, Object.keys(app.environments)),
    quotas: { ...merged.quotas },
    secrets: {},
  };
  const generated = resolveGeneratedSecrets(
    merged.secrets,
    { app: app.name, stage, ...(draft.standby ? { standbyRegion: draft.standby.region } : {}) },
    draft.services,
    report,
  );
  const withSecrets: ResolvedApp = { ...draft, ...generated };
  for (const rule of CROSS_RULES) rule.check(withSecrets, ctx);
  checkHostedZoneAccounts(app, stage, report);

  if (issues.length || schemaIssues.length) return fail(issues);
  return deepFreeze(withSecrets);
}
