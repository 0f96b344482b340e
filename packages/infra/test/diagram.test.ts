import { describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { diagramDot, diagramModel, stackTemplates, type CfnTemplate, type DiagramModel } from '../src/index';

const labels = (m: DiagramModel, kind: string) => m.nodes.filter((n) => n.kind === kind).map((n) => n.label);
const edge = (m: DiagramModel, from: RegExp, to: RegExp) =>
  m.edges.some((e) => from.test(e.from) && to.test(e.to));

describe('diagram model from a template', () => {
  // GIVEN a hand-made template with the resource types other constructs add
  const main: CfnTemplate = {
    Resources: {
      Cdn: { Type: 'AWS::CloudFront::Distribution' },
      Lb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { SecurityGroups: [{ 'Fn::GetAtt': ['LbSg', 'GroupId'] }] },
      },
      Td: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: { Family: 'shop-prod-api', Cpu: '512', Memory: '1024' },
      },
      Api: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: { Ref: 'Td' },
          DesiredCount: 2,
          LoadBalancers: [{ TargetGroupArn: { Ref: 'Tg' } }],
          NetworkConfiguration: {
            AwsvpcConfiguration: { SecurityGroups: [{ 'Fn::GetAtt': ['ApiSg', 'GroupId'] }] },
          },
        },
      },
      Db: {
        Type: 'AWS::RDS::DBInstance',
        Properties: {
          DBInstanceClass: 'db.t3.micro',
          Engine: 'postgres',
          DBName: 'shop',
          VPCSecurityGroups: [{ 'Fn::GetAtt': ['DbSg', 'GroupId'] }],
        },
      },
      DbFromApi: {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: { 'Fn::GetAtt': ['DbSg', 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetAtt': ['ApiSg', 'GroupId'] },
        },
      },
      DbFromBastion: {
        Type: 'AWS::EC2::SecurityGroupIngress',
        Properties: {
          GroupId: { 'Fn::GetAtt': ['DbSg', 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetAtt': ['BastionSg', 'GroupId'] },
        },
      },
      BastionHost: {
        Type: 'AWS::EC2::Instance',
        Properties: {
          InstanceType: 't4g.nano',
          SecurityGroupIds: [{ 'Fn::GetAtt': ['BastionSg', 'GroupId'] }],
        },
      },
      JobNightly: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'shop-prod-nightly',
          ScheduleExpression: 'cron(0 3 * * ? *)',
          Target: { EcsParameters: { TaskDefinitionArn: { Ref: 'Td' } } },
        },
      },
      CpuAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: 'api cpu high' } },
    },
  };
  const standby: CfnTemplate = {
    Resources: {
      Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
      Td: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: { Family: 'shop-prod-api', Cpu: '512', Memory: '1024' },
      },
      Api: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: { Ref: 'Td' }, DesiredCount: 0 } },
    },
  };
  // WHEN
  const model = diagramModel([
    { stackName: 'shop-prod', region: 'us-east-1', template: main },
    { stackName: 'shop-prod-standby', region: 'us-west-2', template: standby },
  ]);

  it('draws internet → CloudFront → load balancer → service', () => {
    expect(edge(model, /^internet$/, /Cdn$/)).toBe(true);
    expect(edge(model, /shop-prod\/Cdn$/, /shop-prod\/Lb$/)).toBe(true);
    expect(edge(model, /shop-prod\/Lb$/, /shop-prod\/Api$/)).toBe(true);
  });

  it('links services and the bastion to stores through security-group rules', () => {
    expect(edge(model, /shop-prod\/Api$/, /shop-prod\/Db$/)).toBe(true);
    expect(edge(model, /BastionHost$/, /shop-prod\/Db$/)).toBe(true);
    expect(labels(model, 'bastion')[0]).toMatch(/bastion\nt4g\.nano/);
  });

  it('draws a job with its schedule and the service whose task it runs, and the alarms', () => {
    expect(labels(model, 'job')[0]).toMatch(/cron\(0 3 \* \* \? \*\)/);
    expect(edge(model, /JobNightly$/, /shop-prod\/Api$/)).toBe(true);
    expect(labels(model, 'alarms')[0]).toMatch(/api cpu high/);
  });

  it('puts a second stack in a standby-region cluster', () => {
    expect(model.stacks[1]).toMatchObject({ standby: true, region: 'us-west-2' });
    expect(model.nodes.some((n) => n.stack === 'shop-prod-standby' && n.kind === 'service')).toBe(true);
    expect(diagramDot(model)).toMatch(/standby region us-west-2/);
  });
});

