import { describe, expect, it } from 'vitest';
import { resolve, type AppConfig } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import {
  ASSUMPTIONS as A,
  estimateCost,
  estimateTemplate,
  HOURS_PER_MONTH as H,
  PRICES as P,
  PRICERS,
  REGION_MULTIPLIERS,
  runsPerMonth,
  type CfnTemplate,
  type CostEstimate,
} from '../src/index';

const tpl = (
  resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>,
): CfnTemplate => ({
  Resources: resources,
});
const line = (e: CostEstimate, pattern: RegExp) => {
  const found = e.lines.find((l) => pattern.test(l.resource));
  if (!found) throw new Error(`no line ${pattern} in ${e.lines.map((l) => l.resource).join(' | ')}`);
  return found;
};
const x86 = (vcpu: number, gb: number) => vcpu * P.fargateVcpuX86.usd + gb * P.fargateGbX86.usd;

const taskDefinition = (cpu: string, memory: string, arch = 'X86_64') => ({
  Type: 'AWS::ECS::TaskDefinition',
  Properties: { Cpu: cpu, Memory: memory, Family: 'app-dev-api', RuntimePlatform: { CpuArchitecture: arch } },
});

describe('pricing each resource type', () => {
  it('Fargate on demand: desired count × (vCPU + GB) × 730 h', () => {
    // GIVEN a service of 2 tasks of 0.5 vCPU / 1 GB on x86
    const e = estimateTemplate(
      tpl({
        Td: taskDefinition('512', '1024'),
        Svc: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: { Ref: 'Td' }, DesiredCount: 2 } },
      }),
    );
    // THEN
    expect(line(e, /Fargate/).monthly).toBeCloseTo(2 * x86(0.5, 1) * H, 6);
    expect(line(e, /Fargate/).count).toBe(2);
  });

  it('Fargate arm64 uses the Graviton prices; Spot takes the discount; the scalable target minimum wins', () => {
    const e = estimateTemplate(
      tpl({
        Td: taskDefinition('1024', '2048', 'ARM64'),
        Svc: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: { Ref: 'Td' },
            DesiredCount: 1,
            CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
          },
        },
        Target: {
          Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
          Properties: {
            MinCapacity: 4,
            MaxCapacity: 10,
            ResourceId: {
              'Fn::Join': ['', ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': ['Svc', 'Name'] }]],
            },
          },
        },
      }),
    );
    const arm = 1 * P.fargateVcpuArm.usd + 2 * P.fargateGbArm.usd;
    expect(line(e, /Fargate/).monthly).toBeCloseTo(4 * arm * H * (1 - P.fargateSpotDiscount.usd), 6);
    expect(line(e, /Fargate/).resource).toMatch(/arm64, Spot/);
  });

  it('tasks with public IPs pay for the addresses', () => {
    const e = estimateTemplate(
      tpl({
        Td: taskDefinition('256', '512'),
        Svc: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: { Ref: 'Td' },
            DesiredCount: 3,
            NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
          },
        },
      }),
    );
    expect(line(e, /public IPv4/).monthly).toBeCloseTo(3 * P.publicIpv4Hour.usd * H, 6);
  });

  it('EC2 capacity: ASG minimum size × instance price (+ root volume)', () => {
    const e = estimateTemplate(
      tpl({
        Lt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { InstanceType: 't3.medium' } },
        },
        Asg: {
          Type: 'AWS::AutoScaling::AutoScalingGroup',
          Properties: { MinSize: '2', MaxSize: '4', LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' } } },
        },
      }),
    );
    expect(line(e, /EC2 capacity/).monthly).toBeCloseTo(
      2 * (0.0416 * H + A.ec2CapacityRootGb * P.ebsGp3Gb.usd),
      6,
    );
  });

  it('ALB: hours + assumed LCUs, and one public IPv4 per subnet when internet-facing', () => {
    const e = estimateTemplate(
      tpl({
        Lb: {
          Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
          Properties: { Scheme: 'internet-facing', Subnets: ['a', 'b', 'c'], Type: 'application' },
        },
      }),
    );
    expect(line(e, /Application Load Balancer/).monthly).toBeCloseTo(
      (P.albHour.usd + A.albLcus * P.albLcuHour.usd) * H,
      6,
    );
    expect(line(e, /Application Load Balancer/).assumption).toMatch(/LCU/);
    expect(line(e, /public IPv4/).count).toBe(3);
  });

  it('NAT gateways: hours + assumed GB each; their EIPs are public IPv4 addresses', () => {
    const e = estimateTemplate(
      tpl({
        N1: { Type: 'AWS::EC2::NatGateway' },
        N2: { Type: 'AWS::EC2::NatGateway' },
        E1: { Type: 'AWS::EC2::EIP' },
        E2: { Type: 'AWS::EC2::EIP' },
      }),
    );
    expect(line(e, /NAT/).monthly).toBeCloseTo(2 * (P.natHour.usd * H + A.natGbPerGateway * P.natGb.usd), 6);
    expect(line(e, /Elastic IP/).monthly).toBeCloseTo(2 * P.publicIpv4Hour.usd * H, 6);
  });

  it('interface endpoints: per AZ (subnet); gateway endpoints are free', () => {
    const e = estimateTemplate(
      tpl({
        Ecr: {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: {
            VpcEndpointType: 'Interface',
            ServiceName: 'com.amazonaws.us-east-1.ecr.dkr',
            SubnetIds: ['a', 'b', 'c'],
          },
        },
        S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
      }),
    );
    expect(e.lines).toHaveLength(1);
    expect(line(e, /ecr\.dkr/).monthly).toBeCloseTo(3 * P.interfaceEndpointAzHour.usd * H, 6);
  });

  const aurora = (min: number, instances: number) =>
    tpl({
      Cluster: {
        Type: 'AWS::RDS::DBCluster',
        Properties: {
          Engine: 'aurora-postgresql',
          ServerlessV2ScalingConfiguration: { MinCapacity: min, MaxCapacity: 4 },
        },
      },
      ...Object.fromEntries(
        Array.from({ length: instances }, (_, i) => [
          `I${i}`,
          {
            Type: 'AWS::RDS::DBInstance',
            Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.serverless' },
          },
        ]),
      ),
    });

  it('Aurora Serverless v2: min ACU × hours per cluster instance (a reader doubles it) + storage', () => {
    const one = estimateTemplate(aurora(0.5, 1));
    const two = estimateTemplate(aurora(0.5, 2));
    expect(line(one, /Aurora Serverless v2/).monthly).toBeCloseTo(0.5 * P.auroraAcuHour.usd * H, 6);
    expect(line(two, /Aurora Serverless v2/).monthly).toBeCloseTo(2 * 0.5 * P.auroraAcuHour.usd * H, 6);
    expect(line(one, /Aurora storage/).monthly).toBeCloseTo(
      A.auroraStorageGb * P.auroraStorageGb.usd + A.auroraIoMillions * P.auroraIoMillion.usd,
      6,
    );
  });

  it('Aurora at 0 ACU pauses: storage only', () => {
    const e = estimateTemplate(aurora(0, 1));
    expect(line(e, /Aurora Serverless v2/).monthly).toBe(0);
    expect(line(e, /Aurora Serverless v2/).assumption).toMatch(/pauses/);
    expect(e.monthly).toBeCloseTo(line(e, /Aurora storage/).monthly, 6);
  });

  it('RDS instance: hours ×2 for Multi-AZ, storage ×2; a read replica adds an instance and its storage', () => {
    const e = estimateTemplate(
      tpl({
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceClass: 'db.t3.medium', MultiAZ: true, AllocatedStorage: '20' },
        },
        Replica: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceClass: 'db.t3.medium', SourceDBInstanceIdentifier: { Ref: 'Db' } },
        },
      }),
    );
    expect(line(e, /db\.t3\.medium Multi-AZ$/).monthly).toBeCloseTo(2 * 0.072 * H, 6);
    expect(line(e, /storage 20 GB gp3 Multi-AZ$/).monthly).toBeCloseTo(40 * P.rdsGp3Gb.usd, 6);
    expect(line(e, /db\.t3\.medium \(read replica\)/).monthly).toBeCloseTo(0.072 * H, 6);
    expect(line(e, /storage 20 GB gp3 \(read replica\)/).monthly).toBeCloseTo(20 * P.rdsGp3Gb.usd, 6);
  });

  it('ElastiCache: node type × NumCacheClusters; valkey 20% less', () => {
    const e = estimateTemplate(
      tpl({
        Redis: {
          Type: 'AWS::ElastiCache::ReplicationGroup',
          Properties: { Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumCacheClusters: 3 },
        },
        Valkey: {
          Type: 'AWS::ElastiCache::ReplicationGroup',
          Properties: { Engine: 'valkey', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 },
        },
      }),
    );
    expect(line(e, /redis nodes/).monthly).toBeCloseTo(3 * 0.068 * H, 6);
    expect(line(e, /valkey nodes/).monthly).toBeCloseTo(0.017 * 0.8 * H, 6);
  });

  it('CloudFront, Route 53, secrets, alarms, dashboards, SES, S3, ECR, KMS', () => {
    const e = estimateTemplate(
      tpl({
        Cdn: { Type: 'AWS::CloudFront::Distribution' },
        Zone: { Type: 'AWS::Route53::HostedZone' },
        Check: { Type: 'AWS::Route53::HealthCheck' },
        S1: { Type: 'AWS::SecretsManager::Secret' },
        S2: { Type: 'AWS::SecretsManager::Secret' },
        A1: { Type: 'AWS::CloudWatch::Alarm' },
        A2: { Type: 'AWS::CloudWatch::Alarm' },
        A3: { Type: 'AWS::CloudWatch::Alarm' },
        Dash: { Type: 'AWS::CloudWatch::Dashboard' },
        Mail: { Type: 'AWS::SES::EmailIdentity' },
        Bucket: { Type: 'AWS::S3::Bucket' },
        Repo: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'app/api' } },
        Key: { Type: 'AWS::KMS::Key' },
      }),
    );
    expect(line(e, /CloudFront/).monthly).toBeCloseTo(
      A.cloudfrontGb * P.cloudfrontGb.usd + A.cloudfrontMillionRequests * 100 * P.cloudfrontHttps10k.usd,
      6,
    );
    expect(line(e, /hosted zone/).monthly).toBe(P.route53Zone.usd);
    expect(line(e, /health checks/).monthly).toBe(P.route53HealthCheck.usd);
    expect(line(e, /Secrets Manager/).monthly).toBeCloseTo(2 * P.secret.usd, 6);
    expect(line(e, /alarms/).monthly).toBeCloseTo(3 * P.alarm.usd, 6);
    expect(line(e, /dashboards/).monthly).toBe(P.dashboard.usd);
    expect(line(e, /SES/).monthly).toBeCloseTo((A.emailsPerMonth / 1000) * P.sesThousand.usd, 6);
    expect(line(e, /S3 bucket/).monthly).toBeCloseTo(A.bucketGb * P.s3StandardGb.usd, 6);
    expect(line(e, /ECR repository app\/api/).monthly).toBeCloseTo(A.ecrGbPerRepository * P.ecrGb.usd, 6);
    expect(line(e, /KMS/).monthly).toBe(P.kmsKey.usd);
  });

  it('log groups: ingestion + storage for their retention; VPC flow logs as vended logs', () => {
    const e = estimateTemplate(
      tpl({
        Svc: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
        FlowGroup: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 14 } },
        Flow: {
          Type: 'AWS::EC2::FlowLog',
          Properties: { LogGroupName: { Ref: 'FlowGroup' }, TrafficType: 'REJECT' },
        },
      }),
    );
    expect(line(e, /log groups/).count).toBe(1);
    expect(line(e, /log groups/).monthly).toBeCloseTo(
      A.logGbPerGroup * (P.logsIngestGb.usd + 1 * P.logsStorageGb.usd),
      6,
    );
    expect(line(e, /flow logs/).monthly).toBeCloseTo(A.flowLogGb * P.vendedLogsGb.usd, 6);
  });

  it('EventBridge Scheduler jobs: invocations + Fargate minutes per run at the overridden size', () => {
    const e = estimateTemplate(
      tpl({
        Td: taskDefinition('256', '512'),
        JobPurge: {
          Type: 'AWS::Scheduler::Schedule',
          Properties: {
            ScheduleExpression: 'rate(1 hour)',
            Target: {
              EcsParameters: { TaskDefinitionArn: { Ref: 'Td' } },
              Input: JSON.stringify({ cpu: '1024', memory: '2048' }),
            },
          },
        },
      }),
    );
    const runs = 730;
    expect(line(e, /: runs \(/).count).toBeCloseTo(runs, 6);
    expect(line(e, /: runs \(/).monthly).toBeCloseTo(runs * x86(1, 2) * (A.jobMinutesPerRun / 60), 6);
    expect(line(e, /scheduler invocations/).monthly).toBeCloseTo((runs / 1e6) * P.schedulerMillion.usd, 9);
  });

  it('a bastion instance: hours + root volume', () => {
    const e = estimateTemplate(
      tpl({ BastionHost: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't4g.nano' } } }),
    );
    expect(line(e, /bastion/).monthly).toBeCloseTo(0.0042 * H + A.ebsRootGb * P.ebsGp3Gb.usd, 6);
  });

  it('regions: a multiplier from the table, else us-east-1 prices and a note saying so', () => {
    const t = tpl({ S: { Type: 'AWS::SecretsManager::Secret' } });
    expect(estimateTemplate(t, { region: 'sa-east-1' }).monthly).toBeCloseTo(
      P.secret.usd * REGION_MULTIPLIERS['sa-east-1']!,
      9,
    );
    const other = estimateTemplate(t, { region: 'me-central-1' });
    expect(other.monthly).toBe(P.secret.usd);
    expect(other.regions[0]!.note).toMatch(/approximated by us-east-1 prices/);
  });

  it('unknown types are listed as not priced, unknown instance types warn', () => {
    const e = estimateTemplate(
      tpl({
        Fn: { Type: 'AWS::Lambda::Function' },
        Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.x99.huge' } },
      }),
    );
    expect(e.notPriced['AWS::Lambda::Function']).toBe(1);
    expect(e.warnings.join()).toMatch(/db\.x99\.huge/);
  });

  it('schedules: runs per month from rate() and cron()', () => {
    expect(runsPerMonth('rate(1 hour)')).toBe(730);
    expect(runsPerMonth('rate(15 minutes)')).toBe(2920);
    expect(runsPerMonth('cron(0 9 * * ? *)')).toBeCloseTo(30.42, 2);
    expect(runsPerMonth('cron(0 */6 * * ? *)')).toBeCloseTo(4 * 30.42, 2);
    expect(runsPerMonth('cron(0 9 ? * MON-FRI *)')).toBeCloseTo(5 * 4.35, 2);
  });
});

