import { describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '../src/index';
import { app } from './fixtures';

function problems(cfg: unknown, stage: string): string[] {
  try {
    resolve(cfg, stage);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe("ECS Exec and the SSM bastion with nat 'none'", () => {
  it("'auto' adds the ssmmessages endpoint where a service has exec (dev's default)", () => {
    const r = resolve(app({ network: { nat: 'none' } }), 'dev');
    expect(Object.values(r.services).every((s) => s.exec)).toBe(true);
    expect(r.network.endpoints).toContain('ssmmessages');
    expect(r.network.endpoints).not.toContain('ec2messages');
  });

  it("'auto' adds none where no service has exec (prod's default)", () => {
    const r = resolve(app({ network: { nat: 'none' } }), 'prod');
    expect(Object.values(r.services).some((s) => s.exec)).toBe(false);
    expect(r.network.endpoints).not.toContain('ssmmessages');
  });

  it('adds none with NAT or public tasks: exec reaches ssmmessages through them', () => {
    expect(resolve(app({ network: { nat: 'single' } }), 'dev').network.endpoints).toEqual(['s3']);
    expect(
      resolve(app({ network: { nat: 'none', publicTasks: true } }), 'dev').network.endpoints,
    ).not.toContain('ssmmessages');
  });

  it('refuses an explicit endpoint list without ssmmessages where exec is on, naming the service', () => {
    const endpoints = ['s3', 'ecr', 'logs', 'secretsmanager', 'ses'];
    expect(problems(app({ network: { nat: 'none', endpoints } }), 'dev')).toEqual([
      expect.stringMatching(/^services\.api\.exec: ECS Exec opens its sessions through .*add 'ssmmessages'/),
      expect.stringMatching(/^services\.cms\.exec: /),
    ]);
    expect(
      problems(app({ network: { nat: 'none', endpoints: [...endpoints, 'ssmmessages'] } }), 'dev'),
    ).toEqual([]);
    expect(
      problems(
        app({
          network: { nat: 'none', endpoints },
          services: { api: { exec: false }, cms: { exec: false } },
        }),
        'dev',
      ),
    ).toEqual([]);
  });

  it("'auto' gives an SSM-only bastion its three endpoints, even with public tasks", () => {
    for (const network of [{ nat: 'none' }, { nat: 'none', publicTasks: true }]) {
      const r = resolve(app({ network, bastion: {} }), 'prod');
      expect(r.bastion).not.toBeNull();
      expect(r.network.endpoints).toEqual(expect.arrayContaining(['ssm', 'ssmmessages', 'ec2messages']));
    }
    // An SSH bastion sits in a public subnet: no endpoint for it.
    const ssh = resolve(
      app({ network: { nat: 'none' }, bastion: { keyName: 'ops', allowedCidrs: ['203.0.113.7/32'] } }),
      'prod',
    );
    expect(ssh.network.endpoints).not.toContain('ec2messages');
  });

  it('refuses an SSM-only bastion whose explicit endpoints lack what the agent needs, naming them', () => {
    const endpoints = ['s3', 'ecr', 'logs', 'secretsmanager', 'ses', 'ssm'];
    expect(problems(app({ network: { nat: 'none', endpoints }, bastion: {} }), 'prod')).toEqual([
      expect.stringMatching(/^bastion: an SSM-only bastion .*lacks ssmmessages, ec2messages: add them/),
    ]);
  });

  it('refuses an endpoint name Berth does not know, listing the allowed ones', () => {
    const found = problems(app({ network: { nat: 'none', endpoints: ['s3', 'ssmmessage'] } }), 'prod');
    expect(found.join('\n')).toMatch(/network\.endpoints: .*"ssmmessages".*"ec2messages"/);
  });
});