describe('the talent app', () => {
  it('names every service, store and job of the config', () => {
    const resolved = resolve(talent, 'prod');
    const model = diagramModel(stackTemplates(resolved), resolved);
    const all = model.nodes.map((n) => n.label).join('\n');
    for (const s of Object.keys(resolved.services)) expect(all).toContain(s);
    for (const b of Object.keys(resolved.buckets)) expect(all).toContain(`bucket ${b}`);
    for (const j of Object.keys(resolved.jobs)) expect(all).toContain(j);
    expect(all).toContain(`database ${resolved.database!.name}`);
    expect(all).toMatch(/cache redis/);
  });
});

describe('the WAF in front of the entry point', () => {
  const acl = (scope: string) => ({
    Type: 'AWS::WAFv2::WebACL',
    Properties: { Scope: scope, Rules: [{ Name: 'RatePerIp' }, { Name: 'Common' }] },
  });
  it('draws internet → web ACL → load balancer for a regional ACL associated with the ALB', () => {
    const model = diagramModel([
      {
        stackName: 'shop-prod',
        region: 'sa-east-1',
        template: {
          Resources: {
            Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
            Acl: acl('REGIONAL'),
            Assoc: {
              Type: 'AWS::WAFv2::WebACLAssociation',
              Properties: { ResourceArn: { Ref: 'Lb' }, WebACLArn: { 'Fn::GetAtt': ['Acl', 'Arn'] } },
            },
          },
        },
      },
    ]);
    expect(labels(model, 'waf')).toEqual(['AWS WAF web ACL\n2 rules']);
    expect(edge(model, /^internet$/, /shop-prod\/Acl$/)).toBe(true);
    expect(edge(model, /shop-prod\/Acl$/, /shop-prod\/Lb$/)).toBe(true);
    // Nothing reaches the load balancer around the ACL.
    expect(edge(model, /^internet$/, /shop-prod\/Lb$/)).toBe(false);
    expect(diagramDot(model)).toMatch(/"shop-prod\/Acl" \[label="AWS WAF web ACL\\n2 rules"/);
  });

  it("draws the us-east-1 CloudFront ACL in front of the distribution, and the ALB's own ACL behind it", () => {
    const model = diagramModel([
      {
        stackName: 'shop-prod-certificate',
        region: 'us-east-1',
        template: { Resources: { CfAcl: acl('CLOUDFRONT') } },
      },
      {
        stackName: 'shop-prod',
        region: 'eu-west-2',
        template: {
          Resources: {
            Cdn: {
              Type: 'AWS::CloudFront::Distribution',
              Properties: {
                DistributionConfig: {
                  WebACLId: {
                    'Fn::GetAtt': [
                      'ExportsReader',
                      '/cdk/exports/shop-prod/shopprodcertificateFnGetAttCfAclArn',
                    ],
                  },
                },
              },
            },
            Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
            LbAcl: acl('REGIONAL'),
            Assoc: {
              Type: 'AWS::WAFv2::WebACLAssociation',
              Properties: { ResourceArn: { Ref: 'Lb' }, WebACLArn: { 'Fn::GetAtt': ['LbAcl', 'Arn'] } },
            },
          },
        },
      },
    ]);
    expect(edge(model, /^internet$/, /certificate\/CfAcl$/)).toBe(true);
    expect(edge(model, /certificate\/CfAcl$/, /shop-prod\/Cdn$/)).toBe(true);
    expect(edge(model, /^internet$/, /shop-prod\/Cdn$/)).toBe(false);
    expect(edge(model, /shop-prod\/Cdn$/, /shop-prod\/LbAcl$/)).toBe(true);
    expect(edge(model, /shop-prod\/LbAcl$/, /shop-prod\/Lb$/)).toBe(true);
    // The certificate stack holds no standby: only a stack named -standby is drawn as one.
    expect(model.stacks.map((s) => s.standby)).toEqual([false, false]);
  });

  it('talent prod (edge.waf on by default) draws its ACL in front of the ALB; dev has none', () => {
    const prod = resolve(talent, 'prod');
    const model = diagramModel(stackTemplates(prod), prod);
    const [waf] = model.nodes.filter((n) => n.kind === 'waf');
    const lb = model.nodes.find((n) => n.kind === 'loadBalancer')!;
    expect(model.edges.some((e) => e.from === waf!.id && e.to === lb.id)).toBe(true);
    expect(model.edges.some((e) => e.from === 'internet' && e.to === lb.id)).toBe(false);
    const dev = resolve(talent, 'dev');
    expect(diagramModel(stackTemplates(dev), dev).nodes.some((n) => n.kind === 'waf')).toBe(false);
  });
});
