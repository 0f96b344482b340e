import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { StartSessionCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register } from '../src/commands/tunnel';
import { tunnel } from '../src/ops/tunnel';
import { CONFIG, OUTPUTS, day2Runtime, deployed, mocks, programWith } from './support/day2';

const withBastion = resolve({ ...talent, bastion: {} }, 'prod');
const SESSION = {
  SessionId: 'me-0a1b2c',
  StreamUrl: 'wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/me-0a1b2c',
  TokenValue: 'TOKEN',
};

beforeEach(() => {
  deployed({ ...OUTPUTS, BastionInstanceId: 'i-0bastion' });
  mocks.ssm.on(StartSessionCommand).resolves(SESSION);
  mocks.secrets.on(GetSecretValueCommand, { SecretId: OUTPUTS.DatabaseSecretArn }).resolves({
    SecretString: JSON.stringify({
      username: 'berth',
      password: 'p@ss/w:rd',
      dbname: 'talent',
      host: 'x',
      port: 5432,
    }),
  });
  mocks.secrets
    .on(GetSecretValueCommand, { SecretId: OUTPUTS.CacheAuthSecretArn })
    .resolves({ SecretString: "tok'en" });
});

describe('berth tunnel', () => {
  it('forwards a local port to the database through the bastion and prints a ready psql command', async () => {
    const rt = day2Runtime();
    expect(await tunnel({ resolved: withBastion, target: 'database' }, rt)).toBe(0);
    const request = {
      Target: 'i-0bastion',
      DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
      Parameters: { host: [OUTPUTS.DatabaseEndpoint], portNumber: ['5432'], localPortNumber: ['15432'] },
    };
    expect(mocks.ssm.commandCalls(StartSessionCommand)[0]!.args[0].input).toEqual(request);
    expect(rt.captured.out).toEqual([
      'psql "postgresql://berth:p%40ss%2Fw%3Ard@127.0.0.1:15432/talent?sslmode=require"',
    ]);
    // The password never reaches the progress stream.
    expect(rt.captured.progress.join('\n')).not.toContain('p@ss');
    expect(rt.captured.progress.at(-1)).toBe(
      `database: 127.0.0.1:15432 → ${OUTPUTS.DatabaseEndpoint}:5432 through bastion i-0bastion (Ctrl-C to close)`,
    );
    expect(rt.captured.spawned[0]!.args).toEqual([
      JSON.stringify(SESSION),
      'us-east-1',
      'StartSession',
      'talent-prod',
      JSON.stringify(request),
      'https://ssm.us-east-1.amazonaws.com',
    ]);
  });

  it('prints redis-cli with TLS, SNI and the AUTH token for a TLS cache, on --port', async () => {
    const rt = day2Runtime();
    await tunnel({ resolved: withBastion, target: 'cache', port: 7000 }, rt);
    expect(mocks.ssm.commandCalls(StartSessionCommand)[0]!.args[0].input.Parameters).toEqual({
      host: [OUTPUTS.CacheEndpoint],
      portNumber: ['6379'],
      localPortNumber: ['7000'],
    });
    expect(rt.captured.out).toEqual([
      `redis-cli -h 127.0.0.1 -p 7000 --tls --sni ${OUTPUTS.CacheEndpoint} --no-auth-warning -a 'tok'\\''en'`,
    ]);
  });

  it('prints plain redis-cli for a cache without TLS (dev)', async () => {
    deployed({ ...OUTPUTS, BastionInstanceId: 'i-0bastion', CacheTls: 'false' });
    mocks.ssm.on(StartSessionCommand).resolves(SESSION);
    const rt = day2Runtime();
    await tunnel({ resolved: withBastion, target: 'cache' }, rt);
    expect(rt.captured.out).toEqual(['redis-cli -h 127.0.0.1 -p 16379']);
    expect(mocks.secrets.calls()).toHaveLength(0);
  });

  it('refuses clearly when the environment has no bastion, before calling AWS', async () => {
    const rt = day2Runtime();
    await expect(
      programWith(register, rt).parseAsync([
        'node',
        'berth',
        'tunnel',
        'database',
        '--env',
        'prod',
        '--config',
        CONFIG,
      ]),
    ).rejects.toThrow(
      /talent prod has no bastion, so nothing in the VPC forwards a port\. Add bastion: \{\}/,
    );
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('refuses when the session-manager-plugin is missing', async () => {
    await expect(
      tunnel({ resolved: withBastion, target: 'database' }, day2Runtime({ plugin: false })),
    ).rejects.toThrow(/session-manager-plugin is not installed/);
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  it('asks for a deploy when the bastion is in the config but not in the stack yet', async () => {
    deployed(OUTPUTS);
    await expect(tunnel({ resolved: withBastion, target: 'database' }, day2Runtime())).rejects.toThrow(
      /has no output BastionInstanceId \(the bastion instance\).*berth deploy --env prod/,
    );
  });

  it('explains a bastion SSM cannot reach', async () => {
    mocks.ssm
      .on(StartSessionCommand)
      .rejects(Object.assign(new Error('i-0bastion is not connected.'), { name: 'TargetNotConnected' }));
    await expect(tunnel({ resolved: withBastion, target: 'database' }, day2Runtime())).rejects.toThrow(
      /The bastion i-0bastion is not connected to Systems Manager/,
    );
  });

  it('refuses a target that is not database or cache, and a bad port', async () => {
    await expect(tunnel({ resolved: withBastion, target: 'queue' as never }, day2Runtime())).rejects.toThrow(
      /expected database or cache/,
    );
    await expect(
      tunnel({ resolved: withBastion, target: 'cache', port: 70000 }, day2Runtime()),
    ).rejects.toThrow(/--port 70000/);
  });
});
