import { z } from 'zod';

/**
 * What a service may do with a bucket it uses: `read` (GetObject and ListBucket) or `read-write` (also PutObject and
 * DeleteObject, which presigned uploads and `storage.delete` need).
 */
export const BUCKET_ACCESS = ['read', 'read-write'] as const;
export type BucketAccess = (typeof BUCKET_ACCESS)[number];

/**
 * One entry of `services.<name>.uses.buckets`: a bucket name (read-write, or read where the bucket holds env files),
 * or `{ name, access }` to say which.
 */
export const bucketUseSchema = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    /** 'read' or 'read-write'. */
    access: z.enum(BUCKET_ACCESS),
  }),
]);
export type BucketUseIn = z.infer<typeof bucketUseSchema>;

/** `services.<name>.uses`: which stores the service may touch. Each defaults to everything the app declares. */
export const usesSchema = z.strictObject({
  database: z.boolean().optional(),
  cache: z.boolean().optional(),
  buckets: z.array(bucketUseSchema).optional(),
  mail: z.boolean().optional(),
});

/** The bucket's name of a `uses.buckets` entry. */
export function bucketUseName(use: BucketUseIn): string {
  return typeof use === 'string' ? use : use.name;
}

/** The bucket names of the `envFiles` entries (`<bucket>/<key>`), whatever service lists them. */
export function envFileBuckets(
  services: Readonly<Record<string, { envFiles?: readonly string[] }>>,
): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(services))
    for (const ref of s.envFiles ?? []) {
      const slash = ref.indexOf('/');
      if (slash > 0) out.add(ref.slice(0, slash));
    }
  return out;
}

/**
 * The access of each bucket a service uses. A bucket named without an access is read-write, except a bucket that
 * holds env files: tasks read their configuration, they do not rewrite or delete it, so it is read (say
 * `{ name, access: 'read-write' }` to give more). The default `uses` (every declared bucket) follows the same rule.
 */
export function resolveBucketAccess(
  uses: readonly BucketUseIn[] | undefined,
  declared: readonly string[],
  envFiles: ReadonlySet<string>,
): Record<string, BucketAccess> {
  const implied = (name: string): BucketAccess => (envFiles.has(name) ? 'read' : 'read-write');
  const out: Record<string, BucketAccess> = {};
  for (const use of uses ?? declared)
    out[bucketUseName(use)] = typeof use === 'string' ? implied(use) : use.access;
  return out;
}
