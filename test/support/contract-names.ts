import { Template } from 'aws-cdk-lib/assertions';
import { CONTRACT, jobFamily, serviceFamily, type ResolvedApp } from '@berthjs/config';
import { localEnv, type LocalPeers } from '@berthjs/dev';
import { berthStacks, buildApp } from '../../packages/infra/src/index';

/**
 * The contract's names on both sides, for the round-trip tests: the env `berth dev` builds for a service (and so for
 * its jobs), and the Environment + Secrets a synthesized task definition declares.
 */

/** What berth dev's peers would be for `resolved`: every endpoint, each bucket, a local value for each user secret. */
export function fakePeers(resolved: ResolvedApp): LocalPeers {
  const secrets: Record<string, unknown> = {};
  for (const service of Object.values(resolved.services))
    for (const { secretName, jsonKey } of Object.values(service.secrets))
      secrets[secretName] = jsonKey ? { ...(secrets[secretName] as object), [jsonKey]: 'local' } : 'local';
  return {
    database: {
      username: 'app',
      password: 'local-pw',
      host: '127.0.0.1',
      port: 54321,
      dbname: resolved.database?.name ?? 'app',
    },
    databaseSecretArn: `arn:aws:secretsmanager:${resolved.region}:000000000000:secret:${resolved.app}/dev/database-AbCdEf`,
    secretsManagerEndpoint: 'http://127.0.0.1:4584',
    cacheUrl: 'redis://127.0.0.1:6379/1',
    s3Endpoint: 'http://127.0.0.1:4569',
    sesEndpoint: 'http://127.0.0.1:8005',
    mailEvents: {
      endpoint: 'http://127.0.0.1:4566',
      queueUrl: `http://127.0.0.1:4566/000000000000/${resolved.app}-mail-events`,
    },
    buckets: Object.fromEntries(Object.keys(resolved.buckets).map((b) => [b, `${resolved.app}-${b}`])),
    secrets,
    aws: { accessKeyId: 'BERTHLOCAL', secretAccessKey: 'local' },
    processEnv: {},
  };
}

/** Stand-ins for values CloudFormation only knows at deploy time (tokens): the names are what is under test. */
export function standIn(name: string): string {
  if (name === CONTRACT.databaseSecret.name)
    return JSON.stringify({
      username: 'berth',
      password: 'pw',
      host: 'db.internal',
      port: 5432,
      dbname: 'app',
    });
  if (name === CONTRACT.databaseSecretArn.name)
    return 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf';
  if (name === CONTRACT.cacheUrl.name) return 'rediss://cache.internal:6379';
  if (name.startsWith('BUCKET_')) return 'app-prod-bucket';
  if (name === CONTRACT.pgPort.name) return '5432';
  if (name === CONTRACT.mailEventsQueueUrl.name)
    return 'https://sqs.us-east-1.amazonaws.com/123456789012/app-prod-mail-events';
  return 'value.internal';
}

export type Container = {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
};

type Resources = Record<
  string,
  { Type: string; Properties: { Family?: string; ContainerDefinitions?: Container[] } }
>;

/** The container of each service's task definition and of each job's, in the app's own stack. */
export function taskContainers(resolved: ResolvedApp): {
  services: Map<string, Container>;
  jobs: Map<string, Container>;
} {
  const template = Template.fromStack(berthStacks(buildApp(resolved))[0]!).toJSON() as {
    Resources: Resources;
  };
  const find = (family: string, container: string) =>
    Object.values(template.Resources)
      .find((r) => r.Type === 'AWS::ECS::TaskDefinition' && r.Properties.Family === family)
      ?.Properties.ContainerDefinitions?.find((c) => c.Name === container);
  const services = new Map<string, Container>();
  for (const name of Object.keys(resolved.services)) {
    const c = find(serviceFamily(resolved, name), name);
    if (c) services.set(name, c);
  }
  const jobs = new Map<string, Container>();
  for (const job of Object.values(resolved.jobs)) {
    const c = find(jobFamily(resolved, job.name), job.service);
    if (c) jobs.set(job.name, c);
  }
  return { services, jobs };
}

/** The names a container declares: plain Environment and Secrets together. */
export function declaredNames(c: Container): Set<string> {
  return new Set([...(c.Environment ?? []), ...(c.Secrets ?? [])].map((e) => e.Name));
}

/**
 * Cloud only, by design: the TLS mode, Redis's AUTH token and the SES configuration set (no TLS, AUTH or SES events
 * locally). Outside prod only: the mail allow-list (prod mails everyone).
 */
export const CLOUD_ONLY: ReadonlySet<string> = new Set(
  [CONTRACT.pgSslMode, CONTRACT.cacheAuthToken, CONTRACT.mailConfigurationSet].map((e) => e.name),
);
export const OUTSIDE_PROD_ONLY: ReadonlySet<string> = new Set([CONTRACT.mailAllowList.name]);
/** Local only, documented in docs/dev.md: the endpoint variables pointing the SDKs at the peers, and the state's key. */
export const LOCAL_ONLY: ReadonlySet<string> = new Set([
  ...[CONTRACT.s3Endpoint, CONTRACT.sesEndpoint, CONTRACT.sqsEndpoint, CONTRACT.secretsManagerEndpoint].map(
    (e) => e.name,
  ),
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
]);

/**
 * The names a container declares that berth dev does not give `service` locally, and the reverse, apart from the
 * documented cloud-only and local-only rows. Both empty: dev and the cloud give the same names.
 */
export function nameDrift(
  dev: ResolvedApp,
  service: string,
  container: Container,
  peers: LocalPeers = fakePeers(dev),
): { missingLocally: string[]; missingInCloud: string[] } {
  const cloud = declaredNames(container);
  const local = new Set(Object.keys(localEnv(dev, service, peers, 4100).env));
  return {
    missingLocally: [...cloud].filter(
      (n) => !local.has(n) && !CLOUD_ONLY.has(n) && !OUTSIDE_PROD_ONLY.has(n),
    ),
    missingInCloud: [...local].filter(
      (n) => !cloud.has(n) && !LOCAL_ONLY.has(n) && !OUTSIDE_PROD_ONLY.has(n),
    ),
  };
}
