import { describe, expect, it } from 'vitest';
import { resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import oky from '../../../examples/seeds/oky/berth.config';
import revendiste from '../../../examples/seeds/revendiste/berth.config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import talent from '../../../examples/talent/berth.config';
import { configAcknowledgementFor } from '../src/acknowledgements';
import { CertificateValidates, ProdOptOut, PROD_OPT_OUT_RULE } from '../src/rules/index';
import { templateOf, withChanges } from './support';

const EMPTY = { Resources: {} };
const run = (rule: typeof ProdOptOut, resolved: ResolvedApp) => rule.check({ template: EMPTY, resolved });

/** An app whose prod turns every protection off. */
const optingOut = (acknowledgements: AppConfig['acknowledgements'] = []): AppConfig => ({
  name: 'opts-out',
  region: 'us-east-1',
  services: { api: { port: 3000 } },
  database: { engine: 'postgres', version: '16.13' },
  buckets: { uploads: { cors: [{ origins: ['https://*.example.com'], methods: ['GET'] }] } },
  acknowledgements,
  environments: {
    dev: {},
    prod: { overrides: { edge: { https: false, waf: false }, deletionProtection: false } },
  },
});

describe('Berth-ProdOptOut: a prod that turns a protection off says why', () => {
  it('names each opt-out of prod, by its setting', () => {
    const findings = run(ProdOptOut, resolve(optingOut(), 'prod'));
    expect(findings.map((f) => f.resource)).toEqual([
      'edge.https',
      'edge.waf',
      'deletionProtection',
      'buckets.uploads.cors.0',
    ]);
    expect(findings[0]!.message).toMatch(
      /^prod serves plain HTTP .*acknowledgements: \[\{ rule: 'Berth-ProdOptOut', resource: 'edge.https'/,
    );
    expect(findings[3]!.message).toMatch(/https:\/\/\*\.example\.com/);
    expect(ProdOptOut.severity).toBe('warning');
  });

  it('dev (its profile has no WAF and no deletion protection) is not prod', () =>
    expect(run(ProdOptOut, resolve(optingOut(), 'dev'))).toEqual([]));

  it('each is acknowledged by a reason on its setting, like any finding', () => {
    const reasons = ['edge.https', 'edge.waf', 'deletionProtection', 'buckets.uploads.cors.0'].map(
      (resource) => ({
        rule: PROD_OPT_OUT_RULE,
        resource,
        reason: `A written reason for ${resource}, long enough to count.`,
      }),
    );
    const resolved = resolve(optingOut(reasons), 'prod');
    for (const f of run(ProdOptOut, resolved))
      expect(configAcknowledgementFor({ rule: PROD_OPT_OUT_RULE, ...f }, resolved)?.reason).toBe(
        `A written reason for ${f.resource}, long enough to count.`,
      );
    // One reason does not cover another setting.
    const one = resolve(optingOut(reasons.slice(1, 2)), 'prod');
    expect(
      configAcknowledgementFor({ rule: PROD_OPT_OUT_RULE, resource: 'edge.https' }, one),
    ).toBeUndefined();
  });

  it('no seed and not talent opts out of a prod protection without a reason', () => {
    for (const config of [connect2, helloYou, oky, revendiste, tekalo, talent]) {
      const resolved = resolve(config, 'prod');
      const open = run(ProdOptOut, resolved).filter(
        (f) => !configAcknowledgementFor({ rule: PROD_OPT_OUT_RULE, ...f }, resolved),
      );
      expect(open, config.name).toEqual([]);
    }
  });
});

describe('Berth-CertificateValidates: a prod certificate Berth creates has a validation path', () => {
  const app = (edge: Record<string, unknown>): AppConfig => ({
    name: 'cert',
    region: 'us-east-1',
    services: { api: { port: 3000 } },
    environments: { dev: {}, prod: { overrides: { edge } } },
  });

  it('refuses a domain in Route 53 with no hosted zone id, naming the three ways out', () => {
    const [v] = run(CertificateValidates, resolve(app({ domain: 'example.com' }), 'prod'));
    expect(v!.resource).toBe('edge.hostedZoneId');
    expect(v!.message).toMatch(
      /names no hosted zone.*Set edge\.hostedZoneId.*edge\.certificate.*edge\.dns: 'external'/,
    );
    expect(CertificateValidates.severity).toBe('error');
  });

  it.each([
    ['a hosted zone id', { domain: 'example.com', hostedZoneId: 'Z0EXAMPLE000000000' }],
    [
      'an issued certificate',
      { domain: 'example.com', certificate: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' },
    ],
    ['external DNS (the records are outputs)', { domain: 'example.com', dns: 'external' }],
    ['plain HTTP', { https: false }],
  ])('passes with %s', (_, edge) =>
    expect(run(CertificateValidates, resolve(app(edge), 'prod'))).toEqual([]),
  );

  it('the seeds and talent pass', () => {
    for (const config of [connect2, helloYou, oky, revendiste, tekalo, talent])
      expect(run(CertificateValidates, resolve(config, 'prod')), config.name).toEqual([]);
  });

  it('what it reads is what the template holds: HostedZoneId on the certificate only with edge.hostedZoneId', () => {
    const withZone = resolve(app({ domain: 'example.com', hostedZoneId: 'Z0EXAMPLE000000000' }), 'prod');
    const options = (r: ResolvedApp) =>
      Object.values(templateOf(r).findResources('AWS::CertificateManager::Certificate')).map(
        (c) => (c as { Properties: { DomainValidationOptions?: { HostedZoneId?: string }[] } }).Properties,
      );
    expect(options(withZone)).toEqual([
      expect.objectContaining({
        ValidationMethod: 'DNS',
        DomainValidationOptions: expect.arrayContaining([
          expect.objectContaining({ DomainName: 'example.com', HostedZoneId: 'Z0EXAMPLE000000000' }),
        ]),
      }),
    ]);
    const noZone = withChanges(withZone, { edge: { ...withZone.edge, hostedZoneId: undefined } });
    const [props] = options(noZone);
    expect(JSON.stringify(props)).not.toMatch(/HostedZoneId/);
    expect(run(CertificateValidates, noZone)).toHaveLength(1);
  });
});