describe('the talent app', () => {
  const dev = estimateCost(resolve(talent, 'dev'));
  const staging = estimateCost(resolve(talent, 'staging'));
  const prod = estimateCost(resolve(talent, 'prod'));

  it('costs dev < staging < prod', () => {
    expect(dev.monthly).toBeLessThan(staging.monthly);
    expect(staging.monthly).toBeLessThan(prod.monthly);
  });

  it('the total is the sum of its lines', () => {
    for (const e of [dev, staging, prod]) {
      expect(e.monthly).toBeCloseTo(
        e.lines.reduce((s, l) => s + l.monthly, 0),
        9,
      );
      for (const l of e.lines) expect(l.monthly).toBeCloseTo(l.count * l.unitPrice, 9);
    }
  });

  /** The talent config with one environment's overrides replaced. */
  const withOverrides = (
    stage: 'dev' | 'staging' | 'prod',
    overrides: Record<string, unknown>,
  ): AppConfig => {
    const envs = talent.environments as Record<string, { overrides?: Record<string, unknown> }>;
    return {
      ...talent,
      environments: {
        ...envs,
        [stage]: { ...envs[stage], overrides: { ...envs[stage]!.overrides, ...overrides } },
      },
    } as unknown as AppConfig;
  };

  it('Spot: moving prod to fargate-spot saves 70% of its 3 tasks of 0.5 vCPU / 1 GB', () => {
    const spot = estimateCost(
      resolve(withOverrides('prod', { services: { api: { capacity: 'fargate-spot' } } }), 'prod'),
    );
    const expected = 3 * x86(0.5, 1) * H * P.fargateSpotDiscount.usd;
    expect(prod.monthly - spot.monthly).toBeCloseTo(expected, 6);
  });

  it('NAT: per-AZ instead of single in staging (2 AZs) adds one gateway and its address', () => {
    const perAz = estimateCost(resolve(withOverrides('staging', { network: { nat: 'per-az' } }), 'staging'));
    const expected = P.natHour.usd * H + A.natGbPerGateway * P.natGb.usd + P.publicIpv4Hour.usd * H;
    expect(perAz.monthly - staging.monthly).toBeCloseTo(expected, 6);
  });

  it('Multi-AZ: an RDS db.t4g.small (the staging default) doubles its instance hours and storage', () => {
    const rds = (multiAz: boolean) =>
      estimateCost(
        resolve(
          withOverrides('staging', {
            database: { engine: 'postgres', version: '16.13', name: 'talent', multiAz },
          }),
          'staging',
        ),
      );
    const single = rds(false);
    const multi = rds(true);
    const gb = 20;
    expect(multi.monthly - single.monthly).toBeCloseTo(0.032 * H + gb * P.rdsGp3Gb.usd, 6);
  });
});

