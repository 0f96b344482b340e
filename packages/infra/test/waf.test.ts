import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { rateLimitedResponse, resolve, type AppConfig } from '@berthjs/config';
import oky from '../../../examples/seeds/oky/berth.config';
import talent from '../../../examples/talent/berth.config';
import { allStacks, buildApp, estimateCost, managedRuleGroups } from '../src/index';
import { talentResolved, templateOf } from './support';

// GIVEN talent (ALB entry) and oky (CloudFront entry, eu-west-2) WHEN synthesized THEN the web ACL sits in front of
// whichever the internet reaches, with the managed groups, the rate rule and logging.
let prod: Template;
let dev: Template;
beforeAll(() => {
  prod = templateOf(talentResolved('prod'));
  dev = templateOf(talentResolved('dev'));
});

const resourcesOf = (t: Template, type: string) => Object.values(t.findResources(type));

describe('Waf on the ALB (talent prod)', () => {
  it('is a REGIONAL web ACL allowing by default, with the rate rule first and the managed groups after', () => {
    const [acl] = resourcesOf(prod, 'AWS::WAFv2::WebACL');
    const p = acl!.Properties as { Scope: string; DefaultAction: unknown; Rules: Record<string, unknown>[] };
    expect(p.Scope).toBe('REGIONAL');
    expect(p.DefaultAction).toEqual({ Allow: {} });
    expect(p.Rules.map((r) => r.Name)).toEqual([
      'RatePerIp',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    expect(p.Rules[0]).toMatchObject({
      Priority: 0,
      Statement: { RateBasedStatement: { Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
    });
    expect(p.Rules[1]).toMatchObject({ OverrideAction: { None: {} } });
  });
  it('answers a client over the rate limit with 429, a retry-after of one window and the body berth dev sends', () => {
    const [acl] = resourcesOf(prod, 'AWS::WAFv2::WebACL');
    const p = acl!.Properties as { Rules: Record<string, unknown>[]; CustomResponseBodies: unknown };
    // Without a CustomResponse, WAF's Block answers 403.
    expect(p.Rules[0]!.Action).toEqual({
      Block: {
        CustomResponse: {
          ResponseCode: 429,
          CustomResponseBodyKey: 'rate-limited',
          ResponseHeaders: [{ Name: 'retry-after', Value: '300' }],
        },
      },
    });
    const local = rateLimitedResponse({ rateLimit: 2000, rateWindowSeconds: 300 });
    expect(p.CustomResponseBodies).toEqual({
      'rate-limited': { ContentType: 'TEXT_PLAIN', Content: local.body },
    });
    expect(local.body).toMatch(
      /^429 Too Many Requests: more than 2000 requests from your IP address in 300 seconds/,
    );
    // WAF stores the body as given: plain ASCII, within its 4 KB limit for one body.
    expect(/^[\x20-\x7e\n]+$/.test(local.body) && local.body.length < 4096).toBe(true);
  });
  it('only counts the common rule set\u2019s body-size rule, which would 403 JSON bodies over 8 KB', () => {
    prod.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            }),
          },
        }),
      ]),
    });
  });
  it('is associated with the load balancer', () => {
    prod.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: Match.stringLikeRegexp('^EdgeLoadBalancer') },
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WafWebAcl'), 'Arn'] },
    });
  });
  it('logs to an aws-waf-logs- group kept as long as the environment\u2019s logs, with credentials redacted', () => {
    prod.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-talent-prod',
      RetentionInDays: 90,
    });
    prod.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: Match.arrayWith([
        { SingleHeader: { Name: 'authorization' } },
        { SingleHeader: { Name: 'cookie' } },
      ]),
    });
  });
  it('puts allowed/blocked/counted requests on the dashboard', () => {
    const [dashboard] = resourcesOf(prod, 'AWS::CloudWatch::Dashboard');
    expect(JSON.stringify(dashboard!.Properties)).toContain('AWS/WAFV2');
  });
  it('is off in dev', () => {
    dev.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
  it('is priced on three lines: $5 for the ACL, $1 per rule (4), and the requests it inspects', () => {
    const lines = estimateCost(talentResolved('prod')).lines.filter((l) => l.type === 'AWS::WAFv2::WebACL');
    expect(lines.map((l) => [l.resource, l.monthly])).toEqual([
      ['WAF web ACL', 5],
      ['WAF rules', 4],
      ['WAF requests inspected', 3],
    ]);
    expect(estimateCost(talentResolved('dev')).lines.some((l) => l.type === 'AWS::WAFv2::WebACL')).toBe(
      false,
    );
  });
});

describe('Waf settings', () => {
  it('count mode makes every rule count, and sqlInjection adds the SQLi group', () => {
    const r = resolve(
      {
        ...talentConfig(),
        edge: { domain: 'talent.example.com', waf: { mode: 'count', sqlInjection: true, rateLimit: 500 } },
      },
      'prod',
    );
    expect(managedRuleGroups(r.edge.waf!)).toContain('AWSManagedRulesSQLiRuleSet');
    const t = templateOf(r);
    const [acl] = resourcesOf(t, 'AWS::WAFv2::WebACL');
    const rules = (acl!.Properties as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules[0]).toMatchObject({
      Action: { Count: {} },
      Statement: { RateBasedStatement: { Limit: 500 } },
    });
    for (const rule of rules.slice(1)) expect(rule.OverrideAction).toEqual({ Count: {} });
    expect(rules.map((x) => x.Name)).toContain('AWSManagedRulesSQLiRuleSet');
  });
});

describe('Waf on CloudFront (oky, eu-west-2)', () => {
  it('lives in the us-east-1 stack, CLOUDFRONT scope, and the distribution takes its ARN', () => {
    const stacks = allStacks(buildApp(resolve(oky, 'prod')));
    const certificate = stacks.find((s) => s.region === 'us-east-1')!;
    const app = stacks.find((s) => s.region === 'eu-west-2' && s.stackName === 'oky-prod')!;
    const east = Template.fromStack(certificate);
    east.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    east.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    const main = Template.fromStack(app);
    const [distribution] = resourcesOf(main, 'AWS::CloudFront::Distribution');
    expect(JSON.stringify(distribution!.Properties)).toMatch(/WebACLId.*WafWebAcl/);
  });

  it("also puts a REGIONAL ACL on the ALB (managed rule groups, no rate rule): the ALB admits every distribution's addresses", () => {
    const stacks = allStacks(buildApp(resolve(oky, 'prod')));
    const main = Template.fromStack(
      stacks.find((s) => s.region === 'eu-west-2' && s.stackName === 'oky-prod')!,
    );
    const acls = resourcesOf(main, 'AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    const props = acls[0]!.Properties as {
      Name: string;
      Scope: string;
      Rules: { Name: string }[];
      CustomResponseBodies?: unknown;
    };
    expect(props).toMatchObject({ Name: 'oky-prod-alb', Scope: 'REGIONAL' });
    expect(props.Rules.map((r) => r.Name)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    expect(props.CustomResponseBodies).toBeUndefined();
    const [association] = resourcesOf(main, 'AWS::WAFv2::WebACLAssociation');
    expect(JSON.stringify(association!.Properties)).toMatch(
      /ResourceArn.*LoadBalancer.*WebACLArn.*AlbWafWebAcl/s,
    );
    main.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-oky-prod-alb' });
  });
});

/** The talent config with prod's edge override removed, so a test's `edge` is what prod gets. */
function talentConfig(): AppConfig {
  const { overrides: _omit, ...prodEnv } = talent.environments.prod!;
  return { ...talent, environments: { prod: prodEnv } };
}
