import { ASSUMPTIONS as A, PRICES as P } from '../prices';
import { readableId, resourcesOfType, str } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** S3 buckets and ECR repositories. */
export const buckets: Pricer = {
  name: 'storage',
  types: ['AWS::S3::Bucket', 'AWS::ECR::Repository'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::S3::Bucket')) {
      const noncurrent = noncurrentGb(r);
      add(ctx, {
        id,
        type: r.Type,
        resource: `S3 bucket ${readableId(id).replace(/^Bucket(?=[A-Z])/, '')}`,
        count: 1,
        unitPrice: (A.bucketGb + (noncurrent?.gb ?? 0)) * P.s3StandardGb.usd,
        unit: 'bucket-month',
        source: P.s3StandardGb.source,
        assumption: `${A.bucketGb} GB in Standard${noncurrent ? `; ${noncurrent.note}` : ''}; requests not included`,
      });
    }
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ECR::Repository')) {
      add(ctx, {
        id,
        type: r.Type,
        resource: `ECR repository ${str(props(r).RepositoryName) ?? readableId(id)}`,
        count: 1,
        unitPrice: A.ecrGbPerRepository * P.ecrGb.usd,
        unit: 'repository-month',
        source: P.ecrGb.source,
        assumption: `${A.ecrGbPerRepository} GB of images`,
      });
    }
  },
};

/**
 * Old versions a versioned bucket holds: the share of its data overwritten or deleted each month, kept for the
 * noncurrent expiry days. A versioned bucket without expiry grows every month; priced as one year of it.
 */
function noncurrentGb(r: { Properties?: Record<string, unknown> }): { gb: number; note: string } | undefined {
  const p = r.Properties ?? {};
  if ((p.VersioningConfiguration as { Status?: string } | undefined)?.Status !== 'Enabled') return undefined;
  const rules = ((p.LifecycleConfiguration as { Rules?: unknown[] } | undefined)?.Rules ?? []) as {
    NoncurrentVersionExpiration?: { NoncurrentDays?: number };
  }[];
  const days = rules.find((x) => x.NoncurrentVersionExpiration?.NoncurrentDays)?.NoncurrentVersionExpiration
    ?.NoncurrentDays;
  const churn = A.bucketGb * A.bucketChurnShare;
  if (days === undefined)
    return { gb: churn * 12, note: `old versions never expire (${churn * 12} GB after a year, growing)` };
  const gb = Math.round(churn * (days / 30) * 100) / 100;
  return {
    gb,
    note: `+${gb} GB of old versions (${A.bucketChurnShare * 100}% replaced a month, kept ${days} days)`,
  };
}
