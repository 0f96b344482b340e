import { ConfigError, type ConfigIssue } from './errors';
import type { ResolvedApp } from './types';

/**
 * Every physical name Berth gives an AWS resource, built in one place, checked against the limit AWS publishes
 * for it. Infra names resources with these; `berth deploy|rollback|run-job` and the checks find them by the same
 * functions, so a name cannot be spelt two ways. Renaming any of them replaces the resource on the next deploy
 * (names.test.ts pins them, like the stateful logical IDs).
 */

/** What every name is built from: the app and the environment (stage). */
export interface NameScope {
  readonly app: string;
  readonly stage: string;
}

interface Limit {
  /** What AWS calls it, for the error message. */
  readonly what: string;
  readonly max: number;
  readonly pattern: RegExp;
  /** The allowed characters, in words. */
  readonly allowed: string;
  readonly source: string;
}

/** The limits, from each service's API reference. */
export const NAME_LIMITS = {
  stack: {
    what: 'CloudFormation stack name',
    max: 128,
    pattern: /^[A-Za-z][A-Za-z0-9-]*$/,
    allowed: 'letters, digits and dashes, starting with a letter',
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html (StackName)
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html',
  },
  family: {
    what: 'ECS task definition family',
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: 'letters, digits, dashes and underscores',
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html',
  },
  schedule: {
    what: 'EventBridge Scheduler schedule name',
    max: 64,
    pattern: /^[0-9a-zA-Z_.-]+$/,
    allowed: 'letters, digits, dashes, underscores and dots',
    source: 'https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html',
  },
  queue: {
    what: 'SQS queue name',
    max: 80,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: 'letters, digits, dashes and underscores',
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html',
  },
  role: {
    what: 'IAM role name',
    max: 64,
    pattern: /^[\w+=,.@-]+$/,
    allowed: 'letters, digits and _+=,.@-',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
  },
  configurationSet: {
    what: 'SES configuration set name',
    max: 64,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: 'letters, digits, dashes and underscores',
    source: 'https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSet.html',
  },
  repository: {
    what: 'ECR repository name',
    max: 256,
    pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    allowed: 'lower-case letters and digits, separated by single dots, dashes, underscores or slashes',
    source: 'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html',
  },
  globalCluster: {
    what: 'Aurora global cluster identifier',
    max: 63,
    pattern: /^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$/,
    allowed: 'letters, digits and single dashes, starting with a letter and not ending with a dash',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html',
  },
} as const satisfies Record<string, Limit>;

export type NameKind = keyof typeof NAME_LIMITS;

/** The problem with a name, or undefined when AWS accepts it. */
export function nameProblem(kind: NameKind, value: string): string | undefined {
  const limit: Limit = NAME_LIMITS[kind];
  if (value.length > limit.max)
    return `the ${limit.what} ${JSON.stringify(value)} is ${value.length} characters; AWS allows at most ${limit.max} (${limit.source})`;
  if (!limit.pattern.test(value))
    return `the ${limit.what} ${JSON.stringify(value)} is not allowed: ${limit.allowed} (${limit.source})`;
  return undefined;
}

function checked(kind: NameKind, value: string, scope: NameScope, path: string): string {
  const problem = nameProblem(kind, value);
  if (problem) throw new ConfigError([{ path, message: `${problem}; shorten or rename it` }], scope.stage);
  return value;
}

const envPath = (s: NameScope) => `environments.${s.stage}`;

/** `<app>-<stage>`: the primary stack's name, and the prefix of every other name of the environment. */
export function prefixOf(s: NameScope): string {
  return `${s.app}-${s.stage}`;
}

/** The stacks of one environment: the app itself, its us-east-1 CloudFront certificate, its pilot-light standby. */
export function stackName(s: NameScope, which: 'app' | 'certificate' | 'standby' = 'app'): string {
  return checked('stack', which === 'app' ? prefixOf(s) : `${prefixOf(s)}-${which}`, s, envPath(s));
}

