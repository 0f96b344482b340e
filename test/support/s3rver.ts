import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface LocalS3 {
  /** http://127.0.0.1:<port>: set as AWS_ENDPOINT_URL_S3. Credentials: S3RVER / S3RVER. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const CORS_ALLOW_ALL = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>DELETE</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/**
 * An in-process s3rver on a free port with `buckets` created (CORS: everything allowed), in a temp directory.
 * Note what s3rver does NOT check (read in its source): SigV4 signatures are accepted unverified and POST policy
 * documents are ignored, so content-type and size conditions are only enforced by real S3.
 */
export async function startS3rver(buckets: string[]): Promise<LocalS3> {
  const { default: S3rver } = await import('s3rver');
  const dir = await mkdtemp(join(tmpdir(), 'berth-s3-'));
  const port = await freePort();
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name, configs: [CORS_ALLOW_ALL] })),
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
