import type { BerthRule } from './rule';

/**
 * A prod certificate Berth creates can be validated. ACM issues a DNS-validated certificate only once its validation
 * CNAME exists; CloudFormation adds it only when the certificate names the Route 53 hosted zone (`HostedZoneId`,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-certificatemanager-certificate-domainvalidationoption.html),
 * and otherwise waits, the stack in CREATE_IN_PROGRESS, for someone to publish it. With `edge.dns: 'external'`
 * Berth prints the records to publish (outputs); with Route 53 and no `edge.hostedZoneId` nobody is told, so the
 * first deploy hangs. An existing certificate (`edge.certificate`: an ACM ARN) needs no validation.
 */
export const CertificateValidates: BerthRule = {
  id: 'Berth-CertificateValidates',
  description: 'A certificate Berth creates in prod has a way to be validated',
  severity: 'error',
  check({ resolved }) {
    const { edge } = resolved;
    if (resolved.profile !== 'prod' || !edge.https || !edge.domain) return [];
    if (edge.certificate !== undefined && edge.certificate !== 'create') return [];
    if (edge.dns !== 'route53' || edge.hostedZoneId) return [];
    return [
      {
        resource: 'edge.hostedZoneId',
        message: `${resolved.stage} creates an ACM certificate for ${edge.domain} validated in Route 53, but names no hosted zone: the validation record is never written and the first deploy waits for it. Set edge.hostedZoneId (aws route53 list-hosted-zones-by-name --dns-name ${edge.domain}), or edge.certificate to an issued certificate's ARN, or edge.dns: 'external' to publish the records yourself`,
      },
    ];
  },
};
