import { resolve as resolvePath } from 'node:path';
import { CliError, EXIT, loadStage } from '@berthjs/config/load';
import { startPostgresEarly } from './peers/postgres/early';
import { issuerUrl, loadSigningKey, parseTtl, signToken } from './peers/oidc/oidc';
import type { Rotated } from './peers/secrets-manager/rotation';
import { TOKEN_HEADER } from './console/guard';
import { lastRouterPort, runningSession } from './session/state';
import type { DevSession } from './session/session';

/** The router's port when none is given: 4000, or the next free one. */
export const DEFAULT_PORT = 4000;

export interface RunDevOptions {
  readonly config: string;
  readonly env: string;
  /** The port asked for; undefined: DEFAULT_PORT or the next free one. */
  readonly port?: number;
  readonly state: string;
  readonly maxBodyBytes: number;
  readonly healthLogs?: boolean;
  readonly verboseAccess?: boolean;
}

/**
 * `berth dev`: starts the state folder's PostgreSQL while the config loads, runs the session until SIGINT/SIGTERM
 * (a second signal kills everything at once), and stops what it started.
 */
export async function runDev(options: RunDevOptions): Promise<void> {
  const stateDir = resolvePath(options.state);
  const early = startPostgresEarly(stateDir, process.env);
  // A Ctrl-C while the config loads: the early server (its own process group) is stopped, not left behind.
  const onEarlySignal = () => void Promise.resolve(early?.discard()).then(() => process.exit(130));
  process.once('SIGINT', onEarlySignal);
  process.once('SIGTERM', onEarlySignal);
  try {
    // The session's modules (peers, router, console) load while the config does.
    const [{ DevSession }, { loaded, resolved }] = await Promise.all([
      import('./session/session'),
      loadStage(options.config, options.env),
    ]);
    process.off('SIGINT', onEarlySignal);
    process.off('SIGTERM', onEarlySignal);
    const session = new DevSession({
      loaded,
      resolved,
      port: options.port ?? DEFAULT_PORT,
      portGiven: options.port !== undefined,
      stateDir,
      limits: { maxBodyBytes: options.maxBodyBytes },
      ...(options.healthLogs ? { healthLogs: true } : {}),
      verboseAccess: options.verboseAccess === true,
      ...(early ? { early } : {}),
    });
    await runSession(session);
  } finally {
    process.off('SIGINT', onEarlySignal);
    process.off('SIGTERM', onEarlySignal);
    // Not adopted (the config failed to load, or has no database): stopped here.
    await early?.discard();
  }
}

/** Runs a session until SIGINT/SIGTERM stops it; a second signal kills everything at once. */
async function runSession(session: DevSession): Promise<void> {
  let signals = 0;
  let stopped: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      console.error(`\nberth: ${signal} again: killing everything now`);
      session.forceKill();
      process.exit(130);
    }
    console.log(`\n${signal}: stopping services, jobs and peers (again to force)…`);
    void session.stop().then(() => stopped?.());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await session.start();
    await done;
    console.log('✔ stopped; data kept for the next run');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `berth dev rotate`: asks the running `berth dev` to rotate, as the console's button does. */
export async function rotateRunning(state: string): Promise<Rotated> {
  const stateDir = resolvePath(state);
  const session = runningSession(stateDir);
  if (!session) {
    throw new CliError(
      `no berth dev runs with state ${stateDir}: start it first (rotation changes the running database's password)`,
      EXIT.failed,
    );
  }
  const res = await fetch(`http://127.0.0.1:${session.port}/_berth/api/database/rotate`, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: session.token },
  }).catch((err: Error) => {
    throw new CliError(`berth dev on :${session.port} did not answer: ${err.message}`, EXIT.failed);
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string } & Partial<Rotated>;
  if (!res.ok) throw new CliError(`rotation failed: ${body.error ?? res.status}`, EXIT.failed);
  return body as Rotated;
}

export interface TokenRequest {
  readonly config: string;
  readonly env: string;
  readonly state: string;
  readonly port?: number;
  readonly sub: string;
  readonly email?: string;
  readonly roles: readonly string[];
  /** A lifetime as text: 90s, 15m, 1h, 1d (at most TOKEN_MAX_LIFETIME_SECONDS). */
  readonly ttl: string;
}

/** `berth dev token`: a JWT from the state folder's local issuer, for the config's audience. */
export async function mintToken(request: TokenRequest): Promise<string> {
  const ttlSeconds = parseTtl(request.ttl);
  if (ttlSeconds === undefined)
    throw new CliError(
      `--ttl: got '${request.ttl}'; expected e.g. 90s, 15m, 1h, 1d (at most 24h)`,
      EXIT.invalid,
    );
  const { resolved } = await loadStage(request.config, request.env);
  if (!resolved.auth) {
    throw new CliError(
      `${resolved.app} declares no auth in stage ${resolved.stage}: there is no audience to sign for`,
      EXIT.invalid,
    );
  }
  const stateDir = resolvePath(request.state);
  const port = request.port ?? lastRouterPort(stateDir) ?? DEFAULT_PORT;
  const key = await loadSigningKey(stateDir);
  return signToken(key, {
    sub: request.sub,
    ...(request.email ? { email: request.email } : {}),
    roles: request.roles,
    issuer: issuerUrl(port),
    audience: resolved.auth.audience,
    ttlSeconds,
  });
}

/** `5mb` → 5 MiB, `512kb` → 512 KiB, `1000` → 1000 bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(text.trim());
  if (!m) {
    throw new CliError(
      `--max-body: '${text}' is not a size; use bytes or a number with kb, mb or gb (e.g. 5mb)`,
      EXIT.invalid,
    );
  }
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[unit] ?? 1;
  return Math.floor(Number(m[1]) * factor);
}
