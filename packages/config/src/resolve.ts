import { ConfigError, show, type ConfigIssue } from './errors';
import { describeMemoryFor, FARGATE_CPUS, isFargatePair } from './fargate';
import { fromZod } from './issues';
import { DEFAULTS, LOG_RETENTION_DAYS, PROFILES, type Profile } from './profiles';
import { appSchema, PROFILE_NAMES, type AppConfig, type Overrides } from './schema';
import { RESERVED_ENV } from './contract';
import type {
  ProfileName,
  ResolvedAlarms,
  ResolvedApp,
  ResolvedBastion,
  ResolvedBucket,
  ResolvedCache,
  ResolvedDatabase,
  ResolvedEdge,
  ResolvedJob,
  ResolvedMail,
  ResolvedNetwork,
  ResolvedService,
  VpcEndpoint,
} from './types';
import { isCidr, parseMemory, scheduleProblem } from './units';

type Parsed = ReturnType<typeof appSchema.parse>;
type Merged = Omit<Parsed, 'environments'>;

/**
 * Applies the profile and the environment's overrides to the app config and checks every rule.
 * Returns a deeply frozen ResolvedApp, or throws one ConfigError listing every problem found.
 */
export function resolve(config: AppConfig | unknown, stage: string): ResolvedApp {
  const parsed = appSchema.safeParse(config);
  if (!parsed.success) throw new ConfigError(fromZod(parsed.error, config, appSchema), stage);
  const app = parsed.data;

  const env = app.environments[stage];
  if (!env) {
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

  const issues: ConfigIssue[] = [];
  const report = (path: string, message: string) => issues.push({ path, message });

  let profileName: ProfileName;
  if (env.profile) profileName = env.profile;
  else if ((PROFILE_NAMES as readonly string[]).includes(stage)) profileName = stage as ProfileName;
  else {
    report(
      `environments.${stage}.profile`,
      `required for an environment not named ${PROFILE_NAMES.join(', ')}; allowed: ${PROFILE_NAMES.join(', ')}`,
    );
    throw new ConfigError(issues, stage);
  }
  const profile = PROFILES[profileName];

  const merged = applyOverrides(app, env.overrides, stage, report);
  const ctx: Ctx = { app: merged, profile, profileName, report, stage };

  const region = env.region ?? app.region ?? DEFAULTS.region;
  const edgeIn = merged.edge ?? {};
  const serviceNames = Object.keys(merged.services);
  if (serviceNames.length === 0) report('services', 'declare at least one service');

  const database = resolveDatabase(ctx);
  const cache = resolveCache(ctx);
  const buckets = resolveBuckets(ctx);
  const mail = resolveMail(ctx);
  const services = resolveServices(ctx, edgeIn.domain, {
    database: !!database,
    cache: !!cache,
    mail: !!mail,
    buckets: Object.keys(buckets),
  });
  const defaults = serviceNames.filter((n) => merged.services[n]?.default);
  if (defaults.length > 1)
    report(
      'services',
      `only one service may be the default; these say default: true: ${defaults.join(', ')}`,
    );
  const defaultService = defaults[0] ?? serviceNames[0] ?? '';
  const jobs = resolveJobs(ctx, defaultService);
  const edge = resolveEdge(ctx);
  const network = resolveNetwork(ctx, services, !!mail, !!database || !!cache?.tls);
  const bastion = resolveBastion(ctx);
  const alarms = resolveAlarms(ctx);
  const ec2 = resolveEc2(ctx, services);

  const logRetentionDays = merged.logRetentionDays ?? profile.logRetentionDays;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    report(
      'logRetentionDays',
      `got ${logRetentionDays}; allowed (CloudWatch): ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const removal = merged.removal ?? profile.removal;
  if (profileName === 'prod' && removal === 'destroy') {
    report(
      'removal',
      "got \"destroy\"; a prod environment may never destroy stateful data: allowed 'retain' or 'snapshot'",
    );
  }

  let auth: ResolvedApp['auth'] = null;
  if (merged.auth) {
    const { issuer, audience, jwksUrl } = merged.auth;
    if (!issuer || !audience) report('auth', 'needs both issuer and audience');
    else
      auth = { issuer, audience, jwksUrl: jwksUrl ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json` };
  }

  let standby: ResolvedApp['standby'] = null;
  if (merged.standby && (merged.standby.enabled ?? profile.standby)) {
    const { region: standbyRegion, tasks = 0 } = merged.standby;
    if (!standbyRegion) report('standby.region', 'required: the region of the pilot-light copy');
    else if (standbyRegion === region)
      report('standby.region', `got ${show(standbyRegion)}; must differ from the primary region (${region})`);
    if (!database) report('standby', 'a pilot-light standby replicates the database: declare a database');
    if (tasks < 0) report('standby.tasks', `got ${tasks}; must be ≥ 0`);
    if (standbyRegion && standbyRegion !== region) standby = { region: standbyRegion, tasks };
  }

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
        region: source.region ?? app.region ?? DEFAULTS.region,
      };
  }

  // Environments of one account and region share one set of repositories, owned by the first of them.
  const regionOf = (e: { region?: string }) => e.region ?? app.region ?? DEFAULTS.region;
  const registryKey = (e: { account?: string; region?: string }) => `${e.account ?? ''}|${regionOf(e)}`;
  const registryOwner = Object.entries(app.environments).find(
    ([, e]) => registryKey(e) === registryKey(env),
  )?.[0];
  const promotesTo = Object.entries(app.environments)
    .filter(([name, e]) => e.imagesFrom === stage && name !== stage && registryKey(e) !== registryKey(env))
    .map(([name, e]) => ({
      stage: name,
      ...(e.account ? { account: e.account } : {}),
      region: regionOf(e),
    }));

  // One OIDC provider per account: the first environment (config order) of each account creates it. Environments
  // without an account are taken to share the deploying credentials' account.
  const accountKey = (e: { account?: string }) => e.account ?? '';
  const firstInAccount = Object.entries(app.environments).find(
    ([, e]) => accountKey(e) === accountKey(env),
  )?.[0];
  const github: ResolvedApp['github'] = app.github
    ? { repository: app.github.repository, oidcProvider: firstInAccount === stage ? 'create' : 'import' }
    : undefined;

  if (issues.length) throw new ConfigError(issues, stage);

  return deepFreeze({
    app: app.name,
    stage,
    profile: profileName,
    account: env.account,
    region,
    branch: env.branch ?? (profileName === 'prod' ? 'main' : stage),
    imagesFrom,
    registry: registryOwner === stage ? 'create' : 'import',
    promotesTo,
    github,
    services,
    defaultService,
    database,
    cache,
    buckets,
    mail,
    jobs,
    edge,
    network,
    bastion,
    alarms,
    ec2,
    auth,
    standby,
    logRetentionDays,
    removal,
    deletionProtection: merged.deletionProtection ?? profile.deletionProtection,
    environments: Object.keys(app.environments),
  } satisfies ResolvedApp);
}

