import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { refuseSes, requireAccessKey } from './peer-gate';
import { restartableServer, type Restartable } from './supervise';

/** One message in the local outbox, as the console and /_berth/api/mail show it. */
export interface OutboxMessage {
  readonly id: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly date: string;
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
  /** Listens again on its port when its server closes on its own; the outbox lives on in this process. */
  readonly restartable: Restartable;
  stop(): Promise<void>;
}

/**
 * Starts SES v2 local in this process. Its store lives in memory, so the outbox is saved to `<file>` on stop and
 * loaded on start: a warm start still shows yesterday's mail.
 */
export async function startMail(options: {
  readonly port: number;
  readonly file: string;
  /** Only requests signed with this access key id are answered. */
  readonly accessKeyId: string;
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
  const server = await start({ host: '127.0.0.1', port: options.port });
  requireAccessKey(server, options.accessKeyId, refuseSes);
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    restartable: restartableServer(server, options.port),
    outbox: () =>
      [...store.getStoreReadonly().emails].reverse().map((e) => ({
        id: e.messageId,
        from: e.from,
        to: [...e.destination.to, ...e.destination.cc, ...e.destination.bcc],
        subject: e.subject,
        text: e.body.text ?? stripHtml(e.body.html ?? ''),
        ...(e.body.html ? { html: e.body.html } : {}),
        date: new Date(e.at * 1000).toISOString(),
      })),
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
