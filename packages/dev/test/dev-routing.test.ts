import { describe, expect, it } from 'vitest';
import { defineApp, resolve, routeOrder, type AppConfig } from '@berthjs/config';
import { hostName, routeRequest } from '../src/router/routing';

const resolved = resolve(
  defineApp({
    name: 'site',
    region: 'us-east-1',
    services: {
      api: { hosts: ['api'], default: true },
      cms: { hosts: ['cms', 'admin.site.test'] },
      docs: { paths: ['/docs/*'] },
    },
    environments: { dev: {} },
  } as AppConfig),
  'dev',
);
const rules = routeOrder(resolved);
const route = (host: string | undefined, path = '/') =>
  routeRequest(rules, resolved.defaultService, host, path);

describe('local router host rules', () => {
  it('routes a label to <label>.localhost on any port', () => {
    expect(route('api.localhost:4000')).toBe('api');
    expect(route('cms.localhost:4000')).toBe('cms');
    expect(route('CMS.LOCALHOST')).toBe('cms');
  });

  it('routes a label under any domain, as the ALB does with <label>.<domain>', () => {
    expect(route('cms.dev.site.test')).toBe('cms');
  });

  it('routes a full host name to itself only', () => {
    expect(route('admin.site.test:4000')).toBe('cms');
    expect(route('admin.other.test')).toBe('api');
  });

  it('sends unmatched hosts to the default service', () => {
    expect(route('localhost:4000')).toBe('api');
    expect(route('127.0.0.1:4000')).toBe('api');
    expect(route(undefined)).toBe('api');
    expect(route('apix.localhost')).toBe('api');
  });

  it('applies path rules on any host', () => {
    expect(route('localhost:4000', '/docs/intro?x=1')).toBe('docs');
    expect(route('localhost:4000', '/documents')).toBe('api');
  });
});

describe('hostName', () => {
  it('strips the port and a trailing dot, keeps IPv6 literals', () => {
    expect(hostName('Api.Localhost:4000')).toBe('api.localhost');
    expect(hostName('example.com.')).toBe('example.com');
    expect(hostName('[::1]:4000')).toBe('::1');
  });
});
