import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createMailer, type Db, type Mailer } from '../src/index';
import {
  createTestDatabase,
  startSesLocal,
  startSqsLocal,
  type LocalMailEvents,
  type LocalSes,
  type TestDatabase,
} from '../../../test/support';
import { captureLog } from './support/log';

const { log, lines } = captureLog({ stage: 'prod' });

// The SES event records as SES publishes them to SNS (the Bounce and Complaint examples of
// https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html, trimmed).
const bounce = (address: string, bounceType: 'Permanent' | 'Transient', feedbackId: string) => ({
  eventType: 'Bounce',
  bounce: {
    bounceType,
    bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
    bouncedRecipients: [
      {
        emailAddress: address,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      },
    ],
    timestamp: '2017-08-05T00:41:02.669Z',
    feedbackId,
    reportingMTA: 'dsn; mta.example.com',
  },
  mail: {
    timestamp: '2017-08-05T00:40:02.012Z',
    source: 'Sender Name <sender@example.com>',
    messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
    destination: [address],
  },
});
const complaint = (address: string, feedbackId: string) => ({
  eventType: 'Complaint',
  complaint: {
    complainedRecipients: [{ emailAddress: address }],
    timestamp: '2017-08-05T00:41:02.669Z',
    feedbackId,
    userAgent: 'Mozilla/5.0',
    complaintFeedbackType: 'abuse',
    arrivalDate: '2017-08-05T00:41:02.669Z',
  },
  mail: {
    timestamp: '2017-08-05T00:40:01.123Z',
    source: 'sender@example.com',
    messageId: 'm',
    destination: [address],
  },
});

