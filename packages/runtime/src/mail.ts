import { ENV } from '@berthjs/config/contract';
import { lazy } from './interop';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MailConfig } from './config';
import { assertHeaderSafe, parseMailbox } from './address';
import type { Db, Queryable } from './db';
import { BadRequestError, BerthError } from './errors';
import type { Logger } from './logger';

export interface MailMessage {
  /**
   * One recipient: `ann@example.com` or `Ann <ann@example.com>`. A list, a group or a header-breaking character is
   * a 400 (INVALID_ADDRESS / INVALID_HEADER); SES receives only the parsed address.
   */
  readonly to: string;
  /** One address replies go to, parsed like `to`. @default - none (replies go to the sender) */
  readonly replyTo?: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export interface SendResult {
  /** sent: handed to SES; dropped: not on the allow-list (outside prod); suppressed: bounced or complained before. */
  readonly status: 'sent' | 'dropped' | 'suppressed';
  readonly messageId?: string;
}

export interface NotificationResult {
  /** The addresses this event added to the suppression list (already-suppressed ones included). */
  readonly suppressed: string[];
  /** The event was processed before (same SES feedback id or SNS message id): nothing was done again. */
  readonly duplicate: boolean;
}

export interface DrainResult {
  readonly received: number;
  /** Processed (or recognised as already processed) and deleted from the queue. */
  readonly deleted: number;
  /** Left on the queue (not JSON, database down…): SQS offers it again, and after 5 receives dead-letters it. */
  readonly failed: number;
  readonly duplicates: number;
  readonly suppressed: string[];
}

export interface Draining {
  /** Stops polling (an open long poll is aborted) after the message in hand is processed and deleted. */
  stop(): Promise<void>;
}

export interface Mailer {
  send(message: MailMessage): Promise<SendResult>;
  /**
   * One SES event as it arrives: an SNS envelope (what an SQS subscription delivers) or the bare event. Permanent
   * bounces and complaints are suppressed; transient and undetermined bounces are recorded only. Idempotent: the SES
   * feedback id (else the SNS message id, else `options.id`) is recorded with the suppressions in one transaction,
   * so a redelivered event changes nothing.
   */
  handleNotification(snsMessageBody: string | object, options?: { id?: string }): Promise<NotificationResult>;
  /**
   * One receive from the events queue (MAIL_EVENTS_QUEUE_URL): each message is handled, then deleted once its
   * transaction has committed. `waitSeconds` > 0 long-polls.
   */
  drainEvents(options?: {
    readonly waitSeconds?: number;
    readonly maxMessages?: number;
    readonly signal?: AbortSignal;
  }): Promise<DrainResult>;
  /** drainEvents in a loop (20 s long polls, back-off on errors) until stopped or close(). `serve()` starts it. */
  startDraining(options?: { readonly waitSeconds?: number; readonly idleMs?: number }): Draining;
  suppress(address: string, reason: string): Promise<void>;
  isSuppressed(address: string): Promise<boolean>;
  /** Stops draining. */
  close(): Promise<void>;
}

export interface MailerOptions {
  /** Where suppressions live (table berth_mail_suppressions); without it they last as long as this process. */
  readonly db?: Db;
  readonly log: Logger;
  readonly region: string;
  /** A local SES peer. @default - AWS_ENDPOINT_URL_SESV2 */
  readonly endpoint?: string;
  /** @default - created on first send */
  readonly client?: SESv2Client;
  /** A local SQS peer for the events queue. @default - AWS_ENDPOINT_URL_SQS */
  readonly sqsEndpoint?: string;
  /** @default - created on first drain */
  readonly sqsClient?: SQSClient;
}

/**
 * `Ann <Ann@Example.com>` → `ann@example.com`; anything that is not exactly one address falls back to the trimmed,
 * lower-cased input (suppression keys from SES events, which SES itself produced).
 */
export function normalizeAddress(raw: string): string {
  try {
    return parseMailbox(raw).address;
  } catch {
    return raw.trim().toLowerCase();
  }
}

/** `ann@example.com` → `a***@example.com`: enough to debug, not enough to harvest. */
export function maskAddress(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

export function isAllowed(address: string, allowList: readonly string[] | null): boolean {
  if (allowList === null) return true;
  const a = address.toLowerCase();
  return allowList.some((entry) => (entry.startsWith('@') ? a.endsWith(entry) : a === entry));
}

/**
 * SES v2 with two guards: an allow-list outside prod (so staging never mails a real applicant) and a suppression
 * list fed by SES bounce/complaint notifications (so a hard-bounced address is never tried again, protecting the
 * account's reputation).
 */
export function createMailer(config: MailConfig, options: MailerOptions): Mailer {
  const { log, db } = options;
  // The sender is configuration, but it becomes a header all the same: proven one clean mailbox before any send.
  assertHeaderSafe(config.from, 'from');
  parseMailbox(config.from, 'from');
  const endpoint = options.endpoint;
  let client: Promise<SESv2Client> | undefined = options.client ? Promise.resolve(options.client) : undefined;
  const ses = () =>
    (client ??= lazy(import('@aws-sdk/client-sesv2')).then(
      ({ SESv2Client }) => new SESv2Client({ region: options.region, ...(endpoint ? { endpoint } : {}) }),
    ));
  const memory = new Map<string, string>();
  const seen = new Set<string>();
  let table: Promise<void> | undefined;
  const ensureTable = () =>
    (table ??= (async () => {
      await db!.query(
        `CREATE TABLE IF NOT EXISTS berth_mail_suppressions (
           address text PRIMARY KEY,
           reason text NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      // One row per SES event handled: what makes a redelivery a no-op, and a record of transient bounces.
      await db!.query(
        `CREATE TABLE IF NOT EXISTS berth_mail_events (
           event_id text PRIMARY KEY,
           event_type text NOT NULL,
           recipients integer NOT NULL,
           suppressed boolean NOT NULL,
           received_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    })().catch((err: unknown) => {
      table = undefined;
      throw err;
    }));

  const isSuppressed = async (address: string): Promise<boolean> => {
    const a = normalizeAddress(address);
    if (!db) return memory.has(a);
    await ensureTable();
    const { rows } = await db.query('SELECT 1 FROM berth_mail_suppressions WHERE address = $1', [a]);
    return rows.length > 0;
  };

  const insertSuppression = (q: Queryable, address: string, reason: string) =>
    q.query(
      'INSERT INTO berth_mail_suppressions (address, reason) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING',
      [address, reason],
    );

  const suppress = async (address: string, reason: string): Promise<void> => {
    const a = normalizeAddress(address);
    log.info({ to: maskAddress(a), reason }, 'mail: address suppressed');
    if (!db) {
      memory.set(a, reason);
      return;
    }
    await ensureTable();
    await insertSuppression(db, a, reason);
  };

  const handleNotification = async (
    body: string | object,
    options: { id?: string } = {},
  ): Promise<NotificationResult> => {
    const parsed = parseSesEvent(body);
    if (!parsed) return { suppressed: [], duplicate: false };
    const { event, snsMessageId } = parsed;
    const type = event.eventType ?? event.notificationType;
    let recipients: string[] = [];
    let reason = '';
    let suppressing = false;
    if (type === 'Bounce') {
      recipients = (event.bounce?.bouncedRecipients ?? []).map((r) => r?.emailAddress);
      // Only a Permanent bounce means the address will never accept mail; Transient and Undetermined may recover:
      // https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-bounce-types
      suppressing = event.bounce?.bounceType === 'Permanent';
      reason = `bounce:${event.bounce?.bounceSubType ?? event.bounce?.bounceType ?? 'unknown'}`;
    } else if (type === 'Complaint') {
      recipients = (event.complaint?.complainedRecipients ?? []).map((r) => r?.emailAddress);
      suppressing = true;
      reason = `complaint:${event.complaint?.complaintFeedbackType ?? 'unknown'}`;
    } else {
      log.debug({ type }, 'mail: notification ignored');
      return { suppressed: [], duplicate: false };
    }
    const addresses = [
      ...new Set(
        recipients.filter((r): r is string => typeof r === 'string' && r !== '').map(normalizeAddress),
      ),
    ];
    const feedbackId = event.bounce?.feedbackId ?? event.complaint?.feedbackId;
    const key =
      typeof feedbackId === 'string' && feedbackId
        ? `ses:${feedbackId}`
        : snsMessageId
          ? `sns:${snsMessageId}`
          : options.id
            ? `sqs:${options.id}`
            : undefined;
    const eventType = type === 'Bounce' ? `Bounce:${event.bounce?.bounceType ?? 'unknown'}` : 'Complaint';
    const suppressed = suppressing ? addresses : [];

    if (!db) {
      if (key && seen.has(key)) return { suppressed: [], duplicate: true };
      if (key) seen.add(key);
      for (const a of suppressed) memory.set(a, reason);
    } else {
      await ensureTable();
      const fresh = await db.transaction(async (q) => {
        if (key) {
          const { rowCount } = await q.query(
            `INSERT INTO berth_mail_events (event_id, event_type, recipients, suppressed)
             VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`,
            [key, eventType, addresses.length, suppressing],
          );
          if (rowCount === 0) return false;
        }
        for (const a of suppressed) await insertSuppression(q, a, reason);
        return true;
      });
      if (!fresh) {
        log.info({ event: key, type: eventType }, 'mail: event already handled, skipped');
        return { suppressed: [], duplicate: true };
      }
    }
    for (const a of suppressed) log.info({ to: maskAddress(a), reason }, 'mail: address suppressed');
    if (!suppressing)
      log.info(
        { type: eventType, to: addresses.map(maskAddress) },
        'mail: bounce recorded, not suppressed (not permanent)',
      );
    return { suppressed, duplicate: false };
  };

  const queueUrl = config.eventsQueueUrl;
  let sqsClient: Promise<SQSClient> | undefined = options.sqsClient
    ? Promise.resolve(options.sqsClient)
    : undefined;
  const sqs = () =>
    (sqsClient ??= lazy(import('@aws-sdk/client-sqs')).then(
      ({ SQSClient }) =>
        new SQSClient({
          region: options.region,
          ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}),
        }),
    ));

  const drainEvents: Mailer['drainEvents'] = async ({ waitSeconds = 0, maxMessages = 10, signal } = {}) => {
    if (!queueUrl) {
      throw new BerthError(
        `mail.drainEvents: ${ENV.mailEventsQueueUrl} is not set; berth sets it where the app has mail`,
        { code: 'NOT_CONFIGURED' },
      );
    }
    const [{ ReceiveMessageCommand, DeleteMessageCommand }, c] = await Promise.all([
      lazy(import('@aws-sdk/client-sqs')),
      sqs(),
    ]);
    const out = await c.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      signal ? { abortSignal: signal } : {},
    );
    const messages = out.Messages ?? [];
    let deleted = 0;
    let failed = 0;
    let duplicates = 0;
    const suppressed: string[] = [];
    for (const m of messages) {
      let result: NotificationResult;
      try {
        result = await handleNotification(m.Body ?? '', m.MessageId ? { id: m.MessageId } : {});
      } catch (err) {
        failed++;
        log.warn(
          {
            messageId: m.MessageId,
            receiveCount: m.Attributes?.ApproximateReceiveCount,
            err: { message: (err as Error).message },
          },
          'mail: event not handled, left on the queue (after 5 receives it moves to the dead-letter queue)',
        );
        continue;
      }
      // Deleted only after the suppressions committed: a crash in between means a redelivery, which is a no-op.
      await c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      deleted++;
      if (result.duplicate) duplicates++;
      suppressed.push(...result.suppressed);
    }
    return { received: messages.length, deleted, failed, duplicates, suppressed };
  };

  const loops = new Set<Draining>();
  const startDraining: Mailer['startDraining'] = ({ waitSeconds = 20, idleMs = 1_000 } = {}) => {
    const controller = new AbortController();
    let stopped = false;
    // The signal lives as long as the loop: each wait removes its own listener when it ends, or one idle poll a
    // second would pile up listeners (and the closures they hold) for the life of the process.
    const { signal } = controller;
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
      });
    const loop = (async () => {
      let backoff = 1_000;
      while (!stopped) {
        try {
          const r = await drainEvents({ waitSeconds, signal });
          backoff = 1_000;
          if (r.received === 0 && !stopped) await pause(idleMs);
        } catch (err) {
          if (stopped) break;
          log.warn(
            { err: { message: (err as Error).message }, retryMs: backoff },
            'mail: draining events failed',
          );
          await pause(backoff);
          backoff = Math.min(backoff * 2, 60_000);
        }
      }
    })();
    const handle: Draining = {
      stop: async () => {
        stopped = true;
        controller.abort();
        await loop;
        loops.delete(handle);
      },
    };
    loops.add(handle);
    return handle;
  };

  return {
    isSuppressed,
    suppress,
    handleNotification,
    drainEvents,
    startDraining,
    async close() {
      await Promise.all([...loops].map((l) => l.stop()));
    },

    async send({ to, subject, text, html, replyTo }) {
      const { address } = parseMailbox(to, 'to');
      const reply = replyTo === undefined ? undefined : parseMailbox(replyTo, 'replyTo').address;
      if (typeof subject !== 'string') throw new BadRequestError('Mail subject must be a string');
      assertHeaderSafe(subject, 'subject');
      if (!isAllowed(address, config.allowList)) {
        log.info({ to: maskAddress(address), subject }, 'mail: dropped, recipient not on the allow-list');
        return { status: 'dropped' as const };
      }
      if (await isSuppressed(address)) {
        log.info({ to: maskAddress(address), subject }, 'mail: skipped, recipient is suppressed');
        return { status: 'suppressed' as const };
      }
      const [{ SendEmailCommand }, c] = await Promise.all([lazy(import('@aws-sdk/client-sesv2')), ses()]);
      const out = await c.send(
        new SendEmailCommand({
          FromEmailAddress: config.from,
          // The parsed address, never the raw string: the allow-list checked exactly this.
          Destination: { ToAddresses: [address] },
          ...(reply === undefined ? {} : { ReplyToAddresses: [reply] }),
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: text, Charset: 'UTF-8' },
                ...(html === undefined ? {} : { Html: { Data: html, Charset: 'UTF-8' } }),
              },
            },
          },
          ...(config.configurationSet ? { ConfigurationSetName: config.configurationSet } : {}),
        }),
      );
      log.info({ to: maskAddress(address), messageId: out.MessageId }, 'mail: sent');
      return { status: 'sent' as const, ...(out.MessageId ? { messageId: out.MessageId } : {}) };
    },
  };
}

