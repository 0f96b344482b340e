import { describe, expect, it } from 'vitest';
import {
  ASSUMPTIONS as A,
  compareEstimates,
  costDrivers,
  estimateStacks,
  estimateTemplate,
  HOURS_PER_MONTH as H,
  PRICES as P,
  REGION_MULTIPLIERS,
  type CfnTemplate,
  type CostEstimate,
} from '../src/index';

// Issue 29 item 5: cost you can trust. Regional multipliers only where AWS prices by region; the WAF's ACL, rules and
// requests each on their own line; `--compare` rows labelled with each environment's own resource, never twice; and
// the settings that move the total.

const tpl = (
  resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>,
): CfnTemplate => ({
  Resources: resources,
});
const SA = REGION_MULTIPLIERS['sa-east-1']!;
const lineOf = (e: CostEstimate, pattern: RegExp) => {
  const found = e.lines.filter((l) => pattern.test(l.resource));
  if (found.length !== 1)
    throw new Error(`${found.length} lines ${pattern} in ${e.lines.map((l) => l.resource).join(' | ')}`);
  return found[0]!;
};

const waf = (rules: number) => ({
  Type: 'AWS::WAFv2::WebACL',
  Properties: { Scope: 'REGIONAL', Rules: Array.from({ length: rules }, (_, i) => ({ Name: `R${i}` })) },
});

describe('regional multipliers only where AWS prices by region', () => {
  it('a public IPv4 address costs $0.005/h in sa-east-1 as in us-east-1; a Fargate task does not', () => {
    const e = estimateTemplate(
      tpl({
        Eip: { Type: 'AWS::EC2::EIP' },
        Td: {
          Type: 'AWS::ECS::TaskDefinition',
          Properties: { Cpu: '256', Memory: '512', Family: 'a-prod-api' },
        },
        Svc: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: { Ref: 'Td' },
            DesiredCount: 1,
            NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
          },
        },
      }),
      { region: 'sa-east-1' },
    );
    expect(lineOf(e, /Elastic IP/).unitPrice).toBeCloseTo(0.005 * H, 9);
    expect(lineOf(e, /public IPv4 address per task/).unitPrice).toBeCloseTo(0.005 * H, 9);
    expect(lineOf(e, /Fargate tasks/).unitPrice).toBeCloseTo(
      (0.25 * P.fargateVcpuX86.usd + 0.5 * P.fargateGbX86.usd) * H * SA,
      9,
    );
    // Each line says whether a regional level was applied, and where a flat price was read.
    expect(lineOf(e, /Elastic IP/).regional).toBe(false);
    expect(lineOf(e, /Fargate tasks/).regional).toBe(true);
    expect(P.publicIpv4Hour.everyRegion).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it("a load balancer's own hours take the multiplier, its public addresses do not", () => {
    const e = estimateTemplate(
      tpl({
        Lb: {
          Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
          Properties: { Scheme: 'internet-facing', Subnets: ['a', 'b'] },
        },
      }),
      { region: 'sa-east-1' },
    );
    expect(lineOf(e, /public IPv4/).monthly).toBeCloseTo(2 * 0.005 * H, 9);
    expect(lineOf(e, /Application Load Balancer/).monthly).toBeCloseTo(
      (P.albHour.usd + A.albLcus * P.albLcuHour.usd) * H * SA,
      9,
    );
  });

  it('a job that runs with a public IP pays for the address while it runs', () => {
    const e = estimateTemplate(
      tpl({
        Td: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '256', Memory: '512' } },
        Job: {
          Type: 'AWS::Scheduler::Schedule',
          Properties: {
            Name: 'stack-sync',
            ScheduleExpression: 'rate(1 hour)',
            Target: {
              EcsParameters: {
                TaskDefinitionArn: { Ref: 'Td' },
                NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
              },
            },
          },
        },
      }),
      { region: 'sa-east-1' },
    );
    expect(lineOf(e, /public IPv4/).monthly).toBeCloseTo(730 * 0.005 * (A.jobMinutesPerRun / 60), 9);
  });
});

describe('the WAF: ACL, rules and requests each on its own line', () => {
  it('prices the ACL, each rule and the requests inspected apart, the same in every region', () => {
    const e = estimateTemplate(tpl({ Acl: waf(4) }), { region: 'sa-east-1' });
    expect(lineOf(e, /^WAF web ACL$/).monthly).toBe(P.wafAcl.usd);
    const rules = lineOf(e, /^WAF rules$/);
    expect([rules.count, rules.unitPrice, rules.monthly]).toEqual([4, P.wafRule.usd, 4 * P.wafRule.usd]);
    const requests = lineOf(e, /^WAF requests inspected$/);
    expect(requests.monthly).toBeCloseTo(A.wafMillionRequests * P.wafRequestsMillion.usd, 9);
    expect(new Set(e.lines.map((l) => l.logicalId)).size).toBe(3);
    expect(e.monthly).toBeCloseTo(5 + 4 + A.wafMillionRequests * 0.6, 9);
  });
});

