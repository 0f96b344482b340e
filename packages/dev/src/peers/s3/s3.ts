import { mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { ResolvedBucket } from '@berthjs/config';
import type S3rver from 's3rver';
import { MAX_SIGNED_BODY, refuseS3, requireSignature, type SignatureRefuser } from '../gate';
import { postUploads } from './post-policy';
import { asHold, type PortHold } from '../../session/ports';
import { restartableServer, type Restartable } from '../supervise';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** s3rver: the S3 wire protocol on a local port, objects stored as files under .berth/s3. */
export interface LocalS3 {
  readonly endpoint: string;
  /** Listens again on its port, with the same buckets and objects, when its server closes on its own. */
  readonly restartable: Restartable;
  stop(): Promise<void>;
}

export async function startS3(options: {
  readonly dir: string;
  /** The port, or a hold on it taken before s3rver loads (requests made meanwhile wait for it). */
  readonly port: number | PortHold;
  /** Local bucket name → its config (CORS is applied, so browser uploads behave as in the cloud). */
  readonly buckets: Readonly<Record<string, ResolvedBucket>>;
  readonly credentials: AwsCredentials;
  /** The region a signature's credential scope must name. @default 'us-east-1' */
  readonly region?: string;
}): Promise<LocalS3> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const hold = await asHold(options.port);
  const { default: S3rverServer } = await import('s3rver');
  // s3rver knows one hard-coded key pair (S3RVER/S3RVER) that anyone can guess: this state's pair replaces it.
  const account = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
  };
  account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  account.DUMMY_ACCOUNT.createKeyPair(options.credentials.accessKeyId, options.credentials.secretAccessKey);
  const server = new S3rverServer({
    address: '127.0.0.1',
    port: hold.port,
    directory: options.dir,
    silent: true,
    configureBuckets: Object.entries(options.buckets).map(([name, bucket]) => ({
      name,
      configs: bucket.cors.length > 0 ? [corsXml(bucket)] : [],
    })),
  });
  // run() is configureBuckets() then listen(): split, so the hold lets go only when s3rver is about to listen.
  await server.configureBuckets();
  const httpServer = await hold.handTo(() => server.listen(hold.port, '127.0.0.1'));
  server.httpServer = httpServer;
  // Every request signed (SigV4) for this region and s3, or a browser upload allowed by its signed POST policy.
  const region = options.region ?? 'us-east-1';
  const { credentials } = options;
  const refuse = withCors(server);
  requireSignature(httpServer, { credentials, region, services: ['s3'] }, refuse, {
    other: postUploads({ credentials, region, refuse }),
    readBody: payloadToCheck,
  });
  return {
    endpoint: `http://127.0.0.1:${hold.port}`,
    restartable: restartableServer(httpServer, hold.port),
    stop: () => server.close(),
  };
}

/**
 * S3 answers a refused request from a browser with the bucket's CORS headers when its Origin matches a rule, so the
 * page can read the 403 (a too-large upload) instead of a network error: the same rules s3rver applies (its own
 * store, so rules added while berth dev runs count too).
 */