describe('mail events drain (SES event → SNS → SQS over the wire, fauxqs; suppressions in PostgreSQL)', () => {
  let ses: LocalSes;
  let events: LocalMailEvents;
  let database: TestDatabase;
  let db: Db;
  let mailer: Mailer;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    [ses, events, database] = await Promise.all([
      startSesLocal(),
      startSqsLocal('shop-prod-mail-events'),
      createTestDatabase(),
    ]);
    db = createDb({ secret: database.secret }, { log });
    mailer = createMailer(
      { from: 'no-reply@shop.example.com', allowList: null, eventsQueueUrl: events.queueUrl },
      { db, log, region: 'us-east-1', endpoint: ses.endpoint, sqsEndpoint: events.endpoint },
    );
  });

  afterAll(async () => {
    await mailer?.close();
    await db?.close();
    await database?.drop();
    await events?.stop();
    await ses?.close();
  });

  const drainAll = async () => {
    const r = await mailer.drainEvents({ waitSeconds: 1 });
    return r;
  };

  it('a permanent bounce published to SNS is received, suppressed, and deleted after commit', async () => {
    expect(await mailer.send({ to: 'gone@example.org', subject: 's', text: 't' })).toMatchObject({
      status: 'sent',
    });
    await events.publish(bounce('Gone@Example.org', 'Permanent', 'fb-permanent-1'));
    const r = await drainAll();
    expect(r).toEqual({
      received: 1,
      deleted: 1,
      failed: 0,
      duplicates: 0,
      suppressed: ['gone@example.org'],
    });
    expect(await events.depth()).toEqual({ waiting: 0, inFlight: 0 });
    const { rows } = await db.query('SELECT address, reason FROM berth_mail_suppressions');
    expect(rows).toEqual([{ address: 'gone@example.org', reason: 'bounce:General' }]);
    const before = (await ses.messages()).length;
    expect(await mailer.send({ to: 'gone@example.org', subject: 's', text: 't' })).toEqual({
      status: 'suppressed',
    });
    expect((await ses.messages()).length).toBe(before);
  });

  it('a redelivered event (same SES feedback id, new SNS message) is deleted and changes nothing', async () => {
    await events.publish(complaint('angry@example.org', 'fb-complaint-1'));
    await events.publish(complaint('angry@example.org', 'fb-complaint-1'));
    const first = await drainAll();
    const second = first.received === 2 ? first : await drainAll();
    const total = first === second ? first : { ...second, received: first.received + second.received };
    expect(total.received).toBe(2);
    expect(await events.depth()).toEqual({ waiting: 0, inFlight: 0 });
    const { rows } = await db.query<{ event_id: string; event_type: string }>(
      "SELECT event_id, event_type FROM berth_mail_events WHERE event_id = 'ses:fb-complaint-1'",
    );
    expect(rows).toEqual([{ event_id: 'ses:fb-complaint-1', event_type: 'Complaint' }]);
    expect(lines.filter((l) => l.msg === 'mail: event already handled, skipped')).toHaveLength(1);
    expect(await mailer.isSuppressed('angry@example.org')).toBe(true);
  });

  it('a transient bounce is recorded and deleted, and the address is still sent to', async () => {
    await events.publish(bounce('full@example.org', 'Transient', 'fb-transient-1'));
    const r = await drainAll();
    expect(r).toMatchObject({ received: 1, deleted: 1, suppressed: [] });
    expect(await mailer.isSuppressed('full@example.org')).toBe(false);
    const { rows } = await db.query(
      "SELECT event_type, suppressed FROM berth_mail_events WHERE event_id = 'ses:fb-transient-1'",
    );
    expect(rows).toEqual([{ event_type: 'Bounce:Transient', suppressed: false }]);
    expect(await mailer.send({ to: 'full@example.org', subject: 's', text: 't' })).toMatchObject({
      status: 'sent',
    });
  });

  it('a message that is not an SES event stays on the queue for SQS to retry (and dead-letter), and is logged', async () => {
    await events.publish({ eventType: 'Bounce', bounce: 'not an object' });
    // A body that is not JSON at all, as a misconfigured publisher could send.
    const sqs = await import('@aws-sdk/client-sqs');
    const client = new sqs.SQSClient({ region: 'us-east-1', endpoint: events.endpoint });
    await client.send(new sqs.SendMessageCommand({ QueueUrl: events.queueUrl, MessageBody: 'not json' }));
    client.destroy();
    const r = await mailer.drainEvents({ waitSeconds: 1 });
    const again = r.received === 2 ? r : await mailer.drainEvents({ waitSeconds: 1 });
    expect(r.failed + (again === r ? 0 : again.failed)).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => String(l.msg).startsWith('mail: event not handled, left on the queue'))).toBe(
      true,
    );
    expect((await events.depth()).inFlight).toBeGreaterThanOrEqual(1);
  });

  it('startDraining long-polls until stopped; stop() aborts the open poll promptly', async () => {
    const loop = mailer.startDraining({ waitSeconds: 20 });
    await events.publish(complaint('later@example.org', 'fb-complaint-2'));
    await expect
      .poll(() => mailer.isSuppressed('later@example.org'), { timeout: 15_000, interval: 200 })
      .toBe(true);
    const t = Date.now();
    await loop.stop();
    expect(Date.now() - t).toBeLessThan(5_000);
  });

  it('the SNS/SQS peer answers its own access key only', async () => {
    const sqs = await import('@aws-sdk/client-sqs');
    const client = new sqs.SQSClient({
      region: 'us-east-1',
      endpoint: events.endpoint,
      credentials: { accessKeyId: 'someone-else', secretAccessKey: 'x' },
    });
    await expect(client.send(new sqs.ReceiveMessageCommand({ QueueUrl: events.queueUrl }))).rejects.toThrow(
      /access key 'someone-else' is not this berth dev's/,
    );
    client.destroy();
  });

  it('without MAIL_EVENTS_QUEUE_URL, drainEvents says what is missing', async () => {
    const m = createMailer(
      { from: 'no-reply@shop.example.com', allowList: null },
      { log, region: 'us-east-1' },
    );
    await expect(m.drainEvents()).rejects.toThrow(/MAIL_EVENTS_QUEUE_URL is not set/);
  });
});
