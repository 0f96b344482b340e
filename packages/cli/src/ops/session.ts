import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CliError, EXIT } from '@berthjs/config/load';
import type { Day2Runtime, SpawnResult } from './day2';

/** The program that speaks the Session Manager protocol (ECS Exec and SSM port forwarding) over the stream URL. */
export const PLUGIN = 'session-manager-plugin';

export const PLUGIN_MISSING =
  `${PLUGIN} is not installed (or not on PATH). ECS Exec and SSM tunnels need it: install it from ` +
  'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html ' +
  `(macOS: brew install --cask session-manager-plugin), then check with '${PLUGIN} --version'.`;

/** `command -v`: the first executable of that name on PATH. */
export async function which(program: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? [`${program}.exe`, program] : [program];
  for (const dir of dirs)
    for (const name of names) {
      const path = join(dir, name);
      try {
        await access(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  return undefined;
}

/** The plugin's path, or a CliError saying how to install it: checked before any session is opened in AWS. */
export async function requirePlugin(rt: Day2Runtime): Promise<string> {
  const path = await rt.which(PLUGIN);
  if (!path) throw new CliError(PLUGIN_MISSING, EXIT.failed);
  return path;
}

/**
 * The plugin's arguments, as the AWS CLI passes them (awscli/customizations/sessionmanager.py and
 * ecs/executecommand.py): the session the API returned (session id, stream URL, token) as JSON, the region,
 * `StartSession`, the profile name ('' for none), the StartSession request's parameters as JSON (for ECS Exec
 * `{"Target": "ecs:<cluster>_<task id>_<container runtime id>"}`), and the endpoint of the API that opened it.
 */
export function pluginArgs(options: {
  readonly session: Readonly<Record<string, unknown>>;
  readonly region: string;
  readonly profile?: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly endpoint: string;
}): string[] {
  return [
    JSON.stringify(options.session),
    options.region,
    'StartSession',
    options.profile ?? '',
    JSON.stringify(options.request),
    options.endpoint,
  ];
}

/**
 * Runs a program on this terminal (stdin, stdout, stderr inherited). While it runs, Ctrl-C, Ctrl-\ and Ctrl-Z go to
 * it, not to berth: the AWS CLI ignores them in its own process for the same reason (the plugin forwards them into
 * the session).
 */
export function spawnAttached(program: string, args: readonly string[]): Promise<SpawnResult> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTSTP'];
  const ignore = () => {};
  for (const s of signals) process.on(s, ignore);
  return new Promise<SpawnResult>((resolve, reject) => {
    const child = spawn(program, [...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      for (const s of signals) process.off(s, ignore);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, ignore);
      resolve({ code: code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1) });
    });
  });
}
