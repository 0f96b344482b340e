import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONTRACT, contractFor, resolve, serviceFamily } from '@berthjs/config';
import { loadRuntimeConfig } from '@berthjs/runtime';
import { localEnv, type LocalPeers } from '../../../packages/cli/src/dev/env';
import { berthStacks, buildApp } from '../../../packages/infra/src/index';
import talent from '../berth.config';

/**
 * The contract round trip: the env `berth dev` builds for talent, and the env the synthesized prod task definitions
 * declare, both load in the runtime's reader with no missing key, and carry the same names (apart from the rows that
 * are local-only or cloud-only by design).
 */
const dev = resolve(talent, 'dev');
const prod = resolve(talent, 'prod');

const peers: LocalPeers = {
  database: { username: 'postgres', password: 'local-pw', host: '127.0.0.1', port: 54321, dbname: 'talent' },
  cacheUrl: 'redis://127.0.0.1:6379',
  s3Endpoint: 'http://127.0.0.1:4569',
  sesEndpoint: 'http://127.0.0.1:8005',
  secretsManagerEndpoint: 'http://127.0.0.1:4584',
  buckets: Object.fromEntries(Object.keys(dev.buckets).map((b) => [b, `talent-dev-${b}`])),
  secrets: {},
  processEnv: {},
};

/** Stand-ins for values CloudFormation only knows at deploy time (tokens): the names are what is under test. */
function standIn(name: string): string {
  if (name === CONTRACT.databaseSecret.name)
    return JSON.stringify({
      username: 'berth',
      password: 'pw',
      host: 'db.internal',
      port: 5432,
      dbname: 'talent',
    });
  if (name === CONTRACT.databaseSecretArn.name)
    return 'arn:aws:secretsmanager:us-east-1:123456789012:secret:talent-db-AbCdEf';
  if (name === CONTRACT.cacheUrl.name) return 'rediss://cache.internal:6379';
  if (name.startsWith('BUCKET_')) return 'talent-prod-bucket';
  if (name === CONTRACT.pgPort.name) return '5432';
  return 'value.internal';
}

type Container = {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
};

function prodContainers(): Map<string, Container> {
  const template = Template.fromStack(berthStacks(buildApp(prod))[0]!).toJSON() as {
    Resources: Record<
      string,
      { Type: string; Properties: { Family?: string; ContainerDefinitions?: Container[] } }
    >;
  };
  const out = new Map<string, Container>();
  for (const name of Object.keys(prod.services)) {
    const task = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::ECS::TaskDefinition' && r.Properties.Family === serviceFamily(prod, name),
    );
    const container = task?.Properties.ContainerDefinitions?.find((c) => c.Name === name);
    if (container) out.set(name, container);
  }
  return out;
}

describe('the contract round trip (talent)', () => {
  it('the env berth dev builds for each service loads in the runtime, libpq and region variables included', () => {
    for (const name of Object.keys(dev.services)) {
      const { env } = localEnv(dev, name, peers, 4100);
      const config = loadRuntimeConfig(env);
      expect(config.service).toBe(name);
      if (dev.services[name]!.uses.database) {
        expect(env).toMatchObject({
          PGHOST: '127.0.0.1',
          PGPORT: '54321',
          PGDATABASE: 'talent',
          PGUSER: 'postgres',
          PGPASSWORD: 'local-pw',
        });
        expect(env).not.toHaveProperty('PGSSLMODE');
        expect(config.database?.secret.password).toBe('local-pw');
      }
      expect(env.AWS_DEFAULT_REGION).toBe(env.AWS_REGION);
      expect(config.endpoints.s3).toBe(peers.s3Endpoint);
    }
  });

  let containers: Map<string, Container>;
  it('the env each prod task definition declares (plain env + secret names) loads in the runtime', () => {
    containers = prodContainers();
    expect([...containers.keys()].sort()).toEqual(Object.keys(prod.services).sort());
    for (const [name, c] of containers) {
      const env: Record<string, string> = {};
      for (const e of c.Environment ?? [])
        env[e.Name] = typeof e.Value === 'string' ? e.Value : standIn(e.Name);
      for (const s of c.Secrets ?? []) env[s.Name] = standIn(s.Name);
      const config = loadRuntimeConfig(env);
      expect(config.service).toBe(name);
      // Every variable of the contract is declared, through its channel.
      for (const v of contractFor(prod, name).variables.filter((x) => x.required)) {
        const declared = v.secret
          ? (c.Secrets ?? []).map((s) => s.Name)
          : (c.Environment ?? []).map((e) => e.Name);
        expect(declared, `${name}: ${v.name}`).toContain(v.name);
      }
    }
  });

  it('dev and prod give a service the same names, apart from local-only and cloud-only rows', () => {
    // By design: TLS mode, rotation ARN, AUTH token and configuration set exist only in the cloud (no TLS, rotation or
    // SES events locally); the allow-list exists only outside prod (prod mails everyone).
    const cloudOnly = new Set(
      [
        CONTRACT.pgSslMode,
        CONTRACT.databaseSecretArn,
        CONTRACT.cacheAuthToken,
        CONTRACT.mailConfigurationSet,
      ].map((e) => e.name),
    );
    const outsideProdOnly = CONTRACT.mailAllowList.name;
    const localOnly = new Set(
      [CONTRACT.s3Endpoint, CONTRACT.sesEndpoint, CONTRACT.secretsManagerEndpoint].map((e) => e.name),
    );
    for (const [name, c] of containers) {
      const cloud = new Set([...(c.Environment ?? []), ...(c.Secrets ?? [])].map((e) => e.Name));
      const local = new Set(Object.keys(localEnv(dev, name, peers, 4100).env));
      const missingLocally = [...cloud].filter(
        (n) => !local.has(n) && !cloudOnly.has(n) && n !== outsideProdOnly,
      );
      const missingInCloud = [...local].filter(
        (n) =>
          !cloud.has(n) &&
          !localOnly.has(n) &&
          n !== outsideProdOnly &&
          !n.startsWith('AWS_ACCESS_KEY') &&
          !n.startsWith('AWS_SECRET'),
      );
      expect({ name, missingLocally, missingInCloud }).toEqual({
        name,
        missingLocally: [],
        missingInCloud: [],
      });
    }
  });
});