interface Ctx {
  readonly app: Merged;
  readonly profile: Profile;
  readonly profileName: ProfileName;
  readonly stage: string;
  readonly report: (path: string, message: string) => void;
}

/** Environment overrides win over the app's values, key by key; arrays are replaced, not concatenated. */
function applyOverrides(
  app: Parsed,
  overrides: Overrides | undefined,
  stage: string,
  report: Ctx['report'],
): Merged {
  const { environments: _environments, ...base } = app;
  if (!overrides) return base;
  for (const [section, known] of [
    ['services', app.services],
    ['jobs', app.jobs ?? {}],
    ['buckets', app.buckets ?? {}],
  ] as const) {
    for (const key of Object.keys(overrides[section] ?? {})) {
      if (!(key in known)) {
        report(
          `environments.${stage}.overrides.${section}.${key}`,
          `overrides a ${section.slice(0, -1)} the app does not declare; declared: ${Object.keys(known).join(', ') || 'none'}`,
        );
      }
    }
  }
  if (overrides.mail && !app.mail)
    report(`environments.${stage}.overrides.mail`, 'overrides mail, but the app declares no mail section');
  return merge(base, overrides) as Merged;
}

function merge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isPlain(a) || !isPlain(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

function checkName(ctx: Ctx, path: string, name: string) {
  if (!NAME.test(name))
    ctx.report(
      path,
      `got ${show(name)}; a name is lower-case letters, digits and dashes, starting with a letter, ≤ 31 chars`,
    );
}

function checkSize(ctx: Ctx, path: string, cpu: number, memoryIn: number | string): number {
  const memoryMib = parseMemory(memoryIn);
  if (!(FARGATE_CPUS as readonly number[]).includes(cpu)) {
    ctx.report(`${path}.cpu`, `got ${show(cpu)}; allowed vCPU values: ${FARGATE_CPUS.join(', ')}`);
    return memoryMib ?? 0;
  }
  if (memoryMib === undefined) {
    ctx.report(
      `${path}.memory`,
      `got ${show(memoryIn)}; expected a size such as '512 MB' or '2 GB' (with cpu ${cpu}: ${describeMemoryFor(cpu)})`,
    );
    return 0;
  }
  if (!isFargatePair(cpu, memoryMib)) {
    ctx.report(
      `${path}.memory`,
      `got ${memoryMib} MB, which Fargate does not offer with cpu ${cpu}; allowed: ${describeMemoryFor(cpu)}`,
    );
  }
  return memoryMib;
}

function resolveServices(
  ctx: Ctx,
  domain: string | undefined,
  declared: { database: boolean; cache: boolean; mail: boolean; buckets: string[] },
): Record<string, ResolvedService> {
  const { profile, report } = ctx;
  const out: Record<string, ResolvedService> = {};
  const hostOwners = new Map<string, string>();
  for (const [name, s] of Object.entries(ctx.app.services)) {
    const at = `services.${name}`;
    checkName(ctx, at, name);
    const cpu = s.cpu ?? profile.service.cpu;
    const memoryMib = checkSize(ctx, at, cpu, s.memory ?? profile.service.memoryMib);

    const port = s.port ?? DEFAULTS.port;
    if (port < 1 || port > 65535) report(`${at}.port`, `got ${port}; allowed: 1–65535`);
    const stopTimeout = s.stopTimeout ?? DEFAULTS.stopTimeout;
    if (stopTimeout < 2 || stopTimeout > 120)
      report(`${at}.stopTimeout`, `got ${stopTimeout}; ECS allows 2–120 seconds`);

    let scaling: ResolvedService['scaling'] = false;
    const scalingIn = s.scaling === undefined ? profile.service.scaling : s.scaling;
    if (scalingIn !== false) {
      const base = profile.service.scaling || { min: 1, max: 4, cpu: 60, memory: 70 };
      scaling = {
        min: scalingIn.min ?? base.min,
        max: scalingIn.max ?? base.max,
        cpu: scalingIn.cpu ?? base.cpu,
        memory: scalingIn.memory ?? base.memory,
        requests: ('requests' in scalingIn ? scalingIn.requests : undefined) ?? false,
      };
      if (scaling.min < 0) report(`${at}.scaling.min`, `got ${scaling.min}; must be ≥ 0`);
      if (scaling.max < 1 || scaling.max > 1000)
        report(`${at}.scaling.max`, `got ${scaling.max}; allowed: 1–1000`);
      if (scaling.min > scaling.max)
        report(`${at}.scaling`, `min (${scaling.min}) must be ≤ max (${scaling.max})`);
      for (const metric of ['cpu', 'memory'] as const) {
        const t = scaling[metric];
        if (t !== false && (t < 10 || t > 95))
          report(`${at}.scaling.${metric}`, `got ${t}; a target utilisation is 10–95 (%)`);
      }
      if (scaling.requests !== false && scaling.requests < 1)
        report(
          `${at}.scaling.requests`,
          `got ${scaling.requests}; must be ≥ 1 request per target per minute`,
        );
      if (scaling.cpu === false && scaling.memory === false && scaling.requests === false) {
        report(`${at}.scaling`, 'no metric left to scale on: set cpu, memory or requests, or scaling: false');
      }
    }
    const desiredCount = scaling ? scaling.min : (s.count ?? profile.service.count);
    if (desiredCount < 0) report(`${at}.count`, `got ${desiredCount}; must be ≥ 0`);

    const hostRules = s.hosts ?? [];
    const hosts = hostRules.map((h) => (h.includes('.') ? h : domain ? `${h}.${domain}` : `${h}.*`));
    for (const h of hosts) {
      const owner = hostOwners.get(h);
      if (owner) report(`${at}.hosts`, `host ${show(h)} is already routed to service '${owner}'`);
      hostOwners.set(h, name);
    }

    for (const key of Object.keys(s.env ?? {})) {
      if (RESERVED_ENV.has(key))
        report(`${at}.env.${key}`, `${key} is set by Berth from the config; remove it here`);
    }
    const secrets: Record<string, { secretName: string; jsonKey?: string }> = {};
    for (const [key, ref] of Object.entries(s.secrets ?? {})) {
      if (RESERVED_ENV.has(key))
        report(`${at}.secrets.${key}`, `${key} is set by Berth from the config; remove it here`);
      if (s.env && key in s.env)
        report(`${at}.secrets.${key}`, `${key} is also a plain env variable; keep one`);
      const [secretName, jsonKey, ...rest] = ref.split(':');
      if (!secretName || rest.length || jsonKey === '')
        report(`${at}.secrets.${key}`, `got ${show(ref)}; expected 'secret-name' or 'secret-name:json-key'`);
      else secrets[key] = jsonKey ? { secretName, jsonKey } : { secretName };
    }

    const usesIn = s.uses ?? {};
    for (const b of usesIn.buckets ?? []) {
      if (!declared.buckets.includes(b))
        report(
          `${at}.uses.buckets`,
          `unknown bucket ${show(b)}; declared: ${declared.buckets.join(', ') || 'none'}`,
        );
    }
    for (const k of ['database', 'cache', 'mail'] as const) {
      if (usesIn[k] && !declared[k]) report(`${at}.uses.${k}`, `the app declares no ${k}`);
    }

    const image: ResolvedService['image'] =
      s.image && 'uri' in s.image
        ? {
            kind: 'external',
            uri: s.image.uri,
            ...(s.image.credentialsSecret ? { credentialsSecret: s.image.credentialsSecret } : {}),
          }
        : {
            kind: 'build',
            dockerfile: s.image?.dockerfile ?? 'Dockerfile',
            context: s.image?.context ?? '.',
            ...(s.image?.target ? { target: s.image.target } : {}),
          };

    out[name] = {
      name,
      port,
      healthPath: s.health ?? DEFAULTS.healthPath,
      readyPath: s.ready ?? DEFAULTS.readyPath,
      hosts,
      hostRules,
      paths: s.paths ?? [],
      isDefault: false,
      cpu,
      memoryMib,
      arch: s.arch ?? DEFAULTS.arch,
      capacity: s.capacity ?? profile.service.capacity,
      scaling,
      desiredCount,
      ...(s.command ? { command: s.command } : {}),
      ...(s.dev
        ? { dev: { command: s.dev.command, cwd: s.dev.cwd ?? '.', watch: s.dev.watch ?? [s.dev.cwd ?? '.'] } }
        : {}),
      image,
      env: s.env ?? {},
      secrets,
      envFiles: (s.envFiles ?? []).flatMap((ref, i) => {
        const slash = ref.indexOf('/');
        const bucket = ref.slice(0, slash);
        const key = ref.slice(slash + 1);
        if (slash < 1 || !key || !declared.buckets.includes(bucket)) {
          report(
            `${at}.envFiles.${i}`,
            `got ${show(ref)}; expected '<bucket>/<key>' with a declared bucket (${declared.buckets.join(', ') || 'none declared'})`,
          );
          return [];
        }
        if (!key.endsWith('.env'))
          report(`${at}.envFiles.${i}`, `got ${show(ref)}; ECS reads env files whose names end in '.env'`);
        return [{ bucket, key }];
      }),
      stopTimeout,
      uses: {
        database: usesIn.database ?? declared.database,
        cache: usesIn.cache ?? declared.cache,
        mail: usesIn.mail ?? declared.mail,
        buckets: usesIn.buckets ?? declared.buckets,
      },
    };
  }
  const names = Object.keys(out);
  const chosen = names.find((n) => ctx.app.services[n]?.default) ?? names[0];
  if (chosen) out[chosen] = { ...out[chosen]!, isDefault: true };
  return out;
}

/** Minor versions from which Aurora PostgreSQL supports 0 ACU with auto-pause. */
const AUTO_PAUSE_MIN: Readonly<Record<number, number>> = { 13: 15, 14: 12, 15: 7, 16: 3 };

function supportsZeroAcu(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major >= 17) return true;
  const min = AUTO_PAUSE_MIN[major];
  return min !== undefined && minor >= min;
}

