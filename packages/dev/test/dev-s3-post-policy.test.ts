import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support';
import { python } from '../../../test/support/python';
import { startS3, type LocalS3 } from '../src/peers/s3/s3';

const OURS = {
  accessKeyId: 'BERTHPOSTPOLICY00001',
  secretAccessKey: 'post-policy-secret-0123456789abcdefgh',
};
const FORGED = { accessKeyId: OURS.accessKeyId, secretAccessKey: 'guessed-secret' };
const REGION = 'eu-west-1';
const BUCKET = 'uploads-test';
const OTHER = 'other-bucket';
/** The app's origin, allowed by the bucket's CORS rule. */
const APP = 'http://localhost:3000';

type Fields = Record<string, string>;

describe('S3 POST uploads are checked against their signed policy as S3 checks them; DeleteObjects must be signed', () => {
  let dir: string;
  let s3: LocalS3;
  let client: S3Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-post-policy-'));
    s3 = await startS3({
      dir: join(dir, 's3'),
      port: await freePort(),
      buckets: {
        [BUCKET]: {
          cors: [{ origins: [APP], methods: ['GET', 'PUT', 'POST'], headers: ['*'], maxAge: 60 }],
        } as never,
        [OTHER]: { cors: [] } as never,
      },
      credentials: OURS,
      region: REGION,
    });
    const { S3Client } = await import('@aws-sdk/client-s3');
    client = new S3Client({ endpoint: s3.endpoint, region: REGION, forcePathStyle: true, credentials: OURS });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the app hands a browser: a policy for one key under avatars/, an image of 1–16 bytes. */
  const presign = async (
    options: {
      credentials?: typeof OURS;
      region?: string;
      expires?: number;
      bucket?: string;
      key?: string;
    } = {},
  ) => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
    const signer = new S3Client({
      endpoint: s3.endpoint,
      region: options.region ?? REGION,
      forcePathStyle: true,
      credentials: options.credentials ?? OURS,
    });
    const post = await createPresignedPost(signer, {
      Bucket: options.bucket ?? BUCKET,
      Key: options.key ?? 'avatars/ada.png',
      Conditions: [
        ['content-length-range', 1, 16],
        ['starts-with', '$Content-Type', 'image/'],
        ['starts-with', '$key', 'avatars/'],
      ],
      Fields: { 'Content-Type': 'image/png' },
      Expires: options.expires ?? 60,
    });
    signer.destroy();
    return post;
  };

  const upload = async (url: string, fields: Fields, file: string, after: Fields = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([file]), 'ada.png');
    for (const [k, v] of Object.entries(after)) form.append(k, v);
    const res = await fetch(url, { method: 'POST', body: form });
    return { status: res.status, text: await res.text() };
  };

  const read = async (key: string, bucket = BUCKET) => {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    return client
      .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      .then(async (o) => ({ body: await o.Body!.transformToString(), type: o.ContentType }))
      .catch((err: Error) => err.name);
  };

  it('a presigned POST within its policy uploads, with its Content-Type (the SDK presigner, as the app uses it)', async () => {
    const post = await presign();
    const res = await upload(post.url, post.fields, 'png-bytes');
    expect(res.status, res.text).toBe(204);
    expect(await read('avatars/ada.png')).toEqual({ body: 'png-bytes', type: 'image/png' });
  });

  it('fields after the file are ignored, as S3 ignores them', async () => {
    const post = await presign({ key: 'avatars/after.png' });
    const res = await upload(post.url, post.fields, 'after', {
      key: 'avatars/elsewhere.png',
      'x-amz-meta-x': '1',
    });
    expect(res.status, res.text).toBe(204);
    expect(await read('avatars/after.png')).toMatchObject({ body: 'after' });
    expect(await read('avatars/elsewhere.png')).toBe('NoSuchKey');
  });

  const violations: [string, () => Promise<{ url: string; fields: Fields; file?: string }>, RegExp][] = [
    [
      'too large (content-length-range)',
      async () => ({ ...(await presign()), file: 'x'.repeat(17) }),
      /content-length-range/,
    ],
    [
      'empty (content-length-range minimum)',
      async () => ({ ...(await presign()), file: '' }),
      /content-length-range/,
    ],
    [
      'wrong Content-Type',
      async () => {
        const p = await presign();
        return { ...p, fields: { ...p.fields, 'Content-Type': 'text/html' } };
      },
      /Policy Condition failed/,
    ],
    [
      'wrong key prefix',
      async () => {
        const p = await presign();
        return { ...p, fields: { ...p.fields, key: 'public/index.html' } };
      },
      /Policy Condition failed/,
    ],
    ['expired', async () => presign({ expires: -5 }), /Policy expired/],
    [
      'tampered policy (a larger size range, same signature)',
      async () => {
        const p = await presign();
        const policy = JSON.parse(Buffer.from(p.fields.Policy!, 'base64').toString()) as {
          conditions: unknown[];
        };
        policy.conditions[0] = ['content-length-range', 1, 1_000_000];
        return {
          ...p,
          fields: { ...p.fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') },
        };
      },
      /<Code>SignatureDoesNotMatch<\/Code>/,
    ],
    [
      'bad signature',
      async () => {
        const p = await presign();
        return { ...p, fields: { ...p.fields, 'X-Amz-Signature': 'a'.repeat(64) } };
      },
      /<Code>SignatureDoesNotMatch<\/Code>/,
    ],
    [
      'signed with a guessed secret',
      async () => presign({ credentials: FORGED }),
      /<Code>SignatureDoesNotMatch<\/Code>/,
    ],
    ['signed for another region', async () => presign({ region: 'us-east-1' }), /region/],
    [
      'an extra field the policy does not name',
      async () => {
        const p = await presign();
        return { ...p, fields: { ...p.fields, 'x-amz-meta-owner': 'mallory' } };
      },
      /Extra input fields: x-amz-meta-owner/,
    ],
    [
      'another bucket than the policy names',
      async () => {
        const p = await presign();
        return { ...p, url: p.url.replace(`/${BUCKET}`, `/${OTHER}`) };
      },
      /bucket/,
    ],
    [
      'no policy at all (a plain form)',
      async () => ({
        url: `${s3.endpoint}/${BUCKET}`,
        fields: { key: 'avatars/ada.png', 'Content-Type': 'image/png' },
      }),
      /<Code>AccessDenied<\/Code>/,
    ],
  ];

  it.each(violations)('a presigned POST %s → 403, nothing stored', async (_what, make, message) => {
    const before = await read('avatars/ada.png');
    const { url, fields, file } = await make();
    const res = await upload(url, fields, file ?? 'evil');
    expect(res.status, res.text).toBe(403);
    expect(res.text).toMatch(message);
    expect(await read('avatars/ada.png')).toEqual(before);
    expect(await read('public/index.html')).toBe('NoSuchKey');
    expect(await read('avatars/ada.png', OTHER)).toBe('NoSuchKey');
  });

  it('DeleteObjects (POST ?delete): unsigned or forged → 403 and the objects stay; signed by the SDK it deletes', async () => {
    const { PutObjectCommand, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'keep.txt', Body: 'keep' }));
    const xml = '<Delete><Object><Key>keep.txt</Key></Object><Quiet>true</Quiet></Delete>';
    const unsigned = await fetch(`${s3.endpoint}/${BUCKET}?delete`, {
      method: 'POST',
      body: xml,
      headers: { 'content-type': 'application/xml' },
    });
    expect(unsigned.status).toBe(403);
    // The same as a form: the POST-policy path is for `POST /<bucket>` alone, never with ?delete.
    const form = new FormData();
    form.append('key', 'keep.txt');
    form.append('file', new Blob([xml]), 'delete.xml');
    const asForm = await fetch(`${s3.endpoint}/${BUCKET}?delete`, { method: 'POST', body: form });
    expect(asForm.status).toBe(403);
    expect(await read('keep.txt')).toMatchObject({ body: 'keep' });

    const { S3Client } = await import('@aws-sdk/client-s3');
    const forged = new S3Client({
      endpoint: s3.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: FORGED,
    });
    await expect(
      forged.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'keep.txt' }] } })),
    ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    forged.destroy();
    expect(await read('keep.txt')).toMatchObject({ body: 'keep' });

    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'keep.txt' }] } }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['keep.txt']);
    expect(await read('keep.txt')).toBe('NoSuchKey');
  });

  it('an unsigned GET is 403; a CORS preflight (OPTIONS) reaches s3rver', async () => {
    const get = await fetch(`${s3.endpoint}/${BUCKET}/avatars/ada.png`);
    expect(get.status).toBe(403);
    expect(await get.text()).toContain('the request is not signed');
    const preflight = await fetch(`${s3.endpoint}/${BUCKET}/avatars/ada.png`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'PUT' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, PUT, POST');
  });

  it("a refusal carries the bucket's CORS headers for an allowed origin (the page reads the 403), none for another", async () => {
    const post = await presign();
    const send = async (origin: string) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
      form.append('file', new Blob(['x'.repeat(17)]), 'ada.png');
      return fetch(post.url, { method: 'POST', body: form, headers: { origin } });
    };
    const app = await send(APP);
    expect(app.status).toBe(403);
    expect(app.headers.get('access-control-allow-origin')).toBe(APP);
    expect(await app.text()).toContain('content-length-range');
    const evil = await send('http://evil.test');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('boto3 presigned POST', () => {
  it('generate_presigned_post with conditions: within them it uploads, outside them 403', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-post-boto-'));
    const s3 = await startS3({
      dir: join(dir, 's3'),
      port: await freePort(),
      buckets: { [BUCKET]: { cors: [] } as never },
      credentials: OURS,
      region: REGION,
    });
    try {
      const script = [
        'import boto3, json, os',
        'from botocore.config import Config',
        's3 = boto3.client("s3", endpoint_url=os.environ["S3"], config=Config(signature_version="s3v4"))',
        'p = s3.generate_presigned_post(os.environ["BUCKET"], "docs/${filename}", Fields={"Content-Type": "text/plain"},',
        '    Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, 32], ["starts-with", "$key", "docs/"]], ExpiresIn=60)',
        'print(json.dumps(p))',
      ].join('\n');
      const { stdout } = await promisify(execFile)(python(), ['-c', script], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          S3: s3.endpoint,
          BUCKET,
          AWS_DEFAULT_REGION: REGION,
          AWS_ACCESS_KEY_ID: OURS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: OURS.secretAccessKey,
        },
      });
      const post = JSON.parse(stdout) as { url: string; fields: Record<string, string> };
      const send = async (content: string, fields = post.fields) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) form.append(k, v);
        form.append('file', new Blob([content]), 'notes.txt');
        return (await fetch(post.url, { method: 'POST', body: form })).status;
      };
      expect(await send('hello from boto3')).toBe(204);
      expect(await send('x'.repeat(33))).toBe(403);
      expect(await send('hi', { ...post.fields, 'Content-Type': 'text/html' })).toBe(403);
      const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: REGION,
        forcePathStyle: true,
        credentials: OURS,
      });
      // ${filename} in the key is the uploaded file's name, as S3 fills it in.
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/notes.txt' }));
      expect(await got.Body!.transformToString()).toBe('hello from boto3');
      client.destroy();
    } finally {
      await s3.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
