import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { cidrsOverlap, resolve, stackName, type ResolvedApp } from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import {
  allStacks,
  BerthStack,
  buildApp,
  DATABASE_WRITER_MODES,
  DATABASE_WRITER_PARAMETER,
  PilotLight,
  STANDBY_LOGICAL_IDS,
  StandbyStack,
} from '../src/index';
import { PermissionsProven } from '../src/rules/index';
import { holdersOfTemplate } from '../src/rules/PermissionsProven';
import { talentResolved, withChanges } from './support';

function templates(r: ResolvedApp): { primary: Template; standby: Template } {
  const stacks = allStacks(buildApp(r));
  const standby = stacks.find((s) => s instanceof StandbyStack)!;
  const primary = stacks.find((s) => s.stackName === `${r.app}-${r.stage}`)!;
  return { primary: Template.fromStack(primary), standby: Template.fromStack(standby) };
}

// GIVEN hello-you prod (RDS PostgreSQL, standby us-west-2) WHEN synthesized THEN a standby stack holds the replica.
let rds: { primary: Template; standby: Template };
let aurora: { primary: Template; standby: Template };
beforeAll(() => {
  const r = resolve(helloYou, 'prod');
  rds = templates(r);
  const db = talentResolved('prod').database!;
  aurora = templates(withChanges(r, { database: { ...db, readReplica: false } }));
});

describe('PilotLight (RDS)', () => {
  it('replicates the database secret to the standby region', () => {
    rds.primary.hasResourceProperties('AWS::SecretsManager::Secret', {
      ReplicaRegions: [{ Region: 'us-west-2' }],
    });
  });
  it('creates a cross-region read replica of the primary instance, encrypted with a key of its region', () => {
    rds.standby.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        SourceRegion: 'us-east-1',
        // The primary instance's ARN, carried across regions (asserted below on the primary's side).
        SourceDBInstanceIdentifier: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^ExportsReader'), Match.anyValue()],
        },
        DBInstanceClass: 'db.t3.small',
        StorageEncrypted: Match.absent(),
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StandbyDatabaseKey'), 'Arn'] },
        PubliclyAccessible: false,
      }),
      DeletionPolicy: 'Retain',
    });
    expect(rds.standby.toJSON().Resources[STANDBY_LOGICAL_IDS.replica].Type).toBe('AWS::RDS::DBInstance');
    const source =
      rds.standby.toJSON().Resources[STANDBY_LOGICAL_IDS.replica].Properties.SourceDBInstanceIdentifier;
    expect(carriedValue(rds.primary, importedKey(source))).toEqual({
      'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(':rds:us-east-1:333333333333:db:')])],
    });
  });
  it('keeps the services at 0 tasks, without autoscaling, reading the regional secret replica', () => {
    rds.standby.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    rds.standby.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    rds.standby.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'hello-you-prod-standby-api',
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'AWS_REGION', Value: 'us-west-2' }]),
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'DATABASE_SECRET' })]),
        }),
      ],
    });
    expect(JSON.stringify(rds.standby.toJSON())).toContain('"us-west-2"');
  });
  it('answers DNS as SECONDARY while the primary answers as PRIMARY with a health check', () => {
    rds.primary.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ ResourcePath: '/health' }),
    });
    rds.primary.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.hello-you.example.org.',
      Failover: 'PRIMARY',
    });
    rds.standby.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.hello-you.example.org.',
      Failover: 'SECONDARY',
    });
  });
  it('reads the primary through CDK cross-region references, not lookups', () => {
    rds.standby.resourceCountIs('Custom::CrossRegionExportReader', 1);
  });
});

