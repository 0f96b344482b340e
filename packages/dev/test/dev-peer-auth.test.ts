import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support';
import { python } from '../../../test/support/python';
import { startMail, type LocalMail } from '../src/peers/ses/mail';
import { startMailEvents, type LocalMailEvents } from '../src/peers/sns-sqs/mail-events';
import { startS3, type LocalS3 } from '../src/peers/s3/s3';
import { startSecretsManager, type LocalSecretsManager } from '../src/peers/secrets-manager/secrets-manager';
import { signedRequest, type RawResponse } from './support/signed-fetch';

// The state's pair (credentials.json); the attacker knows the key id (it is in every presigned URL), not the secret.
const OURS = {
  accessKeyId: 'BERTHAUTHTEST0000001',
  secretAccessKey: 'auth-test-secret-0123456789abcdefghij',
};
const FORGED = { accessKeyId: OURS.accessKeyId, secretAccessKey: 'guessed-secret' };
const REGION = 'eu-west-1';
const BUCKET = 'auth-test';
const SECRET = JSON.stringify({ username: 'app', password: 'the-db-password' });

describe('every AWS peer verifies what AWS verifies: signature, credential scope, Host', () => {
  let dir: string;
  let s3: LocalS3;
  let mail: LocalMail;
  let sm: LocalSecretsManager;
  let events: LocalMailEvents;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-peer-auth-'));
    [s3, mail, sm, events] = await Promise.all([
      startS3({
        dir: join(dir, 's3'),
        port: await freePort(),
        buckets: { [BUCKET]: { cors: [] } as never },
        credentials: OURS,
        region: REGION,
      }),
      startMail({ port: await freePort(), file: join(dir, 'mail.json'), credentials: OURS, region: REGION }),
      startSecretsManager({ port: 0, file: join(dir, 'sm.json'), region: REGION, credentials: OURS }),
      startMailEvents({ port: await freePort(), region: REGION, name: 'auth-events', credentials: OURS }),
    ]);
    sm.ensure('app/db', SECRET);
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: OURS,
    });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'original' }));
    client.destroy();
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), mail?.stop(), sm?.stop(), events?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request each peer answers when it is signed right: what the SDK would send. */
  const peers = () =>
    [
      {
        name: 'Secrets Manager',
        endpoint: sm.endpoint,
        service: 'secretsmanager',
        body: JSON.stringify({ SecretId: 'app/db' }),
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue',
        },
        refused: (r: RawResponse) => {
          expect((r.json() as { __type: string }).__type).toMatch(/Exception$/);
          expect(r.text).not.toContain('the-db');
        },
      },
      {
        name: 'SQS',
        endpoint: events.endpoint,
        service: 'sqs',
        body: JSON.stringify({ QueueUrl: events.queueUrl, MessageBody: '{"eventType":"Complaint"}' }),
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
        refused: (r: RawResponse) => expect(String(r.headers['x-amzn-query-error'])).toMatch(/;Sender$/),
      },
      {
        name: 'SNS',
        endpoint: events.endpoint,
        service: 'sns',
        body: `Action=Publish&Version=2010-03-31&TopicArn=${encodeURIComponent(events.topicArn)}&Message=forged`,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        refused: (r: RawResponse) =>
          expect(r.text).toMatch(/<ErrorResponse><Error><Type>Sender<\/Type><Code>\w+/),
      },
      {
        name: 'SES',
        endpoint: mail.endpoint,
        service: 'ses',
        path: '/v2/email/outbound-emails',
        body: JSON.stringify({
          FromEmailAddress: 'no-reply@example.com',
          Destination: { ToAddresses: ['ada@example.com'] },
          Content: { Simple: { Subject: { Data: 'signed' }, Body: { Text: { Data: 'hi' } } } },
        }),
        headers: { 'content-type': 'application/json' },
        refused: (r: RawResponse) => expect(String(r.headers['x-amzn-errortype'])).toMatch(/Exception$/),
      },
      {
        name: 'S3',
        endpoint: s3.endpoint,
        service: 's3',
        method: 'PUT',
        path: `/${BUCKET}/a.txt`,
        body: 'overwritten',
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        refused: (r: RawResponse) => expect(r.text).toMatch(/<Error><Code>\w+<\/Code>/),
      },
    ] as const;

  type Peer = ReturnType<typeof peers>[number];
  const send = (peer: Peer, over: Partial<Parameters<typeof signedRequest>[1]> = {}) =>
    signedRequest(peer.endpoint, {
      region: REGION,
      service: peer.service,
      credentials: OURS,
      method: 'method' in peer ? peer.method : 'POST',
      path: 'path' in peer ? peer.path : '/',
      body: peer.body,
      headers: { ...peer.headers },
      ...over,
    });
  const ymd = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const amzNow = () => new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');

  const hostile: [string, (peer: Peer) => Partial<Parameters<typeof signedRequest>[1]>, string[]?][] = [
    ['missing signature', () => ({ credentials: undefined })],
    ['forged signature (the key id with a guessed secret)', () => ({ credentials: FORGED })],
    [
      'the key id alone (an Authorization header naming it, no valid signature)',
      (peer) => ({
        credentials: undefined,
        headers: {
          ...peer.headers,
          'x-amz-date': amzNow(),
          authorization: `AWS4-HMAC-SHA256 Credential=${OURS.accessKeyId}/${ymd()}/${REGION}/${peer.service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
      }),
    ],
    [
      'another service in the credential scope',
      (peer) => ({ service: peer.service === 's3' ? 'sqs' : 's3' }),
    ],
    ['another region in the credential scope', () => ({ region: 'us-east-1' })],
    ['a signature 20 minutes old', () => ({ signingDate: new Date(Date.now() - 20 * 60_000) })],
    // S3 clients send the hash they signed: it must be the body's (a PUT's payload, here signed rather than unsigned).
    [
      'the body changed after signing',
      (peer) => ({
        sendBody: `${peer.body} `,
        ...(peer.service === 's3'
          ? { headers: { 'x-amz-content-sha256': createHash('sha256').update(peer.body).digest('hex') } }
          : {}),
      }),
    ],
    [
      'a foreign Host (DNS rebinding), signed as such',
      (peer) => ({ host: `evil.example:${new URL(peer.endpoint).port}` }),
    ],
    [
      'a foreign Host after signing',
      (peer) => ({ hostAfterSigning: `attacker.test:${new URL(peer.endpoint).port}` }),
    ],
    ['a local name at another port', () => ({ host: '127.0.0.1:1' })],
  ];

  const outboxBefore = () => mail.outbox().length;
  const secretNow = () => sm.read('app/db')?.value;

  it('a request signed right passes on every peer (so the refusals below are the checks, not the harness)', async () => {
    // S3 last: it overwrites a.txt, which the hostile cases must leave alone (restored after).
    for (const peer of peers()) {
      const res = await send(peer);
      expect(res.status, `${peer.name}: ${res.text}`).toBe(200);
    }
    expect(mail.outbox().map((m) => m.subject)).toEqual(['signed']);
    const { S3Client, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: OURS,
    });
    expect(
      await (
        await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }))
      ).Body!.transformToString(),
    ).toBe('overwritten');
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'original' }));
    client.destroy();
    // The message the SQS case sent, drained so the queue is empty for the checks below.
    const { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
    const sqs = new SQSClient({ endpoint: events.endpoint, region: REGION, credentials: OURS });
    for (let i = 0; i < 2; i++) {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: events.queueUrl, MaxNumberOfMessages: 10 }),
      );
      for (const m of got.Messages ?? [])
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: events.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
        );
    }
    sqs.destroy();
    expect(await events.depth()).toEqual({ waiting: 0, inFlight: 0 });
  });

  describe.each(hostile)('%s', (_what, change, except = []) => {
    it.each(['Secrets Manager', 'SQS', 'SNS', 'SES', 'S3'].filter((n) => !except.includes(n)))(
      '→ 403 from %s, in its error shape, and nothing changes',
      async (name) => {
        const peer = peers().find((p) => p.name === name)!;
        const mails = outboxBefore();
        const res = await send(peer, change(peer));
        expect(res.status, res.text).toBe(403);
        peer.refused(res);
        expect(mail.outbox().length).toBe(mails);
        expect(secretNow()).toBe(SECRET);
        expect(await events.depth()).toEqual({ waiting: 0, inFlight: 0 });
        const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
        const client = new S3Client({
          endpoint: s3.endpoint,
          region: REGION,
          forcePathStyle: true,
          credentials: OURS,
        });
        const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
        expect(await got.Body!.transformToString()).toBe('original');
        client.destroy();
      },
    );
  });

  it('presigned URLs (query-string auth) are held to the same scope: service, region, secret, Host', async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('../src/peers/sigv4');
    const url = new URL(`${s3.endpoint}/${BUCKET}/a.txt`);
    const presign = async (
      over: { service?: string; region?: string; credentials?: typeof OURS; host?: string } = {},
    ) => {
      const signer = new SignatureV4({
        credentials: over.credentials ?? OURS,
        region: over.region ?? REGION,
        service: over.service ?? 's3',
        sha256: Sha256,
        uriEscapePath: false,
      });
      const signed = await signer.presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: url.hostname,
          path: url.pathname,
          query: {},
          // As the S3 presigner signs it: no payload (hoisted into the query as X-Amz-Content-Sha256).
          headers: { host: over.host ?? url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        },
        { expiresIn: 60 },
      );
      const query = new URLSearchParams(signed.query as Record<string, string>).toString();
      return signedRequest(s3.endpoint, {
        region: REGION,
        service: 's3',
        credentials: undefined,
        method: 'GET',
        path: `${url.pathname}?${query}`,
        ...(over.host ? { host: over.host } : {}),
      });
    };
    const ok = await presign();
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toBe('original');
    const refused = {
      'another service': await presign({ service: 'sqs' }),
      'another region': await presign({ region: 'us-east-1' }),
      'a guessed secret': await presign({ credentials: FORGED }),
      'a foreign Host': await presign({ host: `evil.example:${url.port}` }),
    };
    for (const [what, res] of Object.entries(refused)) expect(res.status, `${what}: ${res.text}`).toBe(403);
    expect(refused['another service'].text).toContain("not 'sqs'");
    expect(refused['another region'].text).toContain("region is 'us-east-1'");
    expect(refused['a guessed secret'].text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(refused['a foreign Host'].text).toContain('is not this peer');
  });

  it('Secrets Manager through the SDK: the pair reads and writes; the key id with a guessed secret gets nothing', async () => {
    const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } =
      await import('@aws-sdk/client-secrets-manager');
    const ours = new SecretsManagerClient({ endpoint: sm.endpoint, region: REGION, credentials: OURS });
    const forged = new SecretsManagerClient({ endpoint: sm.endpoint, region: REGION, credentials: FORGED });
    expect((await ours.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).SecretString).toBe(SECRET);
    await expect(forged.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      forged.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: '{"password":"mine"}' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(secretNow()).toBe(SECRET);
    const unknown = new SecretsManagerClient({
      endpoint: sm.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'AKIASOMEONEELSE', secretAccessKey: OURS.secretAccessKey },
    });
    await expect(unknown.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    for (const c of [ours, forged, unknown]) c.destroy();
  });

  it('SQS and SNS through the SDK: the pair sends, publishes and receives; a forged complaint never reaches the queue', async () => {
    const { SQSClient, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand } =
      await import('@aws-sdk/client-sqs');
    const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
    const forgedSqs = new SQSClient({ endpoint: events.endpoint, region: REGION, credentials: FORGED });
    const forgedSns = new SNSClient({ endpoint: events.endpoint, region: REGION, credentials: FORGED });
    const complaint = JSON.stringify({ eventType: 'Complaint', complaint: { complainedRecipients: [] } });
    await expect(
      forgedSqs.send(new SendMessageCommand({ QueueUrl: events.queueUrl, MessageBody: complaint })),
    ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    await expect(
      forgedSns.send(new PublishCommand({ TopicArn: events.topicArn, Message: complaint })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await events.depth()).toEqual({ waiting: 0, inFlight: 0 });

    const sqs = new SQSClient({ endpoint: events.endpoint, region: REGION, credentials: OURS });
    const sns = new SNSClient({ endpoint: events.endpoint, region: REGION, credentials: OURS });
    await sns.send(new PublishCommand({ TopicArn: events.topicArn, Message: 'via sns' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: events.queueUrl, MessageBody: 'via sqs' }));
    const bodies: string[] = [];
    for (let i = 0; i < 5 && bodies.length < 2; i++) {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: events.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of got.Messages ?? []) {
        bodies.push(m.Body!.startsWith('{') ? (JSON.parse(m.Body!) as { Message: string }).Message : m.Body!);
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: events.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
        );
      }
    }
    expect(bodies.sort()).toEqual(['via sns', 'via sqs']);
    for (const c of [sqs, sns, forgedSqs, forgedSns]) c.destroy();
  });

  it('boto3 is accepted by every peer (Secrets Manager, SQS, SNS, SES v2, S3) with the pair, refused with a guessed secret', async () => {
    const script = [
      'import boto3, json, os, sys',
      'from botocore.config import Config',
      'from botocore.exceptions import ClientError',
      'e = json.loads(os.environ["ENDPOINTS"])',
      'c = lambda name: boto3.client(name, endpoint_url=e[name], config=Config(signature_version="s3v4"))',
      'out = {}',
      'out["secret"] = c("secretsmanager").get_secret_value(SecretId="app/db")["SecretString"]',
      'sqs = c("sqs")',
      'sqs.send_message(QueueUrl=e["queue"], MessageBody="from boto3")',
      'c("sns").publish(TopicArn=e["topic"], Message="boto3 via sns")',
      'got = []',
      'for _ in range(5):',
      '    for m in sqs.receive_message(QueueUrl=e["queue"], MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):',
      '        got.append(m["Body"]); sqs.delete_message(QueueUrl=e["queue"], ReceiptHandle=m["ReceiptHandle"])',
      '    if len(got) >= 2: break',
      'out["sqs"] = len(got)',
      'c("sesv2").send_email(FromEmailAddress="a@example.com", Destination={"ToAddresses": ["b@example.com"]}, Content={"Simple": {"Subject": {"Data": "from boto3"}, "Body": {"Text": {"Data": "hi"}}}})',
      's3 = c("s3")',
      's3.put_object(Bucket=e["bucket"], Key="boto.txt", Body=b"boto")',
      'out["s3"] = s3.get_object(Bucket=e["bucket"], Key="boto.txt")["Body"].read().decode()',
      'print(json.dumps(out))',
    ].join('\n');
    const endpoints = JSON.stringify({
      secretsmanager: sm.endpoint,
      sqs: events.endpoint,
      sns: events.endpoint,
      sesv2: mail.endpoint,
      s3: s3.endpoint,
      queue: events.queueUrl,
      topic: events.topicArn,
      bucket: BUCKET,
    });
    const run = (credentials: typeof OURS) =>
      promisify(execFile)(python(), ['-c', script], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          ENDPOINTS: endpoints,
          AWS_DEFAULT_REGION: REGION,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_MAX_ATTEMPTS: '1',
        },
      });
    const { stdout } = await run(OURS);
    expect(JSON.parse(stdout)).toEqual({ secret: SECRET, sqs: 2, s3: 'boto' });
    expect(mail.outbox().map((m) => m.subject)).toContain('from boto3');
    const forged = await run(FORGED).catch((err: { stderr: string }) => err);
    expect((forged as { stderr: string }).stderr).toMatch(/InvalidSignatureException|403/);
  });
});
