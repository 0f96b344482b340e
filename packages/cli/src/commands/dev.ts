import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../errors';
import { loadStage } from '../load';
import type { Rotated } from '../dev/rotation';
import type { DevSession } from '../dev/session';

// berth dev's modules (the session, its peers, the router, jose) load when a dev command runs, not for every command;
// `berth dev` loads them while it loads the config.

interface DevOpts {
  config: string;
  env: string;
  port?: string;
  state: string;
  maxBody?: string;
  healthLogs?: boolean;
  verboseAccess?: boolean;
}

export const DEFAULT_PORT = 4000;

export function register(program: Command): void {
  const dev = program
    .command('dev')
    .description(
      'run the whole app on this machine: local peers, services, router, scheduler and console (no Docker, no AWS)',
    )
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('-e, --env <stage>', 'environment whose config to run', 'dev')
    .option(
      '-p, --port <port>',
      `router port (the console is at /_berth) (default: ${DEFAULT_PORT}, or the next free one)`,
    )
    .option('--state <dir>', 'where local data lives (postgres, s3, outbox, signing key)', '.berth')
    .option(
      '--max-body <size>',
      'largest request body the router forwards (bytes, or 512kb, 5mb); larger gets 413',
      '5mb',
    )
    .option(
      '--health-logs',
      "show the access lines services print for berth dev's own health checks (hidden by default)",
    )
    .option(
      '--verbose-access',
      "show services' access lines with the client address and user agent (and the redacted request headers of a service logging at LOG_LEVEL=debug)",
    )
    .action(async (opts: DevOpts) => {
      const port = parsePort(opts.port);
      const maxBodyBytes = parseSize(opts.maxBody ?? '5mb');
      const stateDir = resolvePath(opts.state);
      const early = (await import('../dev/early')).startPostgresEarly(stateDir, process.env);
      // A Ctrl-C while the config loads: the early server (its own process group) is stopped, not left behind.
      const onEarlySignal = () => void Promise.resolve(early?.discard()).then(() => process.exit(130));
      process.once('SIGINT', onEarlySignal);
      process.once('SIGTERM', onEarlySignal);
      try {
        const [{ DevSession }, { loaded, resolved }] = await Promise.all([
          import('../dev/session'),
          loadStage(opts.config, opts.env),
        ]);
        process.off('SIGINT', onEarlySignal);
        process.off('SIGTERM', onEarlySignal);
        const session = new DevSession({
          loaded,
          resolved,
          port: port ?? DEFAULT_PORT,
          portGiven: port !== undefined,
          stateDir,
          limits: { maxBodyBytes },
          ...(opts.healthLogs ? { healthLogs: true } : {}),
          verboseAccess: opts.verboseAccess === true,
          ...(early ? { early } : {}),
        });
        await runSession(session);
      } finally {
        process.off('SIGINT', onEarlySignal);
        process.off('SIGTERM', onEarlySignal);
        // Not adopted (the config failed to load, or has no database): stopped here.
        await early?.discard();
      }
    });

  dev
    .command('rotate')
    .description(
      'rotate the local database password and its secret as Secrets Manager rotation does (AWSPENDING → AWSCURRENT)',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      await rotate(resolvePath(cmd.optsWithGlobals<DevOpts>().state));
    });

  dev
    .command('token')
    .description('print a signed JWT from the local dev issuer (works whether or not berth dev is running)')
    .requiredOption('--sub <id>', 'subject (the user id)')
    .option('--email <address>', 'email claim')
    .option(
      '--role <role>',
      'a role in the roles claim (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--ttl <duration>', 'lifetime: 90s, 15m, 1h, 7d', '1h')
    .action(async (opts: { sub: string; email?: string; role: string[]; ttl: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<DevOpts & typeof opts>();
      const [{ issuerUrl, loadSigningKey, parseTtl, signToken }, { lastRouterPort }] = await Promise.all([
        import('../dev/oidc'),
        import('../dev/state'),
      ]);
      const ttlSeconds = parseTtl(opts.ttl);
      if (ttlSeconds === undefined)
        throw new CliError(`--ttl: got '${opts.ttl}'; expected e.g. 90s, 15m, 1h, 7d`, EXIT.invalid);
      const { resolved } = await loadStage(globals.config, globals.env);
      if (!resolved.auth) {
        throw new CliError(
          `${resolved.app} declares no auth in stage ${resolved.stage}: there is no audience to sign for`,
          EXIT.invalid,
        );
      }
      const stateDir = resolvePath(globals.state);
      const port = parsePort(globals.port) ?? lastRouterPort(stateDir) ?? DEFAULT_PORT;
      const key = await loadSigningKey(stateDir);
      const token = await signToken(key, {
        sub: opts.sub,
        ...(opts.email ? { email: opts.email } : {}),
        roles: opts.role,
        issuer: issuerUrl(port),
        audience: resolved.auth.audience,
        ttlSeconds,
      });
      console.log(token);
    });
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
async function rotate(stateDir: string): Promise<void> {
  const [{ runningSession }, { TOKEN_HEADER }] = await Promise.all([
    import('../dev/state'),
    import('../dev/guard'),
  ]);
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
  console.log(
    `✔ rotated ${body.arn} in ${body.ms} ms: AWSCURRENT is version ${body.versionId}, the old password no longer opens a connection`,
  );
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new CliError(`--port: got '${text}'; expected a port from 1 to 65535`, EXIT.invalid);
  }
  return port;
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