/** A service's task definition family; the standby region's copy has its own. */
export function serviceFamily(s: NameScope, service: string, standby = false): string {
  const name = `${prefixOf(s)}-${standby ? 'standby-' : ''}${service}`;
  return checked('family', name, s, `services.${service}`);
}

export function jobFamily(s: NameScope, job: string): string {
  return checked('family', `${prefixOf(s)}-job-${job}`, s, `jobs.${job}`);
}

/**
 * A job's schedule. Cut to the 64 characters Scheduler allows rather than refused, as it always was: the cut name
 * is what deployed environments have.
 */
export function scheduleName(s: NameScope, job: string): string {
  return checked('schedule', `${prefixOf(s)}-${job}`.slice(0, NAME_LIMITS.schedule.max), s, `jobs.${job}`);
}

/** The SES configuration set the Mail construct owns: one per app and stage. */
export function mailConfigurationSetName(s: NameScope): string {
  return checked('configurationSet', prefixOf(s), s, envPath(s));
}

/** The queue SES bounces and complaints land in; the runtime's suppression job finds it by this name. */
export function mailEventsQueueName(s: NameScope): string {
  return checked('queue', `${prefixOf(s)}-mail-events`, s, envPath(s));
}

/** The IAM role GitHub Actions assumes to deploy this environment (the workflow names it). */
export function deployerRoleName(s: NameScope): string {
  return checked('role', `${prefixOf(s)}-deployer`, s, envPath(s));
}

/** The Aurora global database a pilot light replicates through. */
export function globalClusterIdentifier(s: NameScope): string {
  return checked('globalCluster', prefixOf(s), s, envPath(s));
}

/** A service's ECR repository: `<app>/<service>`, shared by every environment that pulls from the same registry. */
export function repositoryName(app: string, service: string): string {
  const name = `${app}/${service}`;
  const problem = nameProblem('repository', name);
  if (problem) throw new ConfigError([{ path: `services.${service}`, message: `${problem}; rename it` }]);
  return name;
}

/** The prefix of the app's repositories, for replication filters and policies. */
export function repositoryPrefix(app: string): string {
  return app;
}

/** The Berth service a family belongs to (`talent-prod-api` → `api`), or undefined when it is not this stage's. */
export function serviceOfFamily(s: NameScope, family: string): string | undefined {
  const prefix = `${prefixOf(s)}-`;
  return family.startsWith(prefix) ? family.slice(prefix.length) : undefined;
}

/** `arn:…:task-definition/talent-prod-api:12` → { family: 'talent-prod-api', revision: 12 }. */
export function parseTaskDefinitionArn(arn: string): { family: string; revision: number } {
  const tail = arn.split('/').pop() ?? arn;
  const i = tail.lastIndexOf(':');
  return { family: tail.slice(0, i), revision: Number(tail.slice(i + 1)) };
}

/** Every name checked at once, so `berth config` reports all of them before a deploy would fail on one. */
export function nameIssues(r: ResolvedApp): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const tryName = (build: () => unknown) => {
    try {
      build();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const i of err.issues) if (!issues.some((x) => x.message === i.message)) issues.push(i);
    }
  };
  tryName(() => stackName(r));
  if (r.edge.cdn) tryName(() => stackName(r, 'certificate'));
  for (const service of Object.keys(r.services)) {
    tryName(() => serviceFamily(r, service));
    tryName(() => repositoryName(r.app, service));
    if (r.standby) tryName(() => serviceFamily(r, service, true));
  }
  for (const job of Object.keys(r.jobs)) {
    tryName(() => jobFamily(r, job));
    tryName(() => scheduleName(r, job));
  }
  if (r.standby) {
    tryName(() => stackName(r, 'standby'));
    if (r.database) tryName(() => globalClusterIdentifier(r));
  }
  if (r.mail) {
    tryName(() => mailConfigurationSetName(r));
    tryName(() => mailEventsQueueName(r));
  }
  if (r.github) tryName(() => deployerRoleName(r));
  return issues;
}

/** A name as a CloudFormation logical-ID fragment: `user-uploads` → `UserUploads`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
