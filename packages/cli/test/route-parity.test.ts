import { describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { defineApp, resolve, routeOrder, stackName, type AppConfig, type ResolvedApp } from '@berthjs/config';
import { allStacks, buildApp } from '@berthjs/infra';
import { routeRequest } from '@berthjs/dev';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Resources = Record<string, Resource>;

/**
 * The ALB, as AWS documents it: rules in priority order, lowest first; a rule matches when every condition does; a
 * condition matches when any of its values does; host headers compare case-insensitively, path patterns
 * case-sensitively against the path without the query string, `*` any run and `?` one character; no match → the
 * listener's default action.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
 */
function albRouter(resources: Resources): (host: string, path: string) => string {
  const serviceOfTargetGroup = new Map<string, string>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::ECS::Service') continue;
    for (const lb of (r.Properties?.LoadBalancers as {
      TargetGroupArn: { Ref: string };
      ContainerName: string;
    }[]) ?? [])
      serviceOfTargetGroup.set(lb.TargetGroupArn.Ref, lb.ContainerName);
  }
  const forwardTo = (actions: unknown) => {
    const a = (actions as { Type: string; TargetGroupArn?: { Ref: string } }[]).find(
      (x) => x.Type === 'forward',
    );
    return serviceOfTargetGroup.get(a!.TargetGroupArn!.Ref)!;
  };
  const rules = Object.values(resources)
    .filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule')
    .map((r) => r.Properties!)
    .sort((a, b) => (a.Priority as number) - (b.Priority as number));
  const listenerId = (rules[0]!.ListenerArn as { Ref: string }).Ref;
  const fallback = forwardTo(resources[listenerId]!.Properties!.DefaultActions);
  const like = (pattern: string, flags: string) =>
    new RegExp(
      `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
      flags,
    );
  return (host, path) => {
    const pathname = path.split('?')[0]!;
    for (const rule of rules) {
      const ok = (rule.Conditions as Record<string, { Values: string[] }>[]).every((c) => {
        if (c.HostHeaderConfig) return c.HostHeaderConfig.Values.some((v) => like(v, 'i').test(host));
        if (c.PathPatternConfig) return c.PathPatternConfig.Values.some((v) => like(v, '').test(pathname));
        throw new Error(`condition not modelled: ${JSON.stringify(c)}`);
      });
      if (ok) return forwardTo(rule.Actions);
    }
    return fallback;
  };
}

function primaryResources(r: ResolvedApp): Resources {
  const stack = allStacks(buildApp(r)).find((s) => s.stackName === stackName(r))!;
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

// Services whose hosts and paths overlap, declared in an order that is not the specificity order.
const overlapping = (domain: boolean): AppConfig =>
  defineApp({
    name: 'site',
    region: 'us-east-1',
    services: {
      docs: { paths: ['/docs/*'] },
      admin: { hosts: ['admin.site.test'] },
      internal: { paths: ['/docs/internal/*', '/status'] },
      wild: { hosts: ['*.site.test'] },
      apiv2: { hosts: ['api'], paths: ['/v2', '/v2/*'] },
      shop: { hosts: ['shop'] },
      web: { default: true },
    },
    ...(domain ? { edge: { domain: 'site.test' } } : {}),
    environments: { dev: {} },
  } as unknown as AppConfig);

const HOSTS = [
  'admin.site.test',
  'ADMIN.site.test',
  'api.site.test',
  'shop.site.test',
  'foo.site.test',
  'site.test',
  'api.other.test',
  'shop.other.test',
  'other.test',
];
const PATHS = [
  '/',
  '/docs/x',
  '/docs/internal/y',
  '/docs',
  '/DOCS/x',
  '/v2/z',
  '/v2',
  '/v20',
  '/status',
  '/docs/x?q=1',
];

describe('route order: the ALB and berth dev pick the same service', () => {
  for (const domain of [true, false]) {
    it(`for every host and path sample (${domain ? 'with' : 'without'} a domain)`, () => {
      const r = resolve(overlapping(domain), 'dev');
      const alb = albRouter(primaryResources(r));
      const rules = routeOrder(r);
      const picks: string[] = [];
      for (const host of HOSTS)
        for (const path of PATHS) {
          const local = routeRequest(rules, r.defaultService, host, path);
          expect(`${host}${path} → ${local}`).toBe(`${host}${path} → ${alb(host, path)}`);
          picks.push(local);
        }
      // The samples exercise every service, so the parity is not vacuous.
      expect(new Set(picks)).toEqual(new Set(Object.keys(r.services)));
    });
  }

  it('sends admin.site.test/docs/x to the host service, though a paths service is declared first', () => {
    const r = resolve(
      defineApp({
        name: 'site',
        region: 'us-east-1',
        services: {
          docs: { paths: ['/docs/*'] },
          admin: { hosts: ['admin.site.test'] },
          web: { default: true },
        },
        edge: { domain: 'site.test' },
        environments: { dev: {} },
      } as unknown as AppConfig),
      'dev',
    );
    expect(albRouter(primaryResources(r))('admin.site.test', '/docs/x')).toBe('admin');
    expect(routeRequest(routeOrder(r), r.defaultService, 'admin.site.test', '/docs/x')).toBe('admin');
    expect(routeRequest(routeOrder(r), r.defaultService, 'www.site.test', '/docs/x')).toBe('docs');
  });

  it('orders host+path, then host, then path; exact before wildcard; longer paths first', () => {
    const order = routeOrder(resolve(overlapping(true), 'dev')).map(
      (x) => `${x.service}${x.path ? ` ${x.path}` : ''}`,
    );
    expect(order).toEqual([
      'apiv2 /v2/*',
      'apiv2 /v2',
      'admin',
      'shop',
      'wild',
      'internal /docs/internal/*',
      'internal /status',
      'docs /docs/*',
    ]);
  });
});
