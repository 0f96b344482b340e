import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { python } from '../../../test/support/python';
import { signedFetch } from './support/signed-fetch';
import {
  accessKeyId,
  startSecretsManager,
  type LocalSecretsManager,
  type SecretsAction,
} from '../src/peers/secrets-manager/secrets-manager';

// The state's pair: the peer verifies every request's signature against it.
const OURS = { accessKeyId: 'LOCAL', secretAccessKey: 'x' };
const SECRET = JSON.stringify({ username: 'postgres', password: 'one', host: '127.0.0.1', port: 5432 });
const client = (endpoint: string) =>
  new SecretsManagerClient({ endpoint, region: 'eu-west-1', credentials: OURS });

describe('Secrets Manager peer, through @aws-sdk/client-secrets-manager', () => {
  let dir: string;
  let peer: LocalSecretsManager;
  let arn: string;
  const calls: [SecretsAction, string, string | undefined][] = [];
  let deny: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-sm-'));
    peer = await startSecretsManager({
      port: 0,
      file: join(dir, 'secretsmanager.json'),
      region: 'eu-west-1',
      credentials: OURS,
      authorize: (action, secretArn, caller) => {
        calls.push([action, secretArn, caller]);
        return caller !== deny;
      },
    });
    arn = peer.ensure('shop/db', SECRET);
  });
  afterAll(async () => {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the secret an ARN of AWS shape, and ensure() keeps the existing one', () => {
    expect(arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:shop\/db-[A-Za-z0-9]{6}$/);
    expect(peer.ensure('shop/db', 'other')).toBe(arn);
    expect(peer.read('shop/db')?.value).toBe(SECRET);
  });

  it('GetSecretValue by ARN and by name returns AWSCURRENT', async () => {
    const sm = client(peer.endpoint);
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    const byName = await sm.send(new GetSecretValueCommand({ SecretId: 'shop/db' }));
    expect(byArn.SecretString).toBe(SECRET);
    expect(byArn.ARN).toBe(arn);
    expect(byArn.Name).toBe('shop/db');
    expect(byArn.VersionStages).toEqual(['AWSCURRENT']);
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    expect(byName.VersionId).toBe(byArn.VersionId);
    sm.destroy();
  });

  it('an unknown secret is ResourceNotFoundException, as in AWS', async () => {
    const sm = client(peer.endpoint);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })),
    ).rejects.toThrow(/staging label: AWSPENDING/);
    sm.destroy();
  });

  it('rotation steps: PutSecretValue AWSPENDING, UpdateSecretVersionStage AWSCURRENT moves AWSPREVIOUS', async () => {
    const sm = client(peer.endpoint);
    const before = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    const next = JSON.stringify({ ...JSON.parse(SECRET), password: 'two' });
    const pending = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: next, VersionStages: ['AWSPENDING'] }),
    );
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    // Still the old value until the label moves.
    expect((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe(SECRET);
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: before.VersionId,
      }),
    );
    const after = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(after.SecretString).toBe(next);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described.VersionIdsToStages?.[before.VersionId!]).toEqual(['AWSPREVIOUS']);
    expect(described.VersionIdsToStages?.[pending.VersionId!]).toContain('AWSCURRENT');
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));
    expect(previous.SecretString).toBe(SECRET);
    sm.destroy();
  });

  it('PutSecretValue with the same token is idempotent, with another value refused', async () => {
    const sm = client(peer.endpoint);
    const token = '11111111-2222-3333-4444-555555555555';
    const a = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'x', ClientRequestToken: token }),
    );
    const b = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'x', ClientRequestToken: token }),
    );
    expect(b.VersionId).toBe(a.VersionId);
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'y', ClientRequestToken: token })),
    ).rejects.toThrow(/already exists/);
    sm.destroy();
  });

  it('the authorizer sees the action, the ARN and the caller, and a refusal is AccessDeniedException', async () => {
    calls.length = 0;
    const sm = client(peer.endpoint);
    deny = 'LOCAL';
    const err = await sm.send(new DescribeSecretCommand({ SecretId: 'shop/db' })).catch((e: Error) => e);
    deny = undefined;
    expect((err as Error).name).toBe('AccessDeniedException');
    expect(calls).toEqual([['secretsmanager:DescribeSecret', arn, 'LOCAL']]);
    sm.destroy();
  });

  it('keeps its store private to the user (mode 0600), with the rotated value', () => {
    const file = join(dir, 'secretsmanager.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('"AWSPREVIOUS"');
  });

  it('answers boto3 (AWS_ENDPOINT_URL_SECRETS_MANAGER, no endpoint in the code)', async () => {
    // Async: the peer answers from this very process.
    const { stdout: out } = await promisify(execFile)(
      python(),
      [
        '-c',
        [
          'import boto3, json',
          'sm = boto3.client("secretsmanager")',
          'v = sm.get_secret_value(SecretId="shop/db")',
          'd = sm.describe_secret(SecretId=v["ARN"])',
          'p = sm.put_secret_value(SecretId=v["ARN"], SecretString=v["SecretString"] + " ", VersionStages=["AWSPENDING"])',
          'print(json.dumps({"name": v["Name"], "stages": d["VersionIdsToStages"][v["VersionId"]], "pending": p["VersionStages"]}))',
        ].join('\n'),
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: peer.endpoint,
          AWS_DEFAULT_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: OURS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: OURS.secretAccessKey,
        },
      },
    );
    expect(JSON.parse(out)).toEqual({ name: 'shop/db', stages: ['AWSCURRENT'], pending: ['AWSPENDING'] });
    expect(calls.at(-1)).toEqual(['secretsmanager:PutSecretValue', arn, 'LOCAL']);
  });

  it('reads the access key id out of a SigV4 Authorization header', () => {
    expect(
      accessKeyId(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=abc',
      ),
    ).toBe('AKIDEXAMPLE');
    expect(accessKeyId(undefined)).toBeUndefined();
  });

  it('a request that is not the JSON protocol gets a clear error, not a 5xx', async () => {
    const res = await signedFetch(peer.endpoint, 'eu-west-1', OURS, {
      body: 'x',
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'SerializationException' });
    const other = await signedFetch(peer.endpoint, 'eu-west-1', OURS, {
      body: '{"SecretId":"shop/db"}',
      headers: { 'x-amz-target': 'secretsmanager.DeleteSecret' },
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