function resolveDatabase(ctx: Ctx): ResolvedDatabase | null {
  const d = ctx.app.database;
  if (!d) return null;
  const { profile, report, app } = ctx;
  const engine = d.engine ?? 'aurora-serverless-v2';
  const version = d.version ?? DEFAULTS.databaseVersion;
  const major = Number(version.split('.')[0]);
  if (major < 13 || major > 17)
    report('database.version', `got ${show(version)}; supported PostgreSQL majors: 13–17`);
  const backupRetention = d.backupRetention ?? profile.database.backupRetention;
  if (backupRetention < 1 || backupRetention > 35)
    report('database.backupRetention', `got ${backupRetention}; allowed: 1–35 days`);
  const rotation = d.rotation ?? DEFAULTS.rotationDays;
  if (rotation !== false && (rotation < 1 || rotation > 365))
    report('database.rotation', `got ${rotation}; allowed: 1–365 days, or false`);
  const common = {
    version,
    name: d.name ?? app.name.replace(/-/g, '_'),
    multiAz: d.multiAz ?? profile.database.multiAz,
    readReplica: d.readReplica ?? false,
    backupRetention,
    rotation,
  };

  if (engine === 'postgres') {
    for (const k of ['minAcu', 'maxAcu', 'autoPause'] as const) {
      if (d[k] !== undefined)
        report(
          `database.${k}`,
          `applies only to engine 'aurora-serverless-v2'; this database is 'postgres' (use instanceClass)`,
        );
    }
    const storage = {
      allocated: d.storage?.allocated ?? DEFAULTS.storage.allocated,
      max: d.storage?.max ?? DEFAULTS.storage.max,
    };
    if (storage.allocated < 20 || storage.allocated > 65536)
      report('database.storage.allocated', `got ${storage.allocated}; allowed: 20–65536 GiB`);
    if (storage.max < storage.allocated)
      report('database.storage.max', `got ${storage.max}; must be ≥ allocated (${storage.allocated})`);
    return { ...common, engine, instanceClass: d.instanceClass ?? profile.database.instanceClass, storage };
  }

  if (d.instanceClass !== undefined)
    report(
      'database.instanceClass',
      "applies only to engine 'postgres'; Aurora Serverless v2 sizes with minAcu/maxAcu",
    );
  if (d.storage !== undefined)
    report('database.storage', "applies only to engine 'postgres'; Aurora storage grows by itself");
  // A user who only raises maxAcu keeps the profile's minimum, unless that would invert the range.
  const maxAcu = d.maxAcu ?? profile.database.maxAcu;
  const minAcu = d.minAcu ?? Math.min(profile.database.minAcu, maxAcu);
  if (minAcu < 0 || minAcu > 256 || (minAcu * 2) % 1 !== 0)
    report('database.minAcu', `got ${show(minAcu)}; allowed: 0–256 in steps of 0.5`);
  if (maxAcu < 1 || maxAcu > 256 || (maxAcu * 2) % 1 !== 0)
    report('database.maxAcu', `got ${show(maxAcu)}; allowed: 1–256 in steps of 0.5`);
  if (minAcu > maxAcu) report('database', `minAcu (${minAcu}) must be ≤ maxAcu (${maxAcu})`);
  let autoPause: number | false = false;
  if (minAcu === 0) {
    if (!supportsZeroAcu(version)) {
      report(
        'database.minAcu',
        `0 ACU with auto-pause needs Aurora PostgreSQL 13.15+, 14.12+, 15.7+, 16.3+ or 17; version is ${show(version)}`,
      );
    }
    autoPause = d.autoPause ?? DEFAULTS.autoPauseMinutes;
    if (autoPause !== false && (autoPause < 5 || autoPause > 1440))
      report('database.autoPause', `got ${autoPause}; allowed: 5–1440 minutes, or false`);
  } else if (d.autoPause !== undefined && d.autoPause !== false) {
    report('database.autoPause', `auto-pause needs minAcu 0; minAcu is ${minAcu}`);
  }
  return { ...common, engine, minAcu, maxAcu, autoPause };
}