describe('PilotLight (Aurora)', () => {
  it('makes the primary cluster a global database and adds a secondary cluster in the standby region', () => {
    aurora.primary.hasResource('AWS::RDS::GlobalCluster', {
      Properties: Match.objectLike({
        GlobalClusterIdentifier: 'hello-you-prod',
        SourceDBClusterIdentifier: Match.anyValue(),
      }),
      // Kept when the stack goes; deleted when the create that made it rolls back (its identifier is fixed).
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    aurora.standby.hasResourceProperties('AWS::RDS::DBCluster', {
      GlobalClusterIdentifier: 'hello-you-prod',
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
    aurora.standby.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });
  it('refuses a standby for services that use buckets or mail', () => {
    const talent = talentResolved('prod');
    const standby = { region: 'us-west-2', tasks: 0, cidr: '10.1.0.0/16' };
    const edge = { ...talent.edge, hostedZoneId: 'Z0TALENT' };
    expect(() => buildApp(withChanges(talent, { standby, edge }))).toThrow(
      /service 'api' uses buckets \(resumes\), which the pilot-light standby does not replicate yet/,
    );
  });
});

describe('PilotLight validation', () => {
  const r = resolve(helloYou, 'prod');
  const primary = () =>
    allStacks(buildApp(withChanges(r, { standby: null }))).find(
      (s): s is BerthStack => s instanceof BerthStack,
    )!;
  it('refuses an environment without a standby region', () => {
    const stack = primary();
    expect(
      () =>
        new PilotLight(stack, 'Again', {
          resolved: withChanges(r, { standby: null }),
          database: stack.database!,
          network: stack.network,
        }),
    ).toThrow(/Again: the environment has no standby region/);
  });
  it('refuses an app without a database', () => {
    const stack = primary();
    expect(
      () =>
        new PilotLight(stack, 'Again', {
          resolved: withChanges(r, { database: null }),
          database: stack.database!,
          network: stack.network,
        }),
    ).toThrow(/Again: a pilot light replicates the database; the app has none/);
  });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The CIDR of the one AWS::EC2::VPC of a template. */
function vpcCidr(t: Template): string {
  const vpcs = Object.values(t.toJSON().Resources as Json).filter((x: Json) => x.Type === 'AWS::EC2::VPC');
  expect(vpcs).toHaveLength(1);
  return vpcs[0].Properties.CidrBlock as string;
}

/** The value a standby template reads through the CDK cross-region reader: the export key it names. */
function importedKey(value: unknown): string {
  const getAtt = (value as Json)['Fn::GetAtt'] as [string, string];
  expect(getAtt[0]).toMatch(/^ExportsReader/);
  return getAtt[1];
}

/** The primary's export writer: key → the value written under it. */
function exportsOf(primary: Template): Record<string, Json> {
  const writers = Object.values(primary.toJSON().Resources as Json).filter(
    (x: Json) => x.Type === 'Custom::CrossRegionExportWriter',
  );
  expect(writers).toHaveLength(1);
  return writers[0].Properties.WriterProps.exports as Record<string, Json>;
}

/** What an exported key carries: the Value of the SSM parameter (carriedAcrossRegions) it reads. */
function carriedValue(primary: Template, key: string): unknown {
  const exported = exportsOf(primary)[key];
  expect(exported, `the primary exports ${key}`).toBeDefined();
  const [parameter, attribute] = exported!['Fn::GetAtt'] as [string, string];
  expect(attribute).toBe('Value');
  return primary.toJSON().Resources[parameter].Properties.Value;
}

function standbyContainer(t: Template): Json {
  const defs = Object.values(t.toJSON().Resources as Json).filter(
    (x: Json) => x.Type === 'AWS::ECS::TaskDefinition',
  );
  expect(defs).toHaveLength(1);
  return defs[0].Properties.ContainerDefinitions[0];
}

function envOf(container: Json, name: string): unknown {
  const entry = (container.Environment as Json[]).find((e) => e.Name === name);
  expect(entry, `${name} in the standby's task`).toBeDefined();
  return entry!.Value;
}

describe('PilotLight network: standby tasks reach the primary database', () => {
  it("gives the two regions' VPCs CIDRs that do not overlap (standby: the block after the primary's)", () => {
    const primary = vpcCidr(rds.primary);
    const standby = vpcCidr(rds.standby);
    expect([primary, standby]).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(cidrsOverlap(primary, standby)).toBe(false);
    // A configured standby.cidr is used as given.
    const r = resolve({ ...helloYou, standby: { region: 'us-west-2', cidr: '172.20.0.0/16' } }, 'prod');
    expect(vpcCidr(templates(r).standby)).toBe('172.20.0.0/16');
  });

  it('peers the standby VPC with the primary VPC in the primary region (same account: no peer role)', () => {
    const peering = rds.standby.toJSON().Resources[STANDBY_LOGICAL_IDS.peering];
    expect(peering.Type).toBe('AWS::EC2::VPCPeeringConnection');
    expect(peering.Properties.PeerRegion).toBe('us-east-1');
    expect(peering.Properties.PeerRoleArn).toBeUndefined();
    expect(peering.Properties.VpcId).toEqual({
      Ref: expect.stringMatching(/^StandbyNetworkVpc[0-9A-F]{8}$/),
    });
    // PeerVpcId is the primary's VPC, carried across regions.
    const key = importedKey(peering.Properties.PeerVpcId);
    expect(carriedValue(rds.primary, key)).toEqual({ Ref: expect.stringMatching(/^NetworkVpc[0-9A-F]{8}$/) });
  });

  it('routes both ways: standby task subnets → primary CIDR, primary data subnets → standby CIDR', () => {
    const resources = rds.standby.toJSON().Resources as Json;
    const standbyRoutes = Object.values(resources).filter(
      (x: Json) => x.Type === 'AWS::EC2::Route' && x.Properties.VpcPeeringConnectionId,
    );
    // One per task (App) subnet, each in its own route table.
    expect(standbyRoutes).toHaveLength(3);
    for (const route of standbyRoutes) {
      expect(route.Properties.DestinationCidrBlock).toBe('10.0.0.0/16');
      expect(route.Properties.VpcPeeringConnectionId).toEqual({ Ref: STANDBY_LOGICAL_IDS.peering });
      expect(route.Properties.RouteTableId.Ref).toMatch(/^StandbyNetworkVpcAppSubnet\dRouteTable/);
    }
    // The primary side: an EC2 CreateRoute call in us-east-1 per data-subnet route table of the primary.
    const primaryRoutes = Object.entries(resources).filter(
      ([, x]: [string, Json]) => x.Type === 'Custom::AWS',
    );
    expect(primaryRoutes).toHaveLength(3);
    const tableKeys = new Set<string>();
    primaryRoutes.forEach(([, x]: [string, Json], i) => {
      const create = JSON.stringify(x.Properties.Create);
      expect(create).toContain('"service\\":\\"EC2\\"');
      expect(create).toContain('"action\\":\\"createRoute\\"');
      expect(create).toContain('"region\\":\\"us-east-1\\"');
      expect(create).toContain('"DestinationCidrBlock\\":\\"10.1.0.0/16\\"');
      expect(JSON.stringify(x.Properties.Delete)).toContain('"action\\":\\"deleteRoute\\"');
      // RouteTableId: the i-th of the primary's data route tables, read through the cross-region reader.
      const select = JSON.stringify(x.Properties.Create).match(/ExportsReader[^"]*","([^"]+)/);
      expect(select, 'the route table id comes from the export reader').not.toBeNull();
      tableKeys.add(select![1]!);
      expect(JSON.stringify(x.Properties.Create)).toContain(`{"Fn::Select":[${i},`);
    });
    expect(tableKeys.size).toBe(1);
    const carried = carriedValue(rds.primary, [...tableKeys][0]!) as Json;
    const joined = carried['Fn::Join'] as [string, Json[]];
    expect(joined[0]).toBe(',');
    expect(joined[1].map((x) => x.Ref)).toEqual([
      expect.stringMatching(/^NetworkVpcDataSubnet1RouteTable/),
      expect.stringMatching(/^NetworkVpcDataSubnet2RouteTable/),
      expect.stringMatching(/^NetworkVpcDataSubnet3RouteTable/),
    ]);
  });

  it('the routing function may route only those tables to that peering connection', () => {
    const policies = Object.values(rds.standby.toJSON().Resources as Json).filter(
      (x: Json) => x.Type === 'AWS::IAM::Policy' && JSON.stringify(x).includes('ec2:CreateRoute'),
    );
    expect(policies).toHaveLength(3);
    for (const p of policies) {
      const resources = JSON.stringify(p.Properties.PolicyDocument.Statement.map((s: Json) => s.Resource));
      expect(resources).not.toMatch(/route-table\/\*|vpc-peering-connection\/\*/);
      expect(resources).toContain(':route-table/');
      expect(resources).toContain(`:vpc-peering-connection/",{"Ref":"${STANDBY_LOGICAL_IDS.peering}"}`);
    }
  });

  it('keeps the primary-region route resources across an AZ change, and makes new ones for a new destination', () => {
    const ids = (t: Template) =>
      Object.entries(t.toJSON().Resources as Json)
        .filter(([, x]: [string, Json]) => x.Type === 'Custom::AWS')
        .map(([id]) => id)
        .sort();
    const base = ids(rds.standby);
    expect(base).toHaveLength(3);
    const twoAzs = ids(templates(resolve({ ...helloYou, network: { azs: 2 } }, 'prod')).standby);
    // Two of the same three: the third AZ's route goes, the others are not re-created (no duplicate route).
    expect(twoAzs).toHaveLength(2);
    expect(base).toEqual(expect.arrayContaining(twoAzs));
    const elsewhere = ids(
      templates(resolve({ ...helloYou, standby: { region: 'us-west-2', cidr: '172.20.0.0/16' } }, 'prod'))
        .standby,
    );
    expect(elsewhere.filter((id) => base.includes(id))).toEqual([]);
  });

  it("admits the standby's CIDR on 5432 to the primary database (a peer region's SG cannot be named)", () => {
    const resources = rds.primary.toJSON().Resources as Json;
    const dbGroup = Object.entries(resources).find(
      ([id, x]: [string, Json]) =>
        x.Type === 'AWS::EC2::SecurityGroup' && id.startsWith('DatabaseSecurityGroup'),
    )![0];
    const ingress = [
      ...Object.values(resources)
        .filter((x: Json) => x.Type === 'AWS::EC2::SecurityGroupIngress')
        .map((x: Json) => x.Properties),
      ...((resources[dbGroup].Properties.SecurityGroupIngress as Json[]) ?? []).map((x) => ({
        ...x,
        GroupId: { 'Fn::GetAtt': [dbGroup, 'GroupId'] },
      })),
    ].filter((x) => x.CidrIp === '10.1.0.0/16');
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      GroupId: { 'Fn::GetAtt': [dbGroup, 'GroupId'] },
    });
  });
});

describe("PilotLight: the standby's database host follows the runbook's promotion", () => {
  it("PGHOST is the primary's writer with DatabaseWriter=primary, the promoted replica with 'promoted'", () => {
    const t = rds.standby.toJSON();
    expect(t.Parameters[DATABASE_WRITER_PARAMETER]).toMatchObject({
      Type: 'String',
      Default: 'primary',
      AllowedValues: [...DATABASE_WRITER_MODES],
    });
    expect(t.Conditions.DatabasePromoted).toEqual({
      'Fn::Equals': [{ Ref: DATABASE_WRITER_PARAMETER }, 'promoted'],
    });
    const pgHost = envOf(standbyContainer(rds.standby), 'PGHOST') as Json;
    const [condition, promoted, primary] = pgHost['Fn::If'] as [string, Json, Json];
    expect(condition).toBe('DatabasePromoted');
    expect(promoted).toEqual({ 'Fn::GetAtt': [STANDBY_LOGICAL_IDS.replica, 'Endpoint.Address'] });
    expect(carriedValue(rds.primary, importedKey(primary))).toEqual({
      'Fn::GetAtt': ['DatabaseInstance', 'Endpoint.Address'],
    });
    // Reads stay local in both modes.
    expect(envOf(standbyContainer(rds.standby), 'DATABASE_READ_HOST')).toEqual({
      'Fn::GetAtt': [STANDBY_LOGICAL_IDS.replica, 'Endpoint.Address'],
    });
  });

  it('Aurora: the promoted writer is the secondary cluster', () => {
    const pgHost = envOf(standbyContainer(aurora.standby), 'PGHOST') as Json;
    const [, promoted, primary] = pgHost['Fn::If'] as [string, Json, Json];
    expect(promoted).toEqual({ 'Fn::GetAtt': [STANDBY_LOGICAL_IDS.cluster, 'Endpoint.Address'] });
    expect(carriedValue(aurora.primary, importedKey(primary))).toEqual({
      'Fn::GetAtt': ['DatabaseCluster', 'Endpoint.Address'],
    });
  });
});

describe('PilotLight: cross-region values change key when they change', () => {
  const keyOfReplicaSource = (t: Template) =>
    importedKey(t.toJSON().Resources[STANDBY_LOGICAL_IDS.replica].Properties.SourceDBInstanceIdentifier);
  const secretKey = (t: Template) =>
    JSON.stringify(standbyContainer(t).Secrets).match(/ExportsReader[^"]*","([^"]+)/)![1];

  it('the same config keeps its keys; a replaced database (new name) moves to a new key', () => {
    const again = templates(resolve(helloYou, 'prod'));
    expect(keyOfReplicaSource(again.standby)).toBe(keyOfReplicaSource(rds.standby));
    const r = resolve(helloYou, 'prod');
    const renamed = templates(withChanges(r, { database: { ...r.database!, name: 'helloyou2' } }));
    expect(keyOfReplicaSource(renamed.standby)).not.toBe(keyOfReplicaSource(rds.standby));
    // The new key carries the new instance's ARN.
    expect(JSON.stringify(carriedValue(renamed.primary, keyOfReplicaSource(renamed.standby)))).toContain(
      'DatabaseInstance',
    );
  });

  it("the secret replica's ARN is carried too (the standby's DATABASE_SECRET follows a replaced secret)", () => {
    const key = secretKey(rds.standby)!;
    expect(carriedValue(rds.primary, key)).toEqual({
      Ref: expect.stringMatching(/^DatabaseInstanceSecretAttachment/),
    });
  });
});

describe('PilotLight: deployer and runbook', () => {
  it("the deployer may read the standby's template for berth diff (Berth-PermissionsProven)", () => {
    const r = resolve({ ...helloYou, github: { repository: 'hello-you/api' } }, 'prod');
    expect(r.github).toBeDefined();
    const primary = templates(r).primary.toJSON();
    expect(PermissionsProven.check({ template: primary, resolved: r })).toEqual([]);
    const stripped = structuredClone(primary) as Json;
    for (const x of Object.values(stripped.Resources as Json))
      if (x.Type === 'AWS::IAM::Policy')
        for (const st of x.Properties.PolicyDocument.Statement as Json[])
          if (Array.isArray(st.Action))
            st.Action = st.Action.filter((a: string) => a !== 'cloudformation:GetTemplate');
    const found = PermissionsProven.check({ template: stripped, resolved: r }).map((v) => v.message);
    expect(
      found.filter((m) => m.includes(':us-west-2:') && m.includes('cloudformation:GetTemplate')),
    ).toHaveLength(1);
  });

  it("the runbook's names, parameters and stack names are the template's", () => {
    const runbook = readFileSync(new URL('../../../docs/runbooks/pilot-light.md', import.meta.url), 'utf8');
    const standby = rds.standby.toJSON();
    // Every logical ID the runbook names in backticks exists in the standby template (or the primary's).
    const named = [...runbook.matchAll(/`(Standby[A-Za-z]+|DatabaseWriter)`/g)].map((m) => m[1]!);
    expect(named).toEqual(
      expect.arrayContaining(['StandbyPeering', 'StandbyDatabaseReplica', 'DatabaseWriter']),
    );
    for (const id of new Set(named)) {
      const inTemplates =
        id in standby.Resources ||
        id in (standby.Parameters ?? {}) ||
        id in aurora.standby.toJSON().Resources;
      expect(inTemplates, `${id} (named by the runbook)`).toBe(true);
    }
    // The promotion command: every parameter it sets exists, and it names every parameter the stack has (others
    // would fall back to their defaults).
    const command = runbook.match(/aws cloudformation update-stack[^`]*`[^`]*`/)?.[0] ?? '';
    expect(command).toContain('--use-previous-template');
    const keys = [...runbook.matchAll(/ParameterKey=(\w+)/g)].map((m) => m[1]!);
    expect(new Set(keys)).toEqual(new Set([...Object.keys(standby.Parameters), 'ImageTag']));
    expect(runbook).toContain(`ParameterKey=${DATABASE_WRITER_PARAMETER},ParameterValue=promoted`);
    expect(runbook).toContain(`ParameterValue=primary`);
    expect(runbook).toContain('--stack-name <app>-<stage>-standby');
    expect(stackName(resolve(helloYou, 'prod'), 'standby')).toBe('hello-you-prod-standby');
    // The modes table names the values the parameter allows, and says which host each gives.
    for (const mode of DATABASE_WRITER_MODES)
      expect(runbook).toMatch(new RegExp(`\\| \`${mode}\`( \\(default\\))? \\|`));
    expect(runbook).toMatch(/`primary` \(default\) \| the primary database's writer endpoint/);
    expect(runbook).toMatch(/`promoted` \| the standby's own database: `StandbyDatabaseReplica`'s endpoint/);
    // The standby stack's outputs the runbook reads exist.
    for (const key of ['DatabaseIdentifier', 'ClusterName']) {
      expect(runbook).toContain(`\`${key}\``);
      expect(Object.keys(standby.Outputs)).toContain(key);
    }
    expect(runbook).toContain('`Service<Name>Name`');
    expect(Object.keys(standby.Outputs)).toContain('ServiceApiName');
    // The CIDR default the runbook states is the one synthesized.
    expect(runbook).toContain(`\`10.0.0.0/16\` → \`${vpcCidr(rds.standby)}\``);
  });
});

describe('PilotLight: day-2 commands reach the standby', () => {
  it('the standby stack has the runbook outputs and an operator policy that Berth-PermissionsProven proves', () => {
    const t = rds.standby.toJSON();
    expect(Object.keys(t.Outputs)).toEqual(
      expect.arrayContaining(['ClusterName', 'ServiceApiName', 'ServiceApiLogGroup', 'OperatorPolicyArn']),
    );
    const r = resolve(helloYou, 'prod');
    const policies = Object.values(t.Resources as Json).filter(
      (x: Json) => x.Type === 'AWS::IAM::ManagedPolicy',
    );
    expect(policies.map((p) => p.Properties.ManagedPolicyName)).toEqual(['hello-you-prod-standby-operator']);
    const { holders } = holdersOfTemplate({ template: t, resolved: r, region: 'us-west-2' });
    const operator = holders.find((h) => h.kind === 'operator');
    expect(operator?.calls.map((c) => c.action)).toEqual(
      expect.arrayContaining([
        'cloudformation:DescribeStacks',
        'ecs:DescribeServices',
        'logs:FilterLogEvents',
      ]),
    );
    expect(PermissionsProven.check({ template: t, resolved: r, region: 'us-west-2' })).toEqual([]);
    // The standby's own database: its state is what the runbook's promotion waits for.
    expect(t.Outputs.DatabaseIdentifier.Value).toEqual({ Ref: STANDBY_LOGICAL_IDS.replica });
    expect(t.Outputs.DatabaseKind.Value).toBe('instance');
    expect(operator?.calls).toContainEqual(
      expect.objectContaining({
        action: 'rds:DescribeDBInstances',
        resource: expect.stringContaining(':db:'),
      }),
    );
    const aurora2 = aurora.standby.toJSON();
    expect(aurora2.Outputs.DatabaseIdentifier.Value).toEqual({ Ref: STANDBY_LOGICAL_IDS.cluster });
    expect(aurora2.Outputs.DatabaseKind.Value).toBe('cluster');
    // Without its Logs statement, berth logs --standby is a finding.
    const stripped = structuredClone(t) as Json;
    for (const x of Object.values(stripped.Resources as Json))
      if (x.Type === 'AWS::IAM::ManagedPolicy')
        x.Properties.PolicyDocument.Statement = x.Properties.PolicyDocument.Statement.filter(
          (s: Json) => s.Sid !== 'Logs',
        );
    const found = PermissionsProven.check({ template: stripped, resolved: r, region: 'us-west-2' });
    expect(found.map((f) => f.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^operator policy may not logs:FilterLogEvents on arn:aws:logs:us-west-2:/),
      ]),
    );
    const withoutDb = structuredClone(t) as Json;
    for (const x of Object.values(withoutDb.Resources as Json))
      if (x.Type === 'AWS::IAM::ManagedPolicy')
        x.Properties.PolicyDocument.Statement = x.Properties.PolicyDocument.Statement.filter(
          (s: Json) => s.Sid !== 'Database',
        );
    expect(
      PermissionsProven.check({ template: withoutDb, resolved: r, region: 'us-west-2' }).map(
        (f) => f.message,
      ),
    ).toEqual([
      expect.stringMatching(/^operator policy may not rds:DescribeDBInstances on arn:aws:rds:us-west-2:/),
    ]);
    expect(found.map((f) => f.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^operator policy may not logs:FilterLogEvents on arn:aws:logs:us-west-2:/),
      ]),
    );
  });
});
