import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support';
import { startMail, type LocalMail } from '../src/peers/ses/mail';
import { startS3, type LocalS3 } from '../src/peers/s3/s3';

// The session's pair as credentials.json holds it; the same key id with another secret must not pass.
const OURS = {
  accessKeyId: 'AKIDBERTHDEVGATE0001',
  secretAccessKey: 'berth-dev-gate-secret-0123456789abcdef',
};
const FORGED = { accessKeyId: OURS.accessKeyId, secretAccessKey: 'guessed-secret' };
const BUCKET = 'gate-test';

describe('local S3 and SES answer requests signed with this state key pair only (SigV4 verified)', () => {
  let s3: LocalS3;
  let mail: LocalMail;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-gate-'));
    [s3, mail] = await Promise.all([
      startS3({
        dir: join(dir, 's3'),
        port: await freePort(),
        buckets: { [BUCKET]: { cors: [] } as never },
        credentials: OURS,
      }),
      startMail({ port: await freePort(), file: join(dir, 'mail.json'), credentials: OURS }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), mail?.stop()]);
  });

  const s3Client = async (credentials: typeof OURS) => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    return new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  };

  it('S3: signed with the pair works; unsigned, a forged secret and a changed request are refused', async () => {
    const { PutObjectCommand, GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const ours = await s3Client(OURS);
    await ours.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/a file.txt', Body: 'hello' }));
    const got = await ours.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/a file.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    const listed = await ours.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dir/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['dir/a file.txt']);

    // curl with no Authorization
    const unsigned = await fetch(`${s3.endpoint}/${BUCKET}/dir/a%20file.txt`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toMatch(
      /<Code>AccessDenied<\/Code><Message>berth dev: the request is not signed/,
    );

    // the right key id with a guessed secret: the key id alone no longer opens the peer
    const forged = await s3Client(FORGED);
    await expect(
      forged.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/a file.txt' })),
    ).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });

    // a request signed for one object, replayed for another
    const signed = await captureSigned(ours, BUCKET, 'dir/a file.txt');
    expect(signed.url).toBe(`/${BUCKET}/dir/a%20file.txt?x-id=GetObject`);
    const same = await fetch(`${s3.endpoint}${signed.url}`, { headers: signed.headers });
    expect(same.status).toBe(200);
    expect(await same.text()).toBe('hello');
    const replay = await fetch(`${s3.endpoint}/${BUCKET}/other.txt?x-id=GetObject`, {
      headers: signed.headers,
    });
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('S3: presigned URLs (query-string auth) and browser POST uploads keep working; tampered or expired ones do not', async () => {
    const { GetObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
    const ours = await s3Client(OURS);
    await ours.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'resume.pdf', Body: '%PDF-1.4' }));

    const url = await getSignedUrl(ours, new GetObjectCommand({ Bucket: BUCKET, Key: 'resume.pdf' }), {
      expiresIn: 60,
    });
    expect(url).toContain('X-Amz-Signature=');
    const ok = await fetch(url);
    expect(ok.status, `${url}\n${await ok.clone().text()}`).toBe(200);
    expect(await ok.text()).toBe('%PDF-1.4');

    const other = await fetch(url.replace('/resume.pdf?', '/dir/a%20file.txt?'));
    expect(other.status).toBe(403);
    const forgedUrl = await getSignedUrl(
      await s3Client(FORGED),
      new GetObjectCommand({ Bucket: BUCKET, Key: 'resume.pdf' }),
      {
        expiresIn: 60,
      },
    );
    expect((await fetch(forgedUrl)).status).toBe(403);
    const short = await getSignedUrl(ours, new GetObjectCommand({ Bucket: BUCKET, Key: 'resume.pdf' }), {
      expiresIn: 1,
    });
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(short);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');

    const uploadPut = await getSignedUrl(ours, new PutObjectCommand({ Bucket: BUCKET, Key: 'put.txt' }), {
      expiresIn: 60,
    });
    expect((await fetch(uploadPut, { method: 'PUT', body: 'via presigned PUT' })).status).toBe(200);

    const post = await createPresignedPost(ours, { Bucket: BUCKET, Key: 'upload.pdf', Expires: 60 });
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append('file', new Blob(['%PDF-1.4 upload']), 'upload.pdf');
    expect((await fetch(post.url, { method: 'POST', body: form })).status).toBeLessThan(300);
    const uploaded = await ours.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'upload.pdf' }));
    expect(await uploaded.Body!.transformToString()).toBe('%PDF-1.4 upload');
    const put = await ours.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'put.txt' }));
    expect(await put.Body!.transformToString()).toBe('via presigned PUT');
  });

  it('SES: signed with the pair sends to the outbox; unsigned and a forged secret are refused', async () => {
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const send = (credentials: typeof OURS, subject: string) =>
      new SESv2Client({ endpoint: mail.endpoint, region: 'us-east-1', credentials }).send(
        new SendEmailCommand({
          FromEmailAddress: 'no-reply@example.com',
          Destination: { ToAddresses: ['ada@example.com'] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'hi' } } } },
        }),
      );
    const sent = await send(OURS, 'signed');
    expect(sent.MessageId).toBeTruthy();
    await expect(send(FORGED, 'forged')).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const unsigned = await fetch(`${mail.endpoint}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        FromEmailAddress: 'x@example.com',
        Destination: { ToAddresses: ['y@example.com'] },
      }),
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { message: string }).message).toMatch(/not signed/);
    expect(mail.outbox().map((m) => m.subject)).toEqual(['signed']);
  });
});

/** The path, query and headers the SDK signed a GetObject with, captured on the way out (no request is sent). */
async function captureSigned(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ url: string; headers: Record<string, string> }> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  let captured = { url: '', headers: {} as Record<string, string> };
  const command = new GetObjectCommand({ Bucket: bucket, Key: key });
  command.middlewareStack.add(
    () => async (args) => {
      const req = args.request as {
        path: string;
        query: Record<string, string>;
        headers: Record<string, string>;
      };
      const { host: _host, ...headers } = req.headers;
      captured = { url: `${req.path}?${new URLSearchParams(req.query).toString()}`, headers };
      throw new Error('captured');
    },
    { step: 'deserialize', priority: 'low' },
  );
  await client.send(command).catch(() => undefined);
  return captured;
}
