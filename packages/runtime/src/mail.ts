import type { MailConfig } from './config';
import type { Db } from './db';
import type { Logger } from './logger';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export interface SendResult {
  readonly status: 'sent' | 'dropped' | 'suppressed';
  readonly messageId?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<SendResult>;
  /** An SNS notification (envelope or bare SES message) for Bounce/Complaint → suppressions. */
  handleNotification(snsMessageBody: string | object): Promise<{ suppressed: string[] }>;
  suppress(address: string, reason: string): Promise<void>;
}

export interface MailerOptions {
  /** Where suppressions live; without it they are kept in memory for this process only. */
  readonly db?: Db;
  readonly log: Logger;
  readonly region: string;
}

export function createMailer(_config: MailConfig, _options: MailerOptions): Mailer {
  throw new Error('not implemented');
}
