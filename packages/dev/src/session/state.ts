import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { CliError, EXIT } from '@berthjs/config/load';

/**
 * The state folder (`.berth`): which run owns it (dev.json), the ports a run chose (ports.json) so the next run
 * keeps them, and the local secrets file. Everything here reads or writes those files and nothing else.
 */

/** Written while `berth dev` runs: what `berth dev token` and a later run need to know. */
export const RUN_FILE = 'dev.json';
const PORTS_FILE = 'ports.json';
const SECRETS_FILE = 'secrets.json';

/** A child process group berth started, with its command line, so a later run only stops what is still it. */
export interface ProcessGroup {
  readonly pgid: number;
  readonly command: string;
}

interface RunFile {
  readonly pid: number;
  readonly port: number;
  readonly startedAt: string;
  /** The console's script token (`x-berth-token`), for `berth dev rotate` and scripts (the file is 0600). */
  readonly token: string;
  /** The one-time console sign-in URL that works now (the terminal printed it too). */
  readonly consoleUrl?: string;
  /** Process groups berth started, so a run after a `kill -9` can stop what that one left behind. */
  readonly groups: readonly ProcessGroup[];
}

/** The port of the running (or last) `berth dev`, for `berth dev token`. */
export function lastRouterPort(stateDir: string): number | undefined {
  return readJson<RunFile>(join(stateDir, RUN_FILE))?.port ?? readPorts(stateDir).router;
}

/** The port and console token of the `berth dev` running with this state folder; undefined when none runs. */
export function runningSession(stateDir: string): { port: number; token: string } | undefined {
  const run = readJson<RunFile>(join(stateDir, RUN_FILE));
  return run && alive(run.pid) ? { port: run.port, token: run.token } : undefined;
}

/** The ports the last run chose, keyed `router`, `postgres`, `s3`, `ses`, `service:<name>`. */
export function readPorts(stateDir: string): Record<string, number> {
  return readJson<Record<string, number>>(join(stateDir, PORTS_FILE)) ?? {};
}

export function savePorts(stateDir: string, ports: Readonly<Record<string, number>>): void {
  writeFileSync(join(stateDir, PORTS_FILE), JSON.stringify(ports, null, 2), { mode: 0o600 });
}

/**
 * Creates the state folder and claims it: refuses when another live `berth dev` owns it, and stops the process
 * groups a run killed with SIGKILL left behind.
 */
export function claimState(dir: string): void {
  // Everything berth dev and its in-process peers (s3rver's objects, the outbox) write is its owner's only. Child
  // processes inherit this too: under berth dev a service's own files are private as well.
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  privatise(dir);
  const previous = readJson<RunFile>(join(dir, RUN_FILE));
  if (
    previous &&
    previous.pid !== process.pid &&
    alive(previous.pid) &&
    cmdline(previous.pid)?.includes('berth')
  ) {
    throw new CliError(
      `berth dev already runs with state ${display(dir)} (pid ${previous.pid}, port ${previous.port}). Stop it, or pass --state <dir> for a second copy.`,
      EXIT.failed,
    );
  }
  if (previous) {
    // A run that was killed with SIGKILL could not stop its children: stop what it left, if it is still what it was.
    for (const g of previous.groups) {
      if (cmdline(g.pgid) === g.command) killGroup(g.pgid);
    }
  }
}

/**
 * The state folder 0700, its files 0600 (including those an older run left readable). As root, PostgreSQL runs as
 * the `postgres` user, which must pass through the folder to its own (`postgres/`, which it owns): the folder is
 * then 0710 with that user's group, so it can enter but not list, and every file here stays root's alone.
 */
function privatise(dir: string): void {
  const postgresGid = process.getuid?.() === 0 ? groupOf('postgres') : undefined;
  if (postgresGid !== undefined) {
    chownSync(dir, 0, postgresGid);
    chmodSync(dir, 0o710);
  } else chmodSync(dir, 0o700);
  const walk = (folder: string, depth: number) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      // PostgreSQL keeps its own folder private (it refuses to start otherwise); it may not be ours to change.
      if (folder === dir && name === 'postgres') continue;
      const st = lstatSync(path);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if ((st.mode & 0o077) !== 0) chmodSync(path, 0o700);
        if (depth < 8) walk(path, depth + 1);
      } else if ((st.mode & 0o077) !== 0) chmodSync(path, 0o600);
    }
  };
  walk(dir, 0);
}

function groupOf(user: string): number | undefined {
  try {
    return Number(
      execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    return undefined;
  }
}

/**
 * Keeps dev.json current (this run's pid, port and child process groups, which change as services restart)
 * until stopped; `stop()` removes the file.
 */
export class RunRecord {
  private timer: NodeJS.Timeout | undefined;
  private write: (() => void) | undefined;

  constructor(
    private readonly stateDir: string,
    private readonly startedAt: number,
  ) {}

  start(
    port: number,
    auth: { readonly token: string; loginUrl(port: number): string },
    groups: () => ProcessGroup[],
  ): void {
    const write = () => {
      const run: RunFile = {
        pid: process.pid,
        port,
        startedAt: new Date(this.startedAt).toISOString(),
        token: auth.token,
        consoleUrl: auth.loginUrl(port),
        groups: groups(),
      };
      try {
        writeFileSync(join(this.stateDir, RUN_FILE), JSON.stringify(run, null, 2), { mode: 0o600 });
      } catch {
        // the state folder went away; nothing to record
      }
    };
    write();
    this.write = write;
    this.timer = setInterval(write, 2000);
    this.timer.unref();
  }

  /** Writes dev.json now (a console sign-in spent the one-time URL it lists). */
  refresh(): void {
    if (this.timer) this.write?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  remove(): void {
    this.stop();
    rmSync(join(this.stateDir, RUN_FILE), { force: true });
  }
}

/** secrets.json: local values for the config's secrets; a file that is not JSON is warned about and ignored. */
export function readSecrets(stateDir: string, warn: (message: string) => void): Record<string, unknown> {
  const file = join(stateDir, SECRETS_FILE);
  if (!existsSync(file)) return {};
  const parsed = readJson<Record<string, unknown>>(file);
  if (!parsed) warn(`${display(file)} is not valid JSON; ignoring it`);
  return parsed ?? {};
}

/** The process groups of these pids, with their command lines as they are now. */
export function processGroups(pids: readonly (number | undefined)[]): ProcessGroup[] {
  return pids
    .filter((p): p is number => p !== undefined)
    .map((pgid) => ({ pgid, command: cmdline(pgid) ?? '' }));
}

export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A path as the user would type it: relative to where berth runs when inside it. */
export function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}