/**
 * The fields of an SES event this reads, as SES publishes them to SNS (event publishing: `eventType`; identity
 * feedback notifications: `notificationType`):
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html and the examples at
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html
 */
interface SesEvent {
  notificationType?: string;
  eventType?: string;
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    feedbackId?: string;
    bouncedRecipients?: Array<{ emailAddress: string }>;
  };
  complaint?: {
    complaintFeedbackType?: string;
    feedbackId?: string;
    complainedRecipients?: Array<{ emailAddress: string }>;
  };
}

/** SNS envelope (`Type: Notification`, `Message` a JSON string) or the bare SES event. */
function parseSesEvent(body: string | object): { event: SesEvent; snsMessageId?: string } | undefined {
  let value: unknown = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new BadRequestError('Notification body is not JSON', { code: 'INVALID_NOTIFICATION' });
    }
  }
  if (!value || typeof value !== 'object')
    throw new BadRequestError('Notification body is not an object', { code: 'INVALID_NOTIFICATION' });
  const envelope = value as { Type?: string; Message?: unknown; MessageId?: unknown };
  if (envelope.Type === 'SubscriptionConfirmation' || envelope.Type === 'UnsubscribeConfirmation')
    return undefined;
  if (envelope.Type === 'Notification') {
    if (typeof envelope.Message !== 'string')
      throw new BadRequestError('SNS Message is missing', { code: 'INVALID_NOTIFICATION' });
    let event: unknown;
    try {
      event = JSON.parse(envelope.Message);
    } catch {
      throw new BadRequestError('SNS Message is not JSON', { code: 'INVALID_NOTIFICATION' });
    }
    if (!event || typeof event !== 'object')
      throw new BadRequestError('SNS Message is not an object', { code: 'INVALID_NOTIFICATION' });
    return {
      event: event as SesEvent,
      ...(typeof envelope.MessageId === 'string' ? { snsMessageId: envelope.MessageId } : {}),
    };
  }
  return { event: value as SesEvent };
}
