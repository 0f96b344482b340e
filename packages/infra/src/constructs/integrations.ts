import type { Construct } from 'constructs';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { ResolvedApp } from '@berthjs/config';
import { mailConfigurationSetName, prefixOf } from '@berthjs/config';
import type { Mail } from './mail';
import { MailSenders } from './mail-senders';
import { PartnerEvents } from './partner-events';

/**
 * What third parties bring into an environment: senders through its SES identity (`mail.senders`) and partner event
 * sources kept in log groups (`events.partnerSources`). Nothing when the config names neither.
 */
export function addIntegrations(
  scope: Construct,
  r: ResolvedApp,
  mail: Mail | undefined,
  removalPolicy: RemovalPolicy,
): { senders?: MailSenders; partnerEvents?: PartnerEvents } {
  const out: { senders?: MailSenders; partnerEvents?: PartnerEvents } = {};
  if (r.mail && mail && Object.keys(r.mail.senders).length)
    out.senders = new MailSenders(scope, 'MailSenders', {
      name: prefixOf(r),
      senders: r.mail.senders,
      identityName: mail.identity.emailIdentityName,
      configurationSetName: mailConfigurationSetName(r),
    });
  if (r.events.partnerSources.length)
    out.partnerEvents = new PartnerEvents(scope, 'PartnerEvents', {
      name: prefixOf(r),
      sources: r.events.partnerSources,
      retentionDays: r.logRetentionDays,
      removalPolicy,
    });
  return out;
}
