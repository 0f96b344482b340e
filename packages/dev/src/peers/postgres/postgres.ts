import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  createWriteStream,
  type WriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { PeerCredentials } from '../credentials';
import type { DatabaseSecret } from '../../session/env';
import type { Restartable } from '../supervise';

/** A PostgreSQL `berth dev` uses: its own embedded server under .berth/postgres, or the user's DATABASE_URL. */
export interface LocalPostgres {
  readonly secret: DatabaseSecret;
  /** PostgreSQL major version of the embedded server; undefined for DATABASE_URL. */
  readonly version?: string;
  /** The running server's `server_version` ('17.10'), embedded or DATABASE_URL's. */
  readonly serverVersion?: string;
  /** true when this run created the cluster (initdb). */
  readonly created: boolean;
  readonly pid?: number;
  /** The embedded server, which berth dev restarts in place when it dies; undefined for DATABASE_URL. */
  readonly restartable?: Restartable;
  stop(): Promise<void>;
}

import { prepare, USER, type Binaries } from './binaries';
import { ensureAppDatabase, rekeyLegacySuperuser, showServerVersion } from './databases';

/** Spawns the server on `dataDir` and resolves once it accepts connections (rejects if it exits first). */
async function spawnServer(
  bin: Binaries,
  dataDir: string,
  port: number,
  owner: { uid: number; gid: number } | undefined,
  log: WriteStream,
): Promise<ChildProcess> {
  const child = spawn(
    bin.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
      ...(owner ?? {}),
    },
  );
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      // One listener for the server's life: it writes the log, so no line is written twice.
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4000);
      if (tail.includes('ready to accept connections')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `PostgreSQL exited while starting (${signal ?? `code ${code}`}); its log (${log.path as string}) ends:\n${tail.trim().split('\n').slice(-8).join('\n')}`,
        ),
      ),
    );
    child.once('error', reject);
  });
  return child;
}

/**
 * A warm cluster's server, started by `berth dev` before it has read the config (the cluster, its port and its
 * credentials are the state folder's), so that PostgreSQL's own start-up overlaps the CLI's. startEmbeddedPostgres
 * adopts it when it is asked for the same folder and port; otherwise `discard()` stops it.
 */
export interface EarlyPostgres {
  readonly dir: string;
  readonly port: number;
  /** Whether the server is up (false when it could not start: the normal start then runs). */
  readonly running: Promise<boolean>;
  /** Takes the server over (startEmbeddedPostgres does): discard() no longer stops it. */
  adopt(): Promise<EarlyServer | undefined>;
  /** Stops the server unless it was adopted. */
  discard(): Promise<void>;
}

interface EarlyServer {
  readonly child: ChildProcess;
  readonly log: WriteStream;
  readonly bin: Binaries;
  readonly owner?: { uid: number; gid: number };
}

/** Starts the server of the existing cluster in `<dir>/data` on `port` (no initdb here). */
export function startEarly(dir: string, port: number): EarlyPostgres {
  const dataDir = join(dir, 'data');
  let adopted = false;
  const server = (async (): Promise<EarlyServer | undefined> => {
    const { bin, owner } = await prepare(dir);
    clearStalePid(dataDir);
    const log = createWriteStream(join(dir, 'postgres.log'), { flags: 'a' });
    try {
      return {
        child: await spawnServer(bin, dataDir, port, owner, log),
        log,
        bin,
        ...(owner ? { owner } : {}),
      };
    } catch {
      log.end();
      return undefined;
    }
  })().catch(() => undefined);
  return {
    dir,
    port,
    running: server.then(Boolean),
    adopt: () => {
      adopted = true;
      return server;
    },
    discard: async () => {
      if (adopted) return;
      adopted = true;
      const started = await server;
      if (started) {
        await stopPostgres(started.child);
        started.log.end();
      }
    },
  };
}

/**
 * Starts the embedded PostgreSQL in `<dir>/data` (initdb on first run), listening on 127.0.0.1:`port` only, in its
 * own process group so Ctrl-C reaches berth first and services can drain before the database stops. `early`: a
 * server startEarly already started for this folder and port, adopted instead of starting another.
 */
