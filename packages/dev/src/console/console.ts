import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedApp } from '@berthjs/config';
import { architectureDot, renderSvg } from './diagram';
import type { LocalMail } from '../peers/ses/mail';
import { sesEventFor, type Feedback, type LocalMailEvents } from '../peers/sns-sqs/mail-events';
import { checkConsoleCall, type ConsoleAuth } from './guard';
import { discovery, type SigningKey } from '../peers/oidc/oidc';
import type { Rotated } from '../peers/secrets-manager/rotation';
import { listBuckets, type AwsCredentials } from '../peers/s3/s3';
import type { Scheduler } from '../scheduler/scheduler';
import type { ServiceProcess } from '../session/service';
import type { PeerView } from '../peers/supervise';

/** Everything the console reads: the running session, as it is right now. */
export interface ConsoleState {
  readonly resolved: ResolvedApp;
  readonly port: number;
  readonly stateDir: string;
  readonly services: ReadonlyMap<string, ServiceProcess>;
  readonly scheduler?: Scheduler;
  readonly mail?: LocalMail;
  readonly mailEvents?: LocalMailEvents;
  readonly s3?: {
    readonly endpoint: string;
    readonly buckets: Readonly<Record<string, string>>;
    readonly credentials: AwsCredentials;
  };
  readonly oidc?: { readonly key: SigningKey; readonly issuer: string; readonly jwksUrl: string };
  readonly peers: Readonly<Record<string, string>>;
  /** Each peer's status right now (up, restarting, stopped), with its restarts and why it last went away. */
  readonly peerViews?: () => PeerView[];
  /** Who may call the console: the script token (dev.json), the one-time sign-in URL and the sessions it opened. */
  readonly auth: ConsoleAuth;
  /** The PostgreSQL that runs, the version the config names, and a sentence when their majors differ. */
  readonly database?: { readonly configured: string; readonly running: string; readonly mismatch?: string };
  /** Rotates the local database password and secret; absent without an embedded PostgreSQL. */
  readonly rotate?: () => Promise<Rotated>;
}

let page: string | undefined;
let svg: Promise<string> | undefined;

/** Serves `/_berth/*`: the console page, its JSON API, and the dev OIDC issuer. */
export async function handleConsole(
  req: IncomingMessage,
  res: ServerResponse,
  state: ConsoleState,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  // Public: the issuer's discovery document and its public keys (services fetch them without a credential).
  if (path.startsWith('/_berth/oidc/')) return oidc(res, path, state);
  if (path === '/_berth/login') return login(req, res, url, state);
  const checked = checkConsoleCall(req, state.port, state.auth);
  if ('status' in checked) {
    if (checked.status === 401 && path === '/_berth' && method === 'GET') {
      const why = 'This browser is not signed in to this run of berth dev.';
      return send(res, 401, signInPage(state.port, why), 'text/html; charset=utf-8');
    }
    return json(res, checked.status, { error: checked.message });
  }
  try {
    if (path === '/_berth' && method === 'GET') {
      page ??= readFileSync(new URL('./console.html', import.meta.url), 'utf8');
      return send(res, 200, page, 'text/html; charset=utf-8');
    }
    if (path === '/_berth/api/app') return json(res, 200, appInfo(state));
    if (path === '/_berth/api/services') {
      return json(
        res,
        200,
        [...state.services.values()].map((s) => s.view()),
      );
    }
    if (path === '/_berth/api/peers') return json(res, 200, state.peerViews?.() ?? []);
    if (path === '/_berth/api/jobs') return json(res, 200, state.scheduler?.views() ?? []);
    const run = /^\/_berth\/api\/jobs\/([^/]+)\/run$/.exec(path);
    if (run) {
      if (method !== 'POST') return json(res, 405, { error: 'use POST to run a job' });
      const name = decodeURIComponent(run[1]!);
      if (!state.scheduler?.has(name)) return json(res, 404, { error: `no job '${name}'` });
      const started = state.scheduler.run(name, 'manual');
      return json(res, 202, { id: started.id, job: name });
    }
    if (path === '/_berth/api/database/rotate') {
      if (method !== 'POST') return json(res, 405, { error: 'use POST to rotate the database secret' });
      if (!state.rotate) {
        return json(res, 409, {
          error:
            "rotation needs the embedded PostgreSQL: this app has no database, or berth dev uses your DATABASE_URL (whose password is not berth dev's to change)",
        });
      }
      return json(res, 200, await state.rotate());
    }
    if (path === '/_berth/api/mail') return json(res, 200, state.mail?.outbox() ?? []);
    const feedback = /^\/_berth\/api\/mail\/([^/]+)\/(bounce|complaint)$/.exec(path);
    if (feedback) {
      if (method !== 'POST')
        return json(res, 405, { error: `use POST to mark a message as a ${feedback[2]}` });
      if (!state.mail || !state.mailEvents) return json(res, 409, { error: 'this app has no mail' });
      const id = decodeURIComponent(feedback[1]!);
      const message = state.mail.outbox().find((m) => m.id === id);
      if (!message) return json(res, 404, { error: `no message '${id}' in the outbox` });
      if (message.status !== 'sent')
        return json(res, 409, {
          error: `message '${id}' was not sent (${message.status}): SES would report nothing`,
        });
      // What SES would publish, through the local SNS topic into the queue the services drain.
      const event = sesEventFor(message, feedback[2] as Feedback);
      const snsMessageId = await state.mailEvents.publish(event);
      return json(res, 202, {
        id,
        event: (event as { eventType: string }).eventType,
        recipients: message.to,
        snsMessageId,
      });
    }
    if (path === '/_berth/api/buckets') {
      if (!state.s3) return json(res, 200, []);
      return json(
        res,
        200,
        await listBuckets(state.s3.endpoint, state.resolved.region, state.s3.buckets, state.s3.credentials),
      );
    }
    if (path === '/_berth/api/diagram.dot')
      return send(res, 200, architectureDot(state.resolved), 'text/vnd.graphviz');
    if (path === '/_berth/api/diagram.svg') {
      svg ??= renderSvg(
        architectureDot(state.resolved, { routerLabel: `router :${state.port}\\n(ALB locally)` }),
      );
      return send(res, 200, await svg, 'image/svg+xml');
    }
    return json(res, 404, { error: `no console route ${method} ${path}` });
  } catch (err) {
    return json(res, 500, { error: (err as Error).message });
  }
}