function withCors(server: S3rver): SignatureRefuser {
  return (res, refused, status) => {
    const req = (res as ServerResponse & { req?: IncomingMessage }).req;
    const origin = req?.headers.origin;
    const bucket = /^\/([^/?]+)/.exec(req?.url ?? '')?.[1];
    if (!req || !origin || !bucket) return refuseS3(res, refused, status);
    void server.store
      .getSubresource(decodeURIComponent(bucket), undefined, 'cors')
      .then((config) => {
        const rule = config?.matchRule(origin, req.method ?? 'GET');
        if (rule && !res.headersSent) {
          res.setHeader('access-control-allow-origin', rule.hasWildcardOrigin ? '*' : origin);
          res.setHeader('access-control-allow-credentials', 'true');
          res.setHeader('vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
        }
      })
      .catch(() => undefined)
      .finally(() => refuseS3(res, refused, status));
  };
}

/**
 * A body whose SHA-256 the request signs (`x-amz-content-sha256` a hash, not `UNSIGNED-PAYLOAD` or a streaming
 * signature) and whose length is known and at most 10 MB is read and checked against it before s3rver gets it, as S3
 * answers XAmzContentSHA256Mismatch: DeleteObjects' list, a PutObject of a string or buffer. A larger one streams to
 * s3rver unchecked.
 */
function payloadToCheck(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (
    /^[0-9a-f]{64}$/.test(String(req.headers['x-amz-content-sha256'] ?? '')) &&
    length !== undefined &&
    Number(length) <= MAX_SIGNED_BODY
  );
}

/**
 * The buckets' CORS rules as the cloud has them (methods, headers, max age), with berth dev's own origins added to
 * each rule's: the router on `localhost`, `127.0.0.1` and `*.localhost` at its port, where the app's pages are served
 * locally. Nothing else is widened.
 */
export function withLocalOrigins(
  buckets: Readonly<Record<string, ResolvedBucket>>,
  routerPort: number,
): Record<string, ResolvedBucket> {
  const local = [
    `http://localhost:${routerPort}`,
    `http://127.0.0.1:${routerPort}`,
    `http://*.localhost:${routerPort}`,
  ];
  return Object.fromEntries(
    Object.entries(buckets).map(([name, b]) => [
      name,
      { ...b, cors: b.cors.map((r) => ({ ...r, origins: [...new Set([...r.origins, ...local])] })) },
    ]),
  );
}

function corsXml(bucket: ResolvedBucket): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rules = bucket.cors.map(
    (rule) =>
      `<CORSRule>${rule.origins.map((o) => `<AllowedOrigin>${esc(o)}</AllowedOrigin>`).join('')}${rule.methods
        .map((m) => `<AllowedMethod>${esc(m)}</AllowedMethod>`)
        .join('')}${rule.headers
        .map((h) => `<AllowedHeader>${esc(h)}</AllowedHeader>`)
        .join('')}<MaxAgeSeconds>${rule.maxAge}</MaxAgeSeconds></CORSRule>`,
  );
  return `<CORSConfiguration>${rules.join('')}</CORSConfiguration>`;
}

/** Buckets added to the config while berth dev runs: created through the S3 API, with their CORS rules. */
export async function createBuckets(
  endpoint: string,
  region: string,
  credentials: AwsCredentials,
  buckets: Readonly<Record<string, ResolvedBucket>>,
): Promise<void> {
  const { S3Client, CreateBucketCommand, PutBucketCorsCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
  try {
    for (const [name, bucket] of Object.entries(buckets)) {
      await client.send(new CreateBucketCommand({ Bucket: name })).catch((err: Error) => {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
      });
      if (bucket.cors.length > 0) {
        await client.send(
          new PutBucketCorsCommand({
            Bucket: name,
            CORSConfiguration: {
              CORSRules: bucket.cors.map((rule) => ({
                AllowedOrigins: [...rule.origins],
                AllowedMethods: [...rule.methods],
                ...(rule.headers.length ? { AllowedHeaders: [...rule.headers] } : {}),
                MaxAgeSeconds: rule.maxAge,
              })),
            },
          }),
        );
      }
    }
  } finally {
    client.destroy();
  }
}

export interface BucketListing {
  readonly name: string;
  readonly bucket: string;
  readonly objects: { readonly key: string; readonly size: number; readonly lastModified: string }[];
  readonly truncated: boolean;
}

/** Lists objects through the S3 API itself (the SDK is loaded on first use: the console asks, not startup). */
export async function listBuckets(
  endpoint: string,
  region: string,
  buckets: Readonly<Record<string, string>>,
  credentials: AwsCredentials,
): Promise<BucketListing[]> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
  try {
    return await Promise.all(
      Object.entries(buckets).map(async ([name, bucket]) => {
        const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 200 }));
        return {
          name,
          bucket,
          truncated: out.IsTruncated ?? false,
          objects: (out.Contents ?? []).map((o) => ({
            key: o.Key ?? '',
            size: o.Size ?? 0,
            lastModified: o.LastModified?.toISOString() ?? '',
          })),
        };
      }),
    );
  } finally {
    client.destroy();
  }
}
