import type { Server } from 'node:http';
import { freePort } from './ports';

export interface LocalMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export interface LocalSes {
  /** http://127.0.0.1:<port>: set as AWS_ENDPOINT_URL_SESV2. */
  readonly endpoint: string;
  /** Everything SendEmail stored since this peer started (read from its GET /store). */
  messages(): Promise<LocalMail[]>;
  close(): Promise<void>;
}

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/**
 * aws-ses-v2-local on a free port. Its store is module-global (one per process), so it is cleared at start;
 * test files run in separate workers, so two files never share it.
 */
export async function startSesLocal(): Promise<LocalSes> {
  const mod = (await import('aws-ses-v2-local')) as unknown as {
    default:
      | ((c: { host: string; port: number }) => Promise<Server>)
      | { default: (c: { host: string; port: number }) => Promise<Server> };
  };
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const port = await freePort();
  const server = await start({ host: '127.0.0.1', port });
  const endpoint = `http://127.0.0.1:${port}`;
  await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  return {
    endpoint,
    async messages() {
      const res = await fetch(`${endpoint}/store`);
      const body = (await res.json()) as { emails: StoredEmail[] };
      return body.emails.map((e) => ({
        to: e.destination.to.join(', '),
        subject: e.subject,
        text: e.body.text ?? '',
        ...(e.body.html === undefined ? {} : { html: e.body.html }),
      }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