describe('--compare rows', () => {
  const env = (name: string, resources: CfnTemplate['Resources']) =>
    estimateStacks([{ stackName: `shop-${name}`, region: 'us-east-1', template: { Resources: resources } }], {
      env: name,
      app: 'shop',
    });
  // dev: a db.t3.micro instance and two alarms; prod: a db.m5.large with the same logical ID, alarms under other IDs,
  // log groups under other IDs, and a WAF.
  const dev = env('dev', {
    Db: {
      Type: 'AWS::RDS::DBInstance',
      Properties: { DBInstanceClass: 'db.t3.micro', AllocatedStorage: '20' },
    },
    AlarmA: { Type: 'AWS::CloudWatch::Alarm' },
    AlarmB: { Type: 'AWS::CloudWatch::Alarm' },
    LogsA: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
  });
  const prod = env('prod', {
    Db: {
      Type: 'AWS::RDS::DBInstance',
      Properties: { DBInstanceClass: 'db.m5.large', AllocatedStorage: '20' },
    },
    AlarmC: { Type: 'AWS::CloudWatch::Alarm' },
    AlarmA: { Type: 'AWS::CloudWatch::Alarm' },
    AlarmD: { Type: 'AWS::CloudWatch::Alarm' },
    LogsB: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
    LogsA: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
    Acl: waf(4),
  });
  const rows = compareEstimates([dev, prod]);
  const cells = (pattern: RegExp) => rows.filter((r) => pattern.test(r.label)).map((r) => r.monthly);

  it("labels each price with its own environment's resource: dev's price never sits on prod's instance class", () => {
    const devRow = rows.filter((r) => /db\.t3\.micro/.test(r.label));
    const prodRow = rows.filter((r) => /db\.m5\.large/.test(r.label));
    expect(devRow.map((r) => r.monthly)).toEqual([
      [dev.lines.find((l) => l.logicalId === 'Db')!.monthly, null],
    ]);
    expect(prodRow.map((r) => r.monthly)).toEqual([
      [null, prod.lines.find((l) => l.logicalId === 'Db')!.monthly],
    ]);
  });

  it('lists alarms and log groups once each, whatever their logical IDs', () => {
    expect(cells(/alarms/)).toEqual([[2 * P.alarm.usd, 3 * P.alarm.usd]]);
    expect(cells(/log groups/)).toHaveLength(1);
    const labels = rows.map((r) => r.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('puts the WAF ACL, its rules and its requests on three rows', () => {
    expect(cells(/^WAF web ACL$/)).toEqual([[null, 5]]);
    expect(cells(/^WAF rules$/)).toEqual([[null, 4]]);
    expect(cells(/^WAF requests inspected$/)).toEqual([
      [null, A.wafMillionRequests * P.wafRequestsMillion.usd],
    ]);
  });

  it("each environment's column adds up to its total", () => {
    for (const [i, e] of [dev, prod].entries())
      expect(rows.reduce((s, r) => s + (r.monthly[i] ?? 0), 0)).toBeCloseTo(e.monthly, 9);
  });
});

describe('what moves the total', () => {
  it('names the config key behind each of the largest lines, largest first', () => {
    const e = estimateTemplate(
      tpl({
        Cluster: {
          Type: 'AWS::RDS::DBCluster',
          Properties: { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } },
        },
        Writer: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.serverless' },
        },
        Reader: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.serverless' },
        },
        Nat: { Type: 'AWS::EC2::NatGateway' },
        Endpoint: {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: {
            VpcEndpointType: 'Interface',
            ServiceName: 'com.amazonaws.us-east-1.secretsmanager',
            SubnetIds: ['a', 'b', 'c'],
          },
        },
        Acl: waf(4),
      }),
    );
    const drivers = costDrivers(e);
    expect(drivers.map((d) => d.settings)).toEqual([
      ['database.minAcu', 'database.multiAz'],
      ['network.nat'],
      ['network.endpoints', 'network.azs'],
      ['edge.waf'],
    ]);
    expect(drivers[0]!.monthly).toBeCloseTo(2 * 0.5 * P.auroraAcuHour.usd * H, 9);
    for (let i = 1; i < drivers.length; i++)
      expect(drivers[i]!.monthly).toBeLessThanOrEqual(drivers[i - 1]!.monthly);
    // Every line of the estimate either names its setting or is usage the template cannot show.
    const storage = e.lines.find((l) => /storage/.test(l.resource))!;
    expect(storage.settings).toEqual([]);
  });
});