function oidc(res: ServerResponse, path: string, state: ConsoleState): void {
  if (state.oidc && path === '/_berth/oidc/.well-known/jwks.json') {
    return json(res, 200, { keys: [state.oidc.key.publicJwk] });
  }
  if (state.oidc && path === '/_berth/oidc/.well-known/openid-configuration') {
    return json(res, 200, discovery(state.oidc.issuer, state.oidc.jwksUrl));
  }
  return json(res, 404, { error: `no issuer route ${path}` });
}

/**
 * `/_berth/login?token=…`, the one-time URL berth dev printed: spends the token, sets the session cookie and sends
 * the browser on to the console. A token used before, or from another run, gets the sign-in page.
 */
function login(req: IncomingMessage, res: ServerResponse, url: URL, state: ConsoleState): void {
  // GET only: a HEAD (a link preview) does not spend the token.
  if (req.method !== 'GET') return json(res, 405, { error: 'open the URL in a browser' });
  const session = state.auth.redeem(url.searchParams.get('token'));
  if (!session) {
    const why =
      'This sign-in URL does not work (any more): each one works once, and only in the run of berth dev that printed it.';
    return send(res, 401, signInPage(state.port, why), 'text/html; charset=utf-8');
  }
  res.writeHead(303, {
    location: '/_berth',
    'set-cookie': state.auth.cookie(state.port, session),
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  res.end();
}

/** What a browser without this run's cookie gets at /_berth: no data, and how to sign in. */
function signInPage(port: number, why: string): string {
  const e = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>berth dev · sign in</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 44rem; color: #1d2733">
<h1>berth dev console</h1>
<p data-testid="sign-in">${e(why)}</p>
<p>The console is for the developer who runs <code>berth dev</code>. Open the one-time URL it printed in its terminal,
<code>console  http://localhost:${port}/_berth/login?token=…</code>: it signs this browser in once, and berth dev then
prints the next one. The URL of the moment is also in <code>dev.json</code> in the state folder (readable by your
account only).</p>
</body></html>
`;
}

function appInfo(state: ConsoleState): Record<string, unknown> {
  const r = state.resolved;
  return {
    app: r.app,
    stage: r.stage,
    profile: r.profile,
    region: r.region,
    port: state.port,
    stateDir: state.stateDir,
    defaultService: r.defaultService,
    rotate: state.rotate !== undefined,
    issuer: state.oidc?.issuer ?? null,
    audience: r.auth?.audience ?? null,
    peers: state.peers,
    peerStatus: state.peerViews?.() ?? [],
    database: state.database ?? null,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // No framing (clickjacking of run-now) and no cross-origin reads of the console's answers.
    'x-frame-options': 'DENY',
    'content-security-policy': "frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    // The sign-in token is in a URL: no page of the console passes its address on.
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}
