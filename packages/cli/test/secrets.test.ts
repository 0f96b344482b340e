import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register } from '../src/commands/secrets';
import { listSecrets, referencedSecrets, removeSecret, setSecret } from '../src/ops/secrets';
import { day2Runtime, deployed, mocks, programWith } from './support/day2';

const HELLO_YOU = join(import.meta.dirname, '../../../examples/seeds/hello-you/berth.config.ts');
const app = resolve(
  {
    ...talent,
    services: {
      api: {
        ...talent.services.api,
        secrets: {
          STRIPE_KEY: 'talent/stripe',
          SMTP_USER: 'talent/smtp:user',
          SMTP_PASS: 'talent/smtp:pass',
        },
      },
    },
  },
  'prod',
);
const ARN = (name: string) => `arn:aws:secretsmanager:us-east-1:222222222222:secret:${name}-AbCdEf`;
const notFound = () =>
  Object.assign(new Error("Secrets Manager can't find the specified secret."), {
    name: 'ResourceNotFoundException',
  });

beforeEach(() => deployed());

describe('berth secrets', () => {
  it('knows which secrets the config references, and who reads which JSON key', () => {
    expect(referencedSecrets(app)).toEqual([
      {
        name: 'talent/smtp',
        uses: [
          { service: 'api', variable: 'SMTP_USER', jsonKey: 'user' },
          { service: 'api', variable: 'SMTP_PASS', jsonKey: 'pass' },
        ],
      },
      { name: 'talent/stripe', uses: [{ service: 'api', variable: 'STRIPE_KEY' }] },
    ]);
  });

  it('list: which exist (DescribeSecret), which are missing', async () => {
    mocks.secrets.on(DescribeSecretCommand, { SecretId: 'talent/stripe' }).resolves({
      ARN: ARN('talent/stripe'),
      LastChangedDate: new Date('2026-12-01T00:00:00Z'),
      Tags: [{ Key: 'berth:app', Value: 'talent' }],
    });
    mocks.secrets.on(DescribeSecretCommand, { SecretId: 'talent/smtp' }).rejects(notFound());
    const list = await listSecrets({ resolved: app }, day2Runtime());
    expect(list.map((s) => [s.name, s.exists, s.managedByBerth])).toEqual([
      ['talent/smtp', false, false],
      ['talent/stripe', true, true],
    ]);
  });

  it('list through the command: exit 1 naming the command that sets each missing one', async () => {
    mocks.secrets.on(DescribeSecretCommand).rejects(notFound());
    const rt = day2Runtime();
    await expect(
      programWith(register, rt).parseAsync([
        'node',
        'berth',
        'secrets',
        'list',
        '--env',
        'dev',
        '--config',
        HELLO_YOU,
      ]),
    ).rejects.toThrow(
      '1 referenced secret(s) missing in dev: berth secrets set hello-you/flask-secret-key --env dev',
    );
    expect(rt.captured.out).toEqual(['hello-you/flask-secret-key: MISSING · read by api FLASK_SECRET_KEY']);
  });

  it('set creates a missing secret with the berth tags, by variable name too', async () => {
    mocks.secrets.on(DescribeSecretCommand).rejects(notFound());
    mocks.secrets.on(CreateSecretCommand).resolves({ ARN: ARN('talent/stripe') });
    const res = await setSecret({ resolved: app, name: 'STRIPE_KEY', value: 'sk_live_x\n' }, day2Runtime());
    expect(res).toEqual({ name: 'talent/stripe', arn: ARN('talent/stripe'), created: true });
    expect(mocks.secrets.commandCalls(CreateSecretCommand)[0]!.args[0].input).toEqual({
      Name: 'talent/stripe',
      SecretString: 'sk_live_x',
      Description: 'talent: api STRIPE_KEY (berth secrets)',
      Tags: [
        { Key: 'berth:app', Value: 'talent' },
        { Key: 'berth:stage', Value: 'prod' },
      ],
    });
  });

  it('set puts a new value in an existing secret; a JSON-key secret needs every key', async () => {
    mocks.secrets.on(DescribeSecretCommand).resolves({ ARN: ARN('talent/smtp') });
    await expect(
      setSecret({ resolved: app, name: 'talent/smtp', value: '{"user":"u"}' }, day2Runtime()),
    ).rejects.toThrow(/talent\/smtp is read by JSON key \(user, pass\): give a JSON object with pass/);
    expect(mocks.secrets.calls()).toHaveLength(0);
    const rt = day2Runtime();
    await setSecret({ resolved: app, name: 'talent/smtp', value: '{"user":"u","pass":"p"}' }, rt);
    expect(mocks.secrets.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN('talent/smtp'),
      SecretString: '{"user":"u","pass":"p"}',
    });
    expect(rt.captured.progress.join('\n')).not.toContain('"p"');
  });

  it('set refuses a name the config does not reference, before calling AWS', async () => {
    await expect(setSecret({ resolved: app, name: 'other', value: 'x' }, day2Runtime())).rejects.toThrow(
      "talent prod references no secret 'other'; referenced: talent/smtp, talent/stripe",
    );
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('set refuses the wrong account', async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:sts::999999999999:x' });
    await expect(setSecret({ resolved: app, name: 'STRIPE_KEY', value: 'x' }, day2Runtime())).rejects.toThrow(
      /credentials are for account 999999999999/,
    );
    expect(mocks.secrets.calls()).toHaveLength(0);
  });

  it('rm schedules the deletion of a secret berth created, and refuses one it did not', async () => {
    mocks.secrets
      .on(DescribeSecretCommand)
      .resolves({ ARN: ARN('talent/stripe'), Tags: [{ Key: 'berth:app', Value: 'talent' }] });
    mocks.secrets.on(DeleteSecretCommand).resolves({ DeletionDate: new Date('2026-12-14T00:00:00Z') });
    expect(await removeSecret({ resolved: app, name: 'talent/stripe' }, day2Runtime())).toEqual({
      name: 'talent/stripe',
      deletionDate: '2026-12-14T00:00:00.000Z',
    });
    expect(mocks.secrets.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN('talent/stripe'),
      RecoveryWindowInDays: 7,
    });
    mocks.secrets.on(DescribeSecretCommand).resolves({ ARN: ARN('talent/stripe'), Tags: [] });
    await expect(removeSecret({ resolved: app, name: 'talent/stripe' }, day2Runtime())).rejects.toThrow(
      /was not created by berth secrets for talent/,
    );
  });
});