export async function startEmbeddedPostgres(options: {
  readonly dir: string;
  readonly port: number;
  readonly dbname: string;
  readonly credentials: PeerCredentials['postgres'];
  readonly early?: EarlyPostgres;
}): Promise<LocalPostgres> {
  const dataDir = join(options.dir, 'data');
  const early =
    options.early && options.early.dir === options.dir && options.early.port === options.port
      ? await options.early.adopt()
      : undefined;
  const { bin, owner } = early ?? (await prepare(options.dir));

  let created = false;
  if (!early && !existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    await initdb(bin.initdb, options.dir, dataDir, owner, options.credentials.superuserPassword);
    created = true;
  }
  const version = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  if (!early) clearStalePid(dataDir);

  const log = early?.log ?? createWriteStream(join(options.dir, 'postgres.log'), { flags: 'a' });
  const exitListeners: ((reason: string) => void)[] = [];
  let stopping = false;
  /** A later exit not asked for is reported (and the server restarted by its supervisor). */
  const watch = (child: ChildProcess): ChildProcess => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      const reason = signal ? `signal ${signal}` : `code ${code}`;
      for (const l of exitListeners) l(reason);
    });
    return child;
  };
  const launch = async (): Promise<ChildProcess> =>
    watch(await spawnServer(bin, dataDir, options.port, owner, log));
  let server = early ? watch(early.child) : await launch();
  let restarting: Promise<void> | undefined;

  const admin: DatabaseSecret = {
    username: USER,
    password: options.credentials.superuserPassword,
    host: '127.0.0.1',
    port: options.port,
    dbname: 'postgres',
  };
  const secret: DatabaseSecret = {
    username: options.credentials.appUser,
    password: options.credentials.appPassword,
    host: '127.0.0.1',
    port: options.port,
    dbname: options.dbname,
  };
  let serverVersion: string;
  try {
    await rekeyLegacySuperuser(admin, options.dir);
    await ensureAppDatabase(admin, secret);
    serverVersion = await showServerVersion(admin);
  } catch (err) {
    await stopPostgres(server);
    throw err;
  }
  return {
    secret,
    version,
    serverVersion,
    created,
    get pid() {
      return server.pid;
    },
    restartable: {
      onExit: (listener) => void exitListeners.push(listener),
      restart: () => {
        restarting = (async () => {
          // A killed postmaster leaves its backends behind for a moment, attached to the old shared memory and the
          // data folder: they go first (the group is the old postmaster's), and a new server starts only once the
          // whole group is gone, so two servers never write one data folder.
          if (server.pid !== undefined) await killGroupAndWait(server.pid, 10_000);
          clearStalePid(dataDir);
          const next = await launch();
          server = next;
          if (stopping) await stopPostgres(next);
        })().finally(() => (restarting = undefined));
        return restarting;
      },
    },
    stop: async () => {
      stopping = true;
      await restarting?.catch(() => undefined);
      await stopPostgres(server);
      log.end();
    },
  };
}

async function initdb(
  initdbBin: string,
  dir: string,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
  password: string,
): Promise<void> {
  const pwfile = join(dir, '.pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(pwfile, owner.uid, owner.gid);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chownSync(dataDir, owner.uid, owner.gid);
  }
  try {
    const output = await run(
      initdbBin,
      [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        // A dev cluster: skipping fsync at creation saves seconds; the running server still fsyncs.
        '--no-sync',
        '--no-instructions',
      ],
      owner,
    );
    if (output.code !== 0) {
      throw new Error(
        `initdb failed (code ${output.code}):\n${output.text.trim().split('\n').slice(-8).join('\n')}`,
      );
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** A postmaster.pid left by a killed run: stop that server if it still runs, else remove the file. */
function clearStalePid(dataDir: string): void {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not running (or no /proc): the file is stale
  }
  if (pid > 0 && cmdline.includes('postgres')) {
    try {
      process.kill(pid, 'SIGINT');
      const until = Date.now() + 10_000;
      while (Date.now() < until && existsSync(file)) execFileSync('sleep', ['0.1']);
    } catch {
      // gone already
    }
  }
  rmSync(file, { force: true });
}

/** SIGKILL to a process group, then waits until none of it is left (or `timeoutMs`: then it says which group). */
async function killGroupAndWait(pgid: number, timeoutMs: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 'SIGKILL');
      return true;
    } catch {
      return false;
    }
  };
  const until = Date.now() + timeoutMs;
  while (alive()) {
    if (Date.now() > until) throw new Error(`processes of the old server (group ${pgid}) do not exit`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fast shutdown (SIGINT): rolls back open transactions, checkpoints, exits. Nothing committed is lost. */
async function stopPostgres(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
  await exited;
  clearTimeout(timer);
}

function run(
  file: string,
  args: string[],
  owner: { uid: number; gid: number } | undefined,
): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
      ...(owner ?? {}),
    });
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, text }));
  });
}