function resolveCache(ctx: Ctx): ResolvedCache | null {
  const c = ctx.app.cache;
  if (!c) return null;
  const engine = c.engine ?? 'redis';
  const nodes = c.nodes ?? ctx.profile.cache.nodes;
  if (nodes < 1 || nodes > 6) ctx.report('cache.nodes', `got ${nodes}; a replication group has 1–6 nodes`);
  return {
    engine,
    version: c.version ?? DEFAULTS.cacheVersion[engine],
    nodeType: c.nodeType ?? ctx.profile.cache.nodeType,
    nodes,
    tls: c.tls ?? ctx.profile.cache.tls,
  };
}

const BUCKET = /^[a-z0-9][a-z0-9-]{1,40}$/;

function resolveBuckets(ctx: Ctx): Record<string, ResolvedBucket> {
  const out: Record<string, ResolvedBucket> = {};
  for (const [name, b] of Object.entries(ctx.app.buckets ?? {})) {
    const at = `buckets.${name}`;
    if (!BUCKET.test(name))
      ctx.report(at, `got ${show(name)}; a bucket name is 2–41 lower-case letters, digits and dashes`);
    const lifecycle = b.lifecycle ?? [];
    lifecycle.forEach((rule, i) => {
      if (rule.expireAfterDays === undefined && rule.infrequentAccessAfterDays === undefined) {
        ctx.report(`${at}.lifecycle.${i}`, 'a rule needs expireAfterDays or infrequentAccessAfterDays');
      }
      if (rule.infrequentAccessAfterDays !== undefined && rule.infrequentAccessAfterDays < 30) {
        ctx.report(
          `${at}.lifecycle.${i}.infrequentAccessAfterDays`,
          `got ${rule.infrequentAccessAfterDays}; S3 requires ≥ 30 days`,
        );
      }
      if (rule.expireAfterDays !== undefined && rule.expireAfterDays < 1)
        ctx.report(`${at}.lifecycle.${i}.expireAfterDays`, `got ${rule.expireAfterDays}; must be ≥ 1`);
    });
    out[name] = {
      name,
      intelligentTiering: b.intelligentTiering ?? false,
      cors: (b.cors ?? []).map((r) => ({
        origins: r.origins,
        methods: r.methods,
        headers: r.headers ?? ['*'],
        maxAge: r.maxAge ?? 3000,
      })),
      lifecycle,
      versioned: b.versioned ?? ctx.profile.bucketVersioning,
    };
  }
  return out;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i;

function resolveMail(ctx: Ctx): ResolvedMail | null {
  const m = ctx.app.mail;
  if (!m) return null;
  const { domain, from } = m;
  if (!domain || !from) {
    ctx.report('mail', 'needs both domain and from');
    return null;
  }
  if (!DOMAIN.test(domain))
    ctx.report('mail.domain', `got ${show(domain)}; expected a domain such as 'mail.example.com'`);
  const at = from.match(/<([^>]+)>\s*$/)?.[1] ?? from;
  if (!EMAIL.test(at))
    ctx.report('mail.from', `got ${show(from)}; expected an address such as 'hello@${domain}'`);
  else if (
    !at.toLowerCase().endsWith(`@${domain.toLowerCase()}`) &&
    !at.toLowerCase().endsWith(`.${domain.toLowerCase()}`)
  ) {
    ctx.report('mail.from', `got ${show(from)}; the address must be at the sending domain ${show(domain)}`);
  }
  const allowList = m.allowList ?? [];
  allowList.forEach((entry, i) => {
    if (!(EMAIL.test(entry) || (entry.startsWith('@') && DOMAIN.test(entry.slice(1))))) {
      ctx.report(
        `mail.allowList.${i}`,
        `got ${show(entry)}; expected an address ('a@example.com') or a domain ('@example.com')`,
      );
    }
  });
  return { domain, from, allowList: ctx.profileName === 'prod' ? null : allowList };
}

function resolveJobs(ctx: Ctx, defaultService: string): Record<string, ResolvedJob> {
  const out: Record<string, ResolvedJob> = {};
  for (const [name, j] of Object.entries(ctx.app.jobs ?? {})) {
    const at = `jobs.${name}`;
    checkName(ctx, at, name);
    if (!j.schedule || !j.command) {
      ctx.report(at, 'needs schedule and command');
      continue;
    }
    const problem = scheduleProblem(j.schedule);
    if (problem) ctx.report(`${at}.schedule`, `got ${show(j.schedule)}; ${problem}`);
    const service = j.service ?? defaultService;
    if (!(service in ctx.app.services)) {
      ctx.report(
        `${at}.service`,
        `got ${show(service)}; no such service; declared: ${Object.keys(ctx.app.services).join(', ')}`,
      );
    }
    const size = j.size ?? 'light';
    const { cpu, memoryMib } =
      typeof size === 'string'
        ? DEFAULTS.jobSizes[size]
        : { cpu: size.cpu, memoryMib: checkSize(ctx, `${at}.size`, size.cpu, size.memory) };
    const timeoutMinutes = j.timeout ?? DEFAULTS.jobTimeoutMinutes;
    if (timeoutMinutes < 1 || timeoutMinutes > 1440)
      ctx.report(`${at}.timeout`, `got ${timeoutMinutes}; allowed: 1–1440 minutes`);
    out[name] = {
      name,
      schedule: j.schedule,
      command: j.command,
      ...(j.devCommand ? { devCommand: j.devCommand } : {}),
      service,
      cpu,
      memoryMib,
      timeoutMinutes,
      enabled: j.enabled ?? true,
    };
  }
  return out;
}

function resolveEdge(ctx: Ctx): ResolvedEdge {
  const e = ctx.app.edge ?? {};
  const { report } = ctx;
  const cdn = e.cdn ?? false;
  const ingress = e.ingress ?? (cdn ? 'cloudfront' : 'anywhere');
  if (Array.isArray(ingress)) {
    ingress.forEach((c, i) => {
      if (!isCidr(c))
        report(`edge.ingress.${i}`, `got ${show(c)}; expected an IPv4 CIDR such as '203.0.113.0/24'`);
    });
  }
  if (cdn && ingress !== 'cloudfront')
    report(
      'edge.ingress',
      `got ${show(ingress)}; with cdn: true the ALB must accept only CloudFront: 'cloudfront'`,
    );
  if (!cdn && ingress === 'cloudfront')
    report('edge.ingress', "'cloudfront' needs cdn: true (nothing else would reach the ALB)");
  if (e.domain !== undefined && !DOMAIN.test(e.domain))
    report('edge.domain', `got ${show(e.domain)}; expected a domain such as 'example.com'`);
  const hasCertSource = !!e.domain || (!!e.certificate && e.certificate !== 'create');
  if (e.https === true && !hasCertSource)
    report(
      'edge.https',
      'HTTPS needs a certificate: set edge.domain (a certificate is created) or edge.certificate (an ACM ARN)',
    );
  if (
    e.certificate &&
    e.certificate !== 'create' &&
    !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(e.certificate)
  ) {
    report('edge.certificate', `got ${show(e.certificate)}; expected 'create' or an ACM certificate ARN`);
  }
  if (e.certificate === 'create' && !e.domain) report('edge.certificate', "'create' needs edge.domain");
  if (e.dns === 'external' && e.hostedZoneId)
    report('edge.hostedZoneId', "with dns: 'external' there is no Route 53 zone; remove hostedZoneId");
  const https = e.https ?? (ctx.profile.https && hasCertSource);
  return {
    ...(e.domain ? { domain: e.domain } : {}),
    cdn,
    ingress,
    https,
    ...(https ? { certificate: e.certificate ?? 'create' } : {}),
    dns: e.dns ?? 'route53',
    ...(e.hostedZoneId ? { hostedZoneId: e.hostedZoneId } : {}),
    accessLogs: e.accessLogs ?? ctx.profile.accessLogs,
  };
}

function resolveNetwork(
  ctx: Ctx,
  services: Record<string, ResolvedService>,
  mail: boolean,
  usesSecrets: boolean,
): ResolvedNetwork {
  const n = ctx.app.network ?? {};
  const { report } = ctx;
  const azs = n.azs ?? ctx.profile.network.azs;
  if (azs < 1 || azs > 6) report('network.azs', `got ${azs}; allowed: 1–6`);
  else if (azs < 2)
    report('network.azs', 'got 1; an Application Load Balancer and a database subnet group need ≥ 2 AZs');
  const multiAz = ctx.app.database?.multiAz ?? (ctx.app.database ? ctx.profile.database.multiAz : false);
  if (multiAz && azs < 2) report('database.multiAz', `Multi-AZ needs ≥ 2 AZs; network.azs is ${azs}`);
  const cidr = n.cidr ?? DEFAULTS.cidr;
  if (!isCidr(cidr)) report('network.cidr', `got ${show(cidr)}; expected an IPv4 CIDR such as '10.0.0.0/16'`);
  else {
    const bits = Number(cidr.split('/')[1]);
    if (bits < 16 || bits > 24)
      report(
        'network.cidr',
        `got ${show(cidr)}; a VPC CIDR prefix is /16–/24 here (room for 3 subnet tiers)`,
      );
  }
  const nat = n.nat ?? ctx.profile.network.nat;
  const publicTasks = n.publicTasks ?? false;
  let endpoints: VpcEndpoint[];
  const hasSecrets = usesSecrets || Object.values(services).some((s) => Object.keys(s.secrets).length > 0);
  if (n.endpoints === undefined || n.endpoints === 'auto') {
    // Interface endpoints cost ~$7/AZ/month each; only derive them where tasks have no other way out.
    endpoints =
      nat === 'none' && !publicTasks
        ? [
            's3',
            'ecr',
            'logs',
            ...(hasSecrets ? (['secretsmanager'] as const) : []),
            ...(mail ? (['ses'] as const) : []),
          ]
        : ['s3'];
  } else endpoints = [...new Set(n.endpoints)];

  if (nat === 'none' && !publicTasks) {
    const missing = (['s3', 'ecr', 'logs'] as const).filter((e) => !endpoints.includes(e));
    if (hasSecrets && !endpoints.includes('secretsmanager')) missing.push('secretsmanager' as never);
    if (missing.length) {
      report(
        'network.endpoints',
        `with nat 'none' and private tasks, tasks can reach AWS only through endpoints; missing: ${missing.join(', ')} (or set publicTasks: true, or 'auto')`,
      );
    }
    const external = Object.values(services).filter((s) => s.image.kind === 'external');
    for (const s of external) {
      report(
        `services.${s.name}.image`,
        "an image from outside ECR cannot be pulled with nat 'none' and private tasks; use nat 'single' or publicTasks: true",
      );
    }
    if (mail && !endpoints.includes('ses')) {
      report(
        'network.endpoints',
        "mail is sent through the SES API, which private tasks without NAT reach only through its VPC endpoint: add 'ses' (or use 'auto', nat 'single', or publicTasks: true)",
      );
    }
  }
  return { azs, cidr, nat, endpoints, publicTasks, flowLogs: n.flowLogs ?? true };
}

function resolveBastion(ctx: Ctx): ResolvedBastion | null {
  const b = ctx.app.bastion;
  if (!b || b.enabled === false) return null;
  const allowedCidrs = b.allowedCidrs ?? [];
  allowedCidrs.forEach((c, i) => {
    if (!isCidr(c))
      ctx.report(
        `bastion.allowedCidrs.${i}`,
        `got ${show(c)}; expected an IPv4 CIDR such as '203.0.113.7/32'`,
      );
    else if (Number(c.split('/')[1]) < 24)
      ctx.report(
        `bastion.allowedCidrs.${i}`,
        `got ${show(c)}; a bastion admits single hosts or small ranges: /24 to /32`,
      );
  });
  if (allowedCidrs.length && !b.keyName)
    ctx.report(
      'bastion.allowedCidrs',
      'SSH needs keyName; without a key the bastion is reached through SSM Session Manager only',
    );
  return {
    allowedCidrs,
    ...(b.keyName ? { keyName: b.keyName } : {}),
    instanceType: b.instanceType ?? DEFAULTS.bastionInstanceType,
  };
}

function resolveEc2(ctx: Ctx, services: Record<string, ResolvedService>): ResolvedApp['ec2'] {
  const users = Object.values(services).filter((s) => s.capacity === 'ec2');
  const e = ctx.app.ec2;
  if (!users.length) {
    if (e)
      ctx.report(
        'ec2',
        "no service has capacity 'ec2'; remove this section or set a service's capacity to 'ec2'",
      );
    return null;
  }
  const d = DEFAULTS.ec2;
  const out = {
    instanceType: e?.instanceType ?? d.instanceType,
    minInstances: e?.minInstances ?? d.minInstances,
    maxInstances: e?.maxInstances ?? d.maxInstances,
    targetCapacityPercent: e?.targetCapacityPercent ?? d.targetCapacityPercent,
  };
  if (out.minInstances < 0) ctx.report('ec2.minInstances', `got ${out.minInstances}; must be ≥ 0`);
  if (out.maxInstances < Math.max(1, out.minInstances))
    ctx.report(
      'ec2.maxInstances',
      `got ${out.maxInstances}; must be ≥ 1 and ≥ minInstances (${out.minInstances})`,
    );
  if (out.targetCapacityPercent < 1 || out.targetCapacityPercent > 100)
    ctx.report('ec2.targetCapacityPercent', `got ${out.targetCapacityPercent}; allowed: 1–100`);
  return out;
}

function resolveAlarms(ctx: Ctx): ResolvedAlarms | null {
  const a = ctx.app.alarms;
  const emails = a?.emails ?? [];
  const hasTarget = emails.length > 0 || !!a?.pagerduty;
  if (a?.enabled === true && !hasTarget) {
    ctx.report('alarms', 'enabled, but nobody would be told: add emails or pagerduty');
    return null;
  }
  const enabled = a?.enabled ?? (ctx.profile.alarms && hasTarget);
  if (!enabled) return null;
  const cpu = a?.cpu ?? DEFAULTS.alarmCpu;
  const memory = a?.memory ?? DEFAULTS.alarmMemory;
  for (const [k, v] of [
    ['cpu', cpu],
    ['memory', memory],
  ] as const) {
    if (v < 1 || v > 100) ctx.report(`alarms.${k}`, `got ${v}; a threshold is 1–100 (%)`);
  }
  return { emails, ...(a?.pagerduty ? { pagerduty: a.pagerduty } : {}), cpu, memory };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
