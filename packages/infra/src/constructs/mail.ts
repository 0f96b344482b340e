import { Construct } from 'constructs';
import { CfnOutput, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { ResolvedMail } from '@berthjs/config';

export interface MailProps {
  readonly mail: ResolvedMail;
  /** The configuration set every message is sent with (the contract's MAIL_CONFIGURATION_SET). */
  readonly configurationSetName: string;
  /**
   * Name of the queue bounce and complaint events land in. The runtime finds it by this name, so keep it derived
   * from the app and stage (`<app>-<stage>-mail-events`).
   */
  readonly eventsQueueName: string;
  /** Route 53 zone of the sending domain (or a parent): DKIM records are created in it. @default - records are outputs */
  readonly zone?: route53.IPublicHostedZone;
}

/** An SES domain name: letters, digits, dashes and dots, at least one dot. */
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** The address part of `Name <a@b>` or `a@b`, lower-cased. */
export function addressOf(from: string): string {
  const match = /<([^<>]+)>\s*$/.exec(from);
  return (match ? match[1]! : from).trim().toLowerCase();
}

/**
 * Outgoing mail: an SES domain identity with Easy DKIM (2048-bit; CNAMEs in Route 53 when the zone is known, else
 * outputs to publish), a configuration set every message is sent with, and bounce and complaint events →
 * an SNS topic → an SQS queue.
 *
 * Why a queue and not an HTTPS subscription on the app: an SNS HTTPS endpoint is a public URL anyone can POST a
 * forged "bounce" to, and the runtime does not verify SNS message signatures, so a forged event could suppress any
 * address. A queue only SNS (this topic) may write to needs no authentication in the app: every service that uses
 * mail drains it in the background (`mail.startDraining()`, started by `serve()`; the URL comes in
 * MAIL_EVENTS_QUEUE_URL). Messages wait up to 14 days, so an outage loses nothing; one that fails five times
 * moves to the dead-letter queue.
 *
 * Cost: SES $0.10 per 1,000 messages; SNS and SQS within the free tier at bounce volumes (pennies otherwise).
 */
export class Mail extends Construct {
  /** The domain's identity: created here, or (mail.identity 'import') the one another environment created. */
  readonly identity: ses.IEmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  readonly eventsTopic: sns.Topic;
  readonly eventsQueue: sqs.Queue;
  readonly eventsDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    const { mail } = props;
    if (!DOMAIN.test(mail.domain)) {
      throw new Error(
        `${this.node.path}: mail domain ${JSON.stringify(mail.domain)} is not a domain name such as 'example.com'`,
      );
    }
    const from = addressOf(mail.from);
    // A verified domain identity also covers its subdomains:
    // https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html
    const domain = mail.domain.toLowerCase();
    if (!from.endsWith(`@${domain}`) && !from.endsWith(`.${domain}`)) {
      throw new Error(
        `${this.node.path}: from address ${JSON.stringify(from)} is not at the sending domain ${JSON.stringify(mail.domain)}`,
      );
    }

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    const zone = props.zone && coversDomain(props.zone.zoneName, mail.domain) ? props.zone : undefined;
    // An identity exists once per account and region: one environment creates it, the others send through it.
    if (mail.identity === 'import') {
      this.identity = ses.EmailIdentity.fromEmailIdentityName(this, 'Identity', mail.domain);
    } else {
      const identity = new ses.EmailIdentity(this, 'Identity', {
        // The domain itself, which may be a subdomain of the zone (Identity.publicHostedZone would verify the zone's apex).
        identity: ses.Identity.domain(mail.domain),
        configurationSet: this.configurationSet,
        dkimSigning: true,
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
      });
      this.identity = identity;
      this.publishDkim(identity, mail.domain, zone);
    }

    this.eventsTopic = new sns.Topic(this, 'Events', {
      displayName: `${props.configurationSetName} bounces and complaints`,
      enforceSSL: true,
    });
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(this.eventsTopic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });

    this.eventsDeadLetterQueue = new sqs.Queue(this, 'EventsDeadLetter', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.eventsQueue = new sqs.Queue(this, 'EventsQueue', {
      queueName: props.eventsQueueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(5),
      deadLetterQueue: { queue: this.eventsDeadLetterQueue, maxReceiveCount: 5 },
    });
    this.eventsTopic.addSubscription(new subscriptions.SqsSubscription(this.eventsQueue));
  }

  /** DKIM CNAMEs in the zone when it covers the domain, else as outputs to publish where the domain's DNS lives. */
  private publishDkim(identity: ses.EmailIdentity, domain: string, zone?: route53.IPublicHostedZone): void {
    identity.dkimRecords.forEach((record, i) => {
      if (zone) {
        new route53.CnameRecord(this, `DkimRecord${i + 1}`, {
          zone,
          recordName: record.name,
          domainName: record.value,
        });
      } else {
        // No zone to write to: print the three DKIM CNAMEs for whoever runs the domain's DNS.
        new CfnOutput(this, `DkimRecord${i + 1}`, {
          description: `DKIM CNAME ${i + 1} of 3 for ${domain}: publish it where the domain's DNS lives`,
          value: Fn.join(' ', [record.name, 'CNAME', record.value]),
        });
      }
    });
  }

  /** ses:SendEmail on exactly this identity and configuration set. */
  grantSend(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const arn = (resource: string) => stack.formatArn({ service: 'ses', resource });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The runtime sends through the SESv2 SendEmail API only, which authorizes as ses:SendEmail.
        actions: ['ses:SendEmail'],
        resources: [
          arn(`identity/${this.identity.emailIdentityName}`),
          arn(`configuration-set/${this.configurationSet.configurationSetName}`),
        ],
      }),
    );
  }

  /**
   * What the runtime's drain calls on the events queue, on exactly that queue: ReceiveMessage and DeleteMessage (the
   * URL comes in MAIL_EVENTS_QUEUE_URL, so no GetQueueUrl). The queue is SQS-managed encrypted (SSE-SQS), which needs
   * no KMS permission: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
   */
  grantDrain(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...DRAIN_ACTIONS],
        resources: [this.eventsQueue.queueArn],
      }),
    );
  }
}

/** The SQS actions the runtime's mail-events drain calls (the holder derivation expects exactly these). */
export const DRAIN_ACTIONS = Object.freeze(['sqs:ReceiveMessage', 'sqs:DeleteMessage'] as const);

/** Whether DKIM records for `domain` belong in the zone `zoneName` (the domain itself or a subdomain of it). */
export function coversDomain(zoneName: string, domain: string): boolean {
  const z = zoneName.toLowerCase().replace(/\.$/, '');
  const d = domain.toLowerCase().replace(/\.$/, '');
  return d === z || d.endsWith(`.${z}`);
}
