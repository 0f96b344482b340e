import { beforeAll, describe, expect, it } from 'vitest';
import { resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import {
  formatQuotas,
  quotaPlaces,
  quotaUsage,
  runChecks,
  type CheckReport,
  type QuotaTemplate,
} from '../src/index';

import { talentResolved, templateOf } from './support';

// GIVEN talent prod and tekalo prod (3 AZs, a NAT gateway per AZ each) in one account and region WHEN their quotas
// are added up THEN 6 Elastic IPs exceed the default 5; and berth check prints each environment's use.
let talentProd: QuotaTemplate;
let tekaloProd: QuotaTemplate;
beforeAll(() => {
  talentProd = templateOf(talentResolved('prod')).toJSON() as QuotaTemplate;
  tekaloProd = templateOf(resolve(tekalo, 'prod')).toJSON() as QuotaTemplate;
});

describe('quota usage of one environment', () => {
  it('talent prod: 1 VPC, 3 NAT gateways with their Elastic IPs (one per AZ), 1 ALB with 1 rule', () => {
    const use = quotaUsage(talentProd);
    expect(use).toMatchObject({ vpcs: 1, elasticIps: 3, loadBalancers: 1, rulesPerLoadBalancer: 1 });
    expect(use.natGatewaysByAz).toEqual({ '#0': 1, '#1': 1, '#2': 1 });
    expect(use.securityGroups).toBeGreaterThan(1);
  });
});

describe('quotas added up in one account and region', () => {
  it('two apps with NAT per AZ in prod take 6 Elastic IPs of the 5 a region has by default', () => {
    const prod = talentResolved('prod');
    const places = quotaPlaces(
      [
        {
          label: 'talent prod',
          resolved: prod,
          account: '222222222222',
          region: 'us-east-1',
          template: talentProd,
        },
        {
          label: 'tekalo prod',
          resolved: prod,
          account: '222222222222',
          region: 'us-east-1',
          template: tekaloProd,
        },
      ],
      [prod],
    );
    expect(places).toHaveLength(1);
    const eips = places[0]!.quotas.find((q) => q.name === 'elasticIps')!;
    expect(eips).toMatchObject({ used: 6, limit: 5, over: true, declared: false });
    expect(eips.byEnvironment).toEqual({ 'talent prod': 3, 'tekalo prod': 3 });
    const nat = places[0]!.quotas.find((q) => q.name === 'natGatewaysPerAz')!;
    expect(nat).toMatchObject({ used: 2, limit: 5, over: false });
    expect(formatQuotas(places)[0]).toMatch(
      /^Quotas in 222222222222\/us-east-1 \(talent prod, tekalo prod; add other apps here\): VPCs 2\/5; Elastic IP addresses \(one per NAT gateway\) 6\/5 OVER;/,
    );
  });
});

describe('berth check reports quotas', () => {
  // One app, three prod-like environments in one account and region: 9 NAT gateways' Elastic IPs.
  const crowded = (quotas?: Record<string, number>): { checked: ResolvedApp; siblings: ResolvedApp[] } => {
    const account = '222222222222';
    const env = (domain: string) => ({
      account,
      profile: 'prod' as const,
      overrides: { edge: { domain }, ...(quotas ? { quotas } : {}) },
    });
    const config = {
      ...(talent as object),
      environments: {
        prod: env('talent.example.com'),
        'prod-b': env('b.talent.example.com'),
        'prod-c': env('c.talent.example.com'),
      },
    } as unknown as AppConfig;
    return {
      checked: resolve(config, 'prod'),
      siblings: [resolve(config, 'prod-b'), resolve(config, 'prod-c')],
    };
  };
  const check = (r: { checked: ResolvedApp; siblings: ResolvedApp[] }): CheckReport =>
    runChecks(r.checked, { skipGuard: true, skipCfnLint: true, siblings: r.siblings });

  it('warns past the default quota, naming each environment and how to raise it', () => {
    const report = check(crowded());
    const place = report.quotas.find((p) => p.region === 'us-east-1')!;
    expect(place.environments).toEqual(['prod', 'prod-b', 'prod-c']);
    const warning = report.findings.find((f) => f.rule === 'Berth-WithinQuotas' && !f.acknowledged);
    expect(warning).toMatchObject({ severity: 'warning', resource: 'quotas.elasticIps', stage: 'prod' });
    expect(warning!.message).toMatch(
      /Elastic IP addresses \(one per NAT gateway\): 9 in 222222222222\/us-east-1 \(prod 3, prod-b 3, prod-c 3\) > AWS's default quota 5/,
    );
    expect(warning!.message).toMatch(/quotas\.elasticIps/);
    // The SES sandbox: a note for a prod environment that sends mail, with the page to ask for production access.
    expect(report.notes).toEqual([
      expect.objectContaining({
        stage: 'prod',
        message: expect.stringContaining(
          'https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html',
        ),
      }),
    ]);
  }, 120_000);
  it('takes a quota the config declares instead of the default', () => {
    const report = check(crowded({ elasticIps: 20 }));
    expect(report.findings.filter((f) => f.rule === 'Berth-WithinQuotas')).toEqual([]);
    expect(report.quotas[0]!.quotas.find((q) => q.name === 'elasticIps')).toMatchObject({
      used: 9,
      limit: 20,
      declared: true,
    });
  }, 120_000);
});