describe('pricers', () => {
  it('each declare the resource types they price, and no type is priced by a pricer that does not declare it', () => {
    expect(new Set(PRICERS.map((p) => p.name)).size).toBe(PRICERS.length);
    for (const p of PRICERS) expect(p.types.length).toBeGreaterThan(0);
    const declared = new Set(PRICERS.flatMap((p) => p.types));
    // add() refuses an undeclared type, so every line of a full estimate is a declared type.
    const e = estimateCost(resolve(talent, 'prod'));
    for (const l of e.lines) expect(declared.has(l.type)).toBe(true);
    expect(() =>
      estimateTemplate({ Resources: { Nat: { Type: 'AWS::EC2::NatGateway' } } } as CfnTemplate),
    ).not.toThrow();
  });

  it('refuse to price a type they do not declare', () => {
    const rogue = {
      name: 'rogue',
      types: ['AWS::S3::Bucket'],
      price: PRICERS.find((p) => p.name === 'nat-gateways')!.price,
    };
    const nat = PRICERS.find((p) => p.name === 'nat-gateways')!;
    expect(nat.types).toEqual(['AWS::EC2::NatGateway']);
    const ctx = {
      stack: {
        stackName: 's',
        region: 'us-east-1',
        template: { Resources: { Nat: { Type: 'AWS::EC2::NatGateway' } } },
      },
      multiplier: 1,
      lines: [],
      warnings: [],
      priced: new Set<string>(),
      pricer: rogue,
    };
    expect(() => rogue.price(ctx)).toThrow(
      /pricer rogue priced AWS::EC2::NatGateway, which it does not declare/,
    );
  });
});
