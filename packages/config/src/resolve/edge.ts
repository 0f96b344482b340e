import { show } from '../errors';
import type { ResolvedEdge } from '../types';
import { isCidr } from '../units';
import { DOMAIN, type Ctx } from './context';
import { resolveWaf } from './waf';

export function resolveEdge(ctx: Ctx): ResolvedEdge {
  const e = ctx.app.edge ?? {};
  const { report } = ctx;
  const cdn = e.cdn ?? false;
  const ingress = e.ingress ?? (cdn ? 'cloudfront' : 'anywhere');
  if (Array.isArray(ingress)) {
    ingress.forEach((c, i) => {
      if (!isCidr(c))
        report(`edge.ingress.${i}`, `got ${show(c)}; expected an IPv4 CIDR such as '203.0.113.0/24'`);
    });
  }
  if (cdn && ingress !== 'cloudfront')
    report(
      'edge.ingress',
      `got ${show(ingress)}; with cdn: true the ALB must accept only CloudFront: 'cloudfront'`,
    );
  if (!cdn && ingress === 'cloudfront')
    report('edge.ingress', "'cloudfront' needs cdn: true (nothing else would reach the ALB)");
  if (e.domain !== undefined && !DOMAIN.test(e.domain))
    report('edge.domain', `got ${show(e.domain)}; expected a domain such as 'example.com'`);
  const hasCertSource = !!e.domain || (!!e.certificate && e.certificate !== 'create');
  if (e.https === true && !hasCertSource)
    report(
      'edge.https',
      'HTTPS needs a certificate: set edge.domain (a certificate is created) or edge.certificate (an ACM ARN)',
    );
  if (
    e.certificate &&
    e.certificate !== 'create' &&
    !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(e.certificate)
  ) {
    report('edge.certificate', `got ${show(e.certificate)}; expected 'create' or an ACM certificate ARN`);
  }
  if (e.certificate === 'create' && !e.domain) report('edge.certificate', "'create' needs edge.domain");
  // prod answers on HTTPS or says in its config that it does not: a default that quietly serves plain HTTP would
  // fail `berth check` with nothing in the config pointing at the fix.
  if (ctx.profileName === 'prod' && e.https === undefined && !hasCertSource)
    report(
      'edge',
      `prod serves HTTPS, and nothing here gives it a certificate: set edge.domain (e.g. 'example.com': ` +
        `an ACM certificate is created and validated in DNS) or edge.certificate (an existing ACM certificate ARN), ` +
        `at the top level or in environments.${ctx.stage}.overrides.edge; or write edge.https: false to choose ` +
        `plain HTTP for now`,
    );
  if (e.dns === 'external' && e.hostedZoneId)
    report('edge.hostedZoneId', "with dns: 'external' there is no Route 53 zone; remove hostedZoneId");
  // CloudFront reaches the ALB over HTTPS with the viewer's Host header, so cdn implies https in every profile.
  const https = e.https ?? ((cdn || ctx.profile.https) && hasCertSource);
  if (cdn && !e.domain)
    report(
      'edge.cdn',
      "got true without edge.domain; CloudFront serves the app's hosts under a domain whose certificate the ALB also holds: set edge.domain",
    );
  else if (cdn && !https)
    report(
      'edge.https',
      `got ${show(e.https)}; with cdn: true CloudFront reaches the ALB over HTTPS: remove https: false or set cdn: false`,
    );
  return {
    ...(e.domain ? { domain: e.domain } : {}),
    cdn,
    ingress,
    https,
    ...(https ? { certificate: e.certificate ?? 'create' } : {}),
    dns: e.dns ?? 'route53',
    ...(e.hostedZoneId ? { hostedZoneId: e.hostedZoneId } : {}),
    accessLogs: e.accessLogs ?? ctx.profile.accessLogs,
    waf: resolveWaf(ctx, e.waf),
  };
}
