import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { refuseSqsSns, requireSignature } from '../gate';
import { asHold, type PortHold } from '../../session/ports';
import type { OutboxMessage } from '../ses/mail';

/**
 * The cloud's bounce and complaint path, locally: an SNS topic subscribed by an SQS queue (fauxqs, an SNS/SQS
 * emulator), as the Mail construct wires SES → SNS → SQS. The console publishes the SES event SES would publish;
 * the SNS peer wraps it in the envelope SNS delivers to SQS; the services drain the queue with the very code they
 * run in the cloud (`mail.startDraining()`, MAIL_EVENTS_QUEUE_URL and AWS_ENDPOINT_URL_SQS).
 */
export interface LocalMailEvents {
  readonly endpoint: string;
  readonly queueUrl: string;
  readonly topicArn: string;
  /** Publishes `event` (an SES event record) to the topic; resolves to the SNS message id. */
  publish(event: object): Promise<string>;
  /** Messages waiting in the queue (not yet drained) and in flight (received, not yet deleted). */
  depth(): Promise<{ waiting: number; inFlight: number }>;
  stop(): Promise<void>;
}

/**
 * The queue's URL, known before the peer is up (the services' env is built first): fauxqs names a queue
 * `http://sqs.<region>.localhost:<port>/000000000000/<name>` (its default host, `localhost`). startMailEvents checks
 * the URL CreateQueue answers against this one.
 */
export function mailEventsQueueUrl(port: number, region: string, name: string): string {
  return `http://sqs.${region}.localhost:${port}/000000000000/${name}`;
}

export async function startMailEvents(options: {
  /** The port, or a hold on it taken before the emulator loads (requests made meanwhile wait for it). */
  readonly port: number | PortHold;
  readonly region: string;
  /** The queue's and topic's name: `<app>-mail-events`. */
  readonly name: string;
  /** Only requests signed (SigV4, verified) with this key pair, for this region and sqs or sns, are answered. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}): Promise<LocalMailEvents> {
  const hold = await asHold(options.port);
  const { port } = hold;
  // Loaded on start only: the rest of the CLI never pays for the emulator and the two SDK clients.
  const [{ buildApp }, { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand }, sqsSdk] =
    await Promise.all([import('fauxqs'), import('@aws-sdk/client-sns'), import('@aws-sdk/client-sqs')]);
  const { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } = sqsSdk;
  const app = buildApp({ logger: false, defaultRegion: options.region });
  // Loopback only (fauxqs's own starter listens on every interface).
  await app.ready();
  const server = await hold.handTo(async () => {
    await app.listen({ port, host: '127.0.0.1' });
    return app.server as Server;
  });
  // SQS (AWS JSON 1.0) and SNS (query) requests sign their payload's hash: the gate reads and verifies the body.
  // Queue URLs name sqs.<region>.localhost, so names under localhost are this peer's too.
  const auth = { credentials: options.credentials, region: options.region, services: ['sqs', 'sns'] };
  requireSignature(server, { ...auth, subdomains: true }, refuseSqsSns, { readBody: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const config = { region: options.region, endpoint, credentials: options.credentials };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: options.name }));
    if (QueueUrl !== mailEventsQueueUrl(port, options.region, options.name)) {
      throw new Error(
        `the queue's URL is ${QueueUrl}, not ${mailEventsQueueUrl(port, options.region, options.name)} as the services were told`,
      );
    }
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: options.name }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn! }));
    return {
      endpoint,
      queueUrl: QueueUrl!,
      topicArn: TopicArn!,
      publish: async (event) => {
        const out = await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify(event) }));
        return out.MessageId!;
      },
      depth: async () => {
        const { Attributes: a } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return {
          waiting: Number(a?.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0),
        };
      },
      stop: async () => {
        sqs.destroy();
        sns.destroy();
        await app.close();
      },
    };
  } catch (err) {
    sqs.destroy();
    sns.destroy();
    await app.close();
    throw err;
  }
}

export type Feedback = 'bounce' | 'complaint';

/**
 * The SES event record SES publishes to SNS for `message` — a Permanent bounce or an abuse complaint of every
 * recipient — in the shape of https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html.
 */
export function sesEventFor(message: OutboxMessage, feedback: Feedback, now = new Date()): object {
  const timestamp = now.toISOString();
  const mail = {
    timestamp: message.date,
    source: message.from,
    messageId: message.id,
    destination: [...message.to],
    headersTruncated: false,
    commonHeaders: { from: [message.from], to: [...message.to], subject: message.subject },
  };
  const feedbackId = `berth-dev-${randomUUID()}`;
  if (feedback === 'bounce') {
    return {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: message.to.map((emailAddress) => ({
          emailAddress,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown (marked bounced in berth dev)',
        })),
        timestamp,
        feedbackId,
        reportingMTA: 'dsn; berth-dev.localhost',
      },
      mail,
    };
  }
  return {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: message.to.map((emailAddress) => ({ emailAddress })),
      timestamp,
      feedbackId,
      userAgent: 'berth dev console',
      complaintFeedbackType: 'abuse',
      arrivalDate: timestamp,
    },
    mail,
  };
}
