import { describe, expect, it } from 'vitest';
import { resolve } from '../src/index';
import { app, problems } from './fixtures';

describe('edge.waf', () => {
  it('is on in prod with a 2,000-per-5-minutes rate limit, blocking, and off in dev and staging', () => {
    expect(resolve(app(), 'prod').edge.waf).toEqual({
      mode: 'block',
      rateLimit: 2000,
      rateWindowSeconds: 300,
      sqlInjection: false,
    });
    expect(resolve(app(), 'dev').edge.waf).toBeNull();
    expect(resolve(app(), 'staging').edge.waf).toBeNull();
  });
  it('can be turned on anywhere, tuned, or turned off', () => {
    expect(resolve(app({ edge: { waf: true } }), 'dev').edge.waf?.rateLimit).toBe(2000);
    expect(
      resolve(app({ edge: { waf: { rateLimit: 300, rateWindow: 60, mode: 'count' } } }), 'prod').edge.waf,
    ).toMatchObject({ rateLimit: 300, rateWindowSeconds: 60, mode: 'count' });
    expect(resolve(app({ edge: { waf: false } }), 'prod').edge.waf).toBeNull();
  });
  it('refuses limits and windows AWS WAF does not accept, naming what it does', () => {
    const found = problems(app({ edge: { waf: { rateLimit: 5, rateWindow: 30 } } }));
    expect(found).toContainEqual(
      expect.stringMatching(/^edge\.waf\.rateLimit: got 5; AWS WAF allows 10–2000000000/),
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^edge\.waf\.rateWindow: got 30; .*60, 120, 300, 600 seconds/),
    );
    expect(problems(app({ edge: { waf: { mode: 'log' } } })).join('\n')).toMatch(/edge\.waf/);
  });
});

describe('services.*.deploy', () => {
  it('is a canary (10% for 5 minutes, bake 10) in prod and rolling elsewhere', () => {
    expect(resolve(app(), 'prod').services.api!.deploy).toEqual({
      strategy: 'canary',
      percent: 10,
      stepMinutes: 5,
      bakeMinutes: 10,
    });
    expect(resolve(app(), 'dev').services.api!.deploy).toEqual({ strategy: 'rolling' });
    expect(resolve(app(), 'staging').services.api!.deploy).toEqual({ strategy: 'rolling' });
  });
  it('takes a strategy name or settings', () => {
    expect(resolve(app({ services: { api: { deploy: 'linear' } } }), 'dev').services.api!.deploy).toEqual({
      strategy: 'linear',
      percent: 25,
      stepMinutes: 5,
      bakeMinutes: 10,
    });
    expect(
      resolve(app({ services: { api: { deploy: { strategy: 'blue-green', bakeMinutes: 0 } } } }), 'prod')
        .services.api!.deploy,
    ).toEqual({ strategy: 'blue-green', bakeMinutes: 0 });
    expect(resolve(app({ services: { api: { deploy: 'rolling' } } }), 'prod').services.api!.deploy).toEqual({
      strategy: 'rolling',
    });
  });
  it('refuses what ECS would: percents, minutes, and settings a strategy has no use for', () => {
    const found = problems(
      app({
        services: {
          api: { deploy: { strategy: 'canary', percent: 0.05, stepMinutes: 2000 } },
          cms: { deploy: { strategy: 'linear', percent: 2, bakeMinutes: 1.5 } },
        },
      }),
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^services\.api\.deploy\.percent: got 0\.05; .*0\.1–100%/),
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^services\.api\.deploy\.stepMinutes: got 2000; ECS allows 0–1440/),
    );
    expect(found).toContainEqual(expect.stringMatching(/^services\.cms\.deploy\.percent: got 2; .*3–100%/));
    expect(found).toContainEqual(expect.stringMatching(/^services\.cms\.deploy\.bakeMinutes: got 1\.5/));
    expect(
      problems(app({ services: { api: { deploy: { strategy: 'rolling', bakeMinutes: 5 } } } })).join('\n'),
    ).toMatch(/services\.api\.deploy\.bakeMinutes: got 5; a rolling deployment has no bakeMinutes/);
    expect(
      problems(app({ services: { api: { deploy: { strategy: 'blue-green', percent: 10 } } } })).join('\n'),
    ).toMatch(/services\.api\.deploy\.percent: .*blue-green shifts all traffic at once/);
    expect(problems(app({ services: { api: { deploy: 'big-bang' } } })).join('\n')).toMatch(
      /services\.api\.deploy/,
    );
  });
});

describe('traffic shifting needs one listener rule', () => {
  it('refuses a non-default service with two paths', () => {
    expect(
      problems(
        app({ services: { cms: { hosts: ['cms'], paths: ['/a/*', '/b/*'], deploy: 'canary' } } }),
      ).join('\n'),
    ).toMatch(/services\.cms\.deploy: got "canary" with 2 paths; ECS shifts traffic on one listener rule/);
  });
  it('refuses a default service with hosts when another service routes by path alone', () => {
    const found = problems(
      app({
        services: {
          api: { hosts: ['api'], default: true, deploy: 'canary' },
          cms: { hosts: [], paths: ['/docs/*'] },
        },
      }),
    ).join('\n');
    expect(found).toMatch(
      /services\.api\.deploy: got "canary" on the default service.*'cms'.*deploy 'api' 'rolling'/,
    );
    // rolling keeps today's routing, so it is accepted
    expect(() =>
      resolve(
        app({
          services: {
            api: { hosts: ['api'], default: true, deploy: 'rolling' },
            cms: { hosts: [], paths: ['/docs/*'] },
          },
        }),
        'prod',
      ),
    ).not.toThrow();
  });
  it("prod's default canary falls back to rolling where it cannot shift traffic, rather than refusing", () => {
    const r = resolve(
      app({
        services: {
          api: { hosts: ['api'], default: true },
          cms: { hosts: [], paths: ['/docs/*'] },
          worker: { hosts: [] },
        },
      }),
      'prod',
    );
    expect(r.services.api!.deploy).toEqual({ strategy: 'rolling' });
    expect(r.services.worker!.deploy).toEqual({ strategy: 'rolling' });
    expect(r.services.cms!.deploy.strategy).toBe('canary');
  });
  it('refuses canary on a service the load balancer sends nothing', () => {
    expect(problems(app({ services: { worker: { hosts: [], deploy: 'canary' } } })).join('\n')).toMatch(
      /services\.worker\.deploy: got "canary"; the load balancer sends this service no requests/,
    );
  });
});
