import { ASSUMPTIONS as A, PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, type Ctx, type Pricer } from './context';

/** CloudFront distributions. */
export const cloudFront: Pricer = {
  name: 'cloudfront',
  types: ['AWS::CloudFront::Distribution'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::CloudFront::Distribution')) {
      add(ctx, {
        id,
        type: r.Type,
        resource: 'CloudFront distribution',
        count: 1,
        unitPrice:
          A.cloudfrontGb * P.cloudfrontGb.usd + A.cloudfrontMillionRequests * 100 * P.cloudfrontHttps10k.usd,
        unit: 'distribution-month',
        source: P.cloudfrontGb.source,
        assumption: `${A.cloudfrontGb} GB out, ${A.cloudfrontMillionRequests} M HTTPS requests`,
        regional: false,
        settings: ['edge.cdn'],
      });
    }
  },
};
