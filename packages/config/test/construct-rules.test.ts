import { describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '../src/index';
import { app } from './fixtures';

/**
 * Rules that used to live only in the infra constructs, so that `berth config` passed and `berth synth` crashed.
 * Each is now a resolve rule naming the path; the constructs keep theirs as a backstop.
 */
function problems(cfg: unknown, stage = 'prod'): string[] {
  try {
    resolve(cfg, stage);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

const standby = { region: 'us-west-2', enabled: true };
/** No buckets or mail: what the pilot-light standby can carry. */
const standbyReady = {
  buckets: undefined,
  mail: undefined,
  services: { api: { uses: { buckets: [] } }, cms: { uses: { buckets: [] } } },
  edge: { domain: 'shop.example.com', hostedZoneId: 'Z123' },
  standby,
};

describe('edge rules', () => {
  it('cdn without a domain names edge.cdn', () => {
    expect(problems(app({ edge: { domain: undefined, cdn: true } }))).toContainEqual(
      expect.stringMatching(/^edge\.cdn: got true without edge\.domain/),
    );
  });
  it('cdn with https: false names edge.https', () => {
    expect(problems(app({ edge: { cdn: true, https: false } }))).toEqual([
      expect.stringMatching(/^edge\.https: got false; with cdn: true CloudFront reaches the ALB over HTTPS/),
    ]);
  });
  it('cdn with a domain turns https on even in the dev profile', () => {
    expect(resolve(app({ edge: { cdn: true } }), 'dev').edge.https).toBe(true);
  });
  it('an ALB rule holds at most five host and path values', () => {
    expect(
      problems(app({ services: { api: { hosts: ['a', 'b', 'c'], paths: ['/x/*', '/y/*', '/z/*'] } } })),
    ).toContainEqual(
      expect.stringMatching(/^services\.api: has 3 hosts and 3 paths \(6 values\); .* at most 5/),
    );
  });
});

describe('standby rules', () => {
  it("a standby with dns: 'external' names edge.dns", () => {
    expect(problems(app({ ...standbyReady, edge: { dns: 'external', hostedZoneId: undefined } }))).toEqual([
      expect.stringMatching(/^edge\.dns: got "external"; a standby \(standby\.region "us-west-2"\)/),
    ]);
  });
  it('a standby needs the hosted zone', () => {
    expect(problems(app({ ...standbyReady, edge: { hostedZoneId: undefined } }))).toEqual([
      expect.stringMatching(/^edge\.hostedZoneId: required: a standby/),
    ]);
  });
  it('a standby is not combined with cdn', () => {
    expect(problems(app({ ...standbyReady, edge: { ...standbyReady.edge, cdn: true } }))).toEqual([
      expect.stringMatching(/^edge\.cdn: got true; a standby/),
    ]);
  });
  it('a standby refuses services that use buckets or mail', () => {
    const cfg = app({
      ...standbyReady,
      buckets: { uploads: {} },
      services: { api: {}, cms: { uses: { buckets: [] } } },
    });
    expect(problems(cfg)).toEqual([
      expect.stringMatching(/^services\.api\.uses: uses buckets \(uploads\), which the pilot-light standby/),
    ]);
  });
  it('a ready standby resolves', () => {
    expect(problems(app(standbyReady))).toEqual([]);
  });
});

describe('other construct rules', () => {
  it("an SSM-only bastion needs a route out, which nat 'none' gives only through the SSM endpoints", () => {
    const endpoints = ['s3', 'ecr', 'logs', 'secretsmanager', 'ses'];
    expect(problems(app({ bastion: {}, network: { nat: 'none', endpoints } }))).toContainEqual(
      expect.stringMatching(
        /^bastion: an SSM-only bastion .* nat 'none'.* lacks ssm, ssmmessages, ec2messages/,
      ),
    );
  });
  it('EC2 instances run the arch of the services placed on them', () => {
    expect(
      problems(
        app({ services: { api: { capacity: 'ec2', arch: 'arm64' } }, ec2: { instanceType: 'm7i.large' } }),
      ),
    ).toEqual([
      expect.stringMatching(/^ec2\.instanceType: got "m7i\.large", which runs x86_64, but .* arm64/),
    ]);
    expect(
      problems(app({ services: { api: { capacity: 'ec2', arch: 'arm64' }, cms: { capacity: 'ec2' } } })),
    ).toContainEqual(expect.stringMatching(/^ec2: services on capacity 'ec2' share one instance type/));
  });
  it('the deploying branch is one branch name when GitHub deploys', () => {
    expect(
      problems(app({ github: { repository: 'acme/shop' }, environments: { prod: { branch: 'release/*' } } })),
    ).toEqual([expect.stringMatching(/^environments\.prod\.branch: got "release\/\*"/)]);
  });
  it('mail may be sent from a subdomain of the verified domain', () => {
    expect(problems(app({ mail: { from: 'hi@news.shop.example.com' } }))).toEqual([]);
  });
});
