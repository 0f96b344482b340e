import { lazy } from './interop';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailConfig } from './config';
import { assertHeaderSafe, parseMailbox } from './address';
import type { Db } from './db';
import { BadRequestError } from './errors';
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

export interface Mailer {
  send(message: MailMessage): Promise<SendResult>;
  /** An SNS notification (envelope or bare SES event) → Permanent bounces and complaints are suppressed. */
  handleNotification(snsMessageBody: string | object): Promise<{ suppressed: string[] }>;
  suppress(address: string, reason: string): Promise<void>;
  isSuppressed(address: string): Promise<boolean>;
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
  let table: Promise<void> | undefined;
  const ensureTable = () =>
    (table ??= db!
      .query(
        `CREATE TABLE IF NOT EXISTS berth_mail_suppressions (
           address text PRIMARY KEY,
           reason text NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now()
         )`,
      )
      .then(
        () => undefined,
        (err: unknown) => {
          table = undefined;
          throw err;
        },
      ));

  const isSuppressed = async (address: string): Promise<boolean> => {
    const a = normalizeAddress(address);
    if (!db) return memory.has(a);
    await ensureTable();
    const { rows } = await db.query('SELECT 1 FROM berth_mail_suppressions WHERE address = $1', [a]);
    return rows.length > 0;
  };

  const suppress = async (address: string, reason: string): Promise<void> => {
    const a = normalizeAddress(address);
    log.info({ to: maskAddress(a), reason }, 'mail: address suppressed');
    if (!db) {
      memory.set(a, reason);
      return;
    }
    await ensureTable();
    await db.query(
      'INSERT INTO berth_mail_suppressions (address, reason) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING',
      [a, reason],
    );
  };

  return {
    isSuppressed,
    suppress,

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

    async handleNotification(body) {
      const event = parseSesEvent(body);
      if (!event) return { suppressed: [] };
      const type = event.notificationType ?? event.eventType;
      let recipients: string[] = [];
      let reason = '';
      if (type === 'Bounce' && event.bounce?.bounceType === 'Permanent') {
        recipients = (event.bounce.bouncedRecipients ?? []).map((r) => r.emailAddress);
        reason = `bounce:${event.bounce.bounceSubType ?? 'Permanent'}`;
      } else if (type === 'Complaint') {
        recipients = (event.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress);
        reason = `complaint:${event.complaint?.complaintFeedbackType ?? 'unknown'}`;
      } else {
        log.debug({ type, bounceType: event.bounce?.bounceType }, 'mail: notification ignored');
        return { suppressed: [] };
      }
      const suppressed: string[] = [];
      for (const r of recipients) {
        if (typeof r !== 'string' || !r) continue;
        await suppress(r, reason);
        suppressed.push(normalizeAddress(r));
      }
      return { suppressed };
    },
  };
}

interface SesEvent {
  notificationType?: string;
  eventType?: string;
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: Array<{ emailAddress: string }>;
  };
  complaint?: { complaintFeedbackType?: string; complainedRecipients?: Array<{ emailAddress: string }> };
}

/** SNS envelope (`Type: Notification`, `Message` a JSON string) or the bare SES event. */
function parseSesEvent(body: string | object): SesEvent | undefined {
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
  const envelope = value as { Type?: string; Message?: unknown };
  if (envelope.Type === 'SubscriptionConfirmation' || envelope.Type === 'UnsubscribeConfirmation')
    return undefined;
  if (envelope.Type === 'Notification') {
    if (typeof envelope.Message !== 'string')
      throw new BadRequestError('SNS Message is missing', { code: 'INVALID_NOTIFICATION' });
    try {
      return JSON.parse(envelope.Message) as SesEvent;
    } catch {
      throw new BadRequestError('SNS Message is not JSON', { code: 'INVALID_NOTIFICATION' });
    }
  }
  return value as SesEvent;
}
