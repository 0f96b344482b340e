import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { refuseSes, requireSignature } from '../gate';
import { asHold, type PortHold } from '../../session/ports';
import type { AwsCredentials } from '../s3/s3';
import { restartableServer, type Restartable } from '../supervise';

/** One message in the local outbox, as the console and /_berth/api/mail show it. */
export interface OutboxMessage {
  readonly id: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly date: string;
  /** sent: SES took it; dropped: the app's mailer never sent it (the allow-list), with `reason`. */
  readonly status: 'sent' | 'dropped';
  readonly reason?: string;
  /** For a dropped message: the service or job whose mailer dropped it. */
  readonly source?: string;
}

/** A message the app's mailer dropped, as its log line tells it (the address masked as the runtime masks it). */
export interface DroppedMail {
  readonly to: string;
  readonly subject: string;
  readonly reason: string;
  readonly date: string;
  readonly source: string;
}

/**
 * The runtime's mailer drops a message to a recipient outside the allow-list before SES sees it, and logs
 * `mail: dropped, recipient not on the allow-list` with the masked address and the subject. That line is how the
 * outbox learns of it: the app's code path stays the cloud's.
 */
export function droppedMail(
  source: string,
  entry: Readonly<Record<string, unknown>>,
  allowList: readonly string[] | null | undefined,
): DroppedMail | undefined {
  const msg = entry.msg;
  if (typeof msg !== 'string' || !msg.startsWith('mail: dropped')) return undefined;
  const why = msg.replace(/^mail: dropped,?\s*/, '') || 'dropped by the mailer';
  const time =
    typeof entry.time === 'string' || typeof entry.time === 'number' ? new Date(entry.time) : new Date();
  return {
    to: typeof entry.to === 'string' ? entry.to : '(unknown)',
    subject: typeof entry.subject === 'string' ? entry.subject : '',
    reason: allowList ? `${why} (${allowList.join(', ') || 'empty: nobody'})` : why,
    date: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString(),
    source,
  };
}

interface SesEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

/** aws-ses-v2-local: the SES v2 API on a local port; every message lands in its outbox instead of being sent. */
export interface LocalMail {
  readonly endpoint: string;
  outbox(): OutboxMessage[];
  /** Shows a message the app's mailer dropped in the outbox, marked as dropped (kept for this run). */
  recordDropped(mail: DroppedMail): void;
  /** Listens again on its port when its server closes on its own; the outbox lives on in this process. */
  readonly restartable: Restartable;
  stop(): Promise<void>;
}

/**
 * Starts SES v2 local in this process. Its store lives in memory, so the outbox is saved to `<file>` on stop and
 * loaded on start: a warm start still shows yesterday's mail.
 */
export async function startMail(options: {
  /** The port, or a hold on it taken before the SES peer loads (requests made meanwhile wait for it). */
  readonly port: number | PortHold;
  readonly file: string;
  /** Only requests signed (SigV4) with this key pair are answered. */
  readonly credentials: AwsCredentials;
  /** The region a signature's credential scope must name. @default 'us-east-1' */
  readonly region?: string;
}): Promise<LocalMail> {
  const require = createRequire(import.meta.url);
  const start = (
    require('aws-ses-v2-local') as { default: (c: { host: string; port: number }) => Promise<Server> }
  ).default;
  const store = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): { emails: SesEmail[] } };
  if (existsSync(options.file)) {
    try {
      const saved = JSON.parse(readFileSync(options.file, 'utf8')) as SesEmail[];
      if (Array.isArray(saved)) store.getStoreReadonly().emails.push(...saved);
    } catch {
      // A corrupt outbox file only loses old local mail.
    }
  }
  const dropped: OutboxMessage[] = [];
  let droppedCount = 0;
  const hold = await asHold(options.port);
  const { port } = hold;
  const server = await hold.handTo(() => start({ host: '127.0.0.1', port }));
  // SES v2's signing name is `ses`; its clients sign the payload's hash, so the body is read and verified.
  const auth = { credentials: options.credentials, region: options.region ?? 'us-east-1', services: ['ses'] };
  requireSignature(server, auth, refuseSes, { readBody: true });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    restartable: restartableServer(server, port),
    outbox: () =>
      [
        ...[...store.getStoreReadonly().emails].reverse().map((e): OutboxMessage => ({
          id: e.messageId,
          from: e.from,
          to: [...e.destination.to, ...e.destination.cc, ...e.destination.bcc],
          subject: e.subject,
          text: e.body.text ?? stripHtml(e.body.html ?? ''),
          ...(e.body.html ? { html: e.body.html } : {}),
          date: new Date(e.at * 1000).toISOString(),
          status: 'sent',
        })),
        ...[...dropped].reverse(),
      ].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)),
    recordDropped: (mail) => {
      dropped.push({
        id: `dropped-${++droppedCount}`,
        from: '',
        to: [mail.to],
        subject: mail.subject,
        text: '',
        date: mail.date,
        status: 'dropped',
        reason: mail.reason,
        source: mail.source,
      });
      if (dropped.length > 500) dropped.splice(0, dropped.length - 500);
    },
    stop: async () => {
      writeFileSync(options.file, JSON.stringify(store.getStoreReadonly().emails.slice(-500)), {
        mode: 0o600,
      });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function stripHtml(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
