import type { Command } from 'commander';
import { CliError, EXIT } from '@berthjs/config/load';

// @berthjs/dev (the session, its peers, the router, jose) loads when a dev command runs, not for every command;
// `berth dev` starts the state folder's PostgreSQL before it loads the config.

interface DevOpts {
  config: string;
  env: string;
  port?: string;
  state: string;
  maxBody?: string;
  healthLogs?: boolean;
  verboseAccess?: boolean;
}

const DEFAULT_PORT = 4000;

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
      const { runDev, parseSize } = await import('@berthjs/dev');
      await runDev({
        config: opts.config,
        env: opts.env,
        ...(port !== undefined ? { port } : {}),
        state: opts.state,
        maxBodyBytes: parseSize(opts.maxBody ?? '5mb'),
        healthLogs: opts.healthLogs === true,
        verboseAccess: opts.verboseAccess === true,
      });
    });

  dev
    .command('rotate')
    .description(
      'rotate the local database password and its secret as Secrets Manager rotation does (AWSPENDING → AWSCURRENT)',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { rotateRunning } = await import('@berthjs/dev');
      const rotated = await rotateRunning(cmd.optsWithGlobals<DevOpts>().state);
      console.log(
        `✔ rotated ${rotated.arn} in ${rotated.ms} ms: AWSCURRENT is version ${rotated.versionId}, the old password no longer opens a connection`,
      );
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
    .option('--ttl <duration>', 'lifetime: 90s, 15m, 1h, 1d (at most 24h, what the runtime accepts)', '1h')
    .action(async (opts: { sub: string; email?: string; role: string[]; ttl: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<DevOpts & typeof opts>();
      const port = parsePort(globals.port);
      const { mintToken } = await import('@berthjs/dev');
      const token = await mintToken({
        config: globals.config,
        env: globals.env,
        state: globals.state,
        ...(port !== undefined ? { port } : {}),
        sub: opts.sub,
        ...(opts.email ? { email: opts.email } : {}),
        roles: opts.role,
        ttl: opts.ttl,
      });
      console.log(token);
    });
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new CliError(`--port: got '${text}'; expected a port from 1 to 65535`, EXIT.invalid);
  }
  return port;
}
