import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from './db';
import type { Logger } from './logger';

export interface MigrateResult {
  /** File names applied by this run, in order. */
  readonly applied: string[];
}

export interface MigrateOptions {
  readonly log: Logger;
}

/** Any constant works; this one spells "berth" so it is recognisable in pg_locks. */
const LOCK_KEY = 0x6265727468;
const FILE = /^(\d+)_[\w.-]+\.sql$/;

/**
 * Applies `dir`'s `NNN_name.sql` files in numeric order, each in its own transaction together with its row in
 * `berth_migrations`. Every transaction first takes the same advisory lock (pg_advisory_xact_lock), so concurrent
 * runs (two tasks starting at once) serialise and each file is applied exactly once. An applied file whose content
 * changed is an error naming it: migrations are append-only.
 */
/**
 * A migration (an index build, a backfill) and the wait for another task's migration lock may well outlast the
 * request-sized statement timeout, so migration transactions get their own.
 */
const MIGRATION_TIMEOUT_MS = 15 * 60 * 1000;

export async function migrate(db: Db, dir: string, options: MigrateOptions): Promise<MigrateResult> {
  const { log } = options;
  const files = await readMigrations(dir);

  await db.transaction(
    async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      await q.query(
        `CREATE TABLE IF NOT EXISTS berth_migrations (
         name text PRIMARY KEY,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
      );
    },
    { timeoutMs: MIGRATION_TIMEOUT_MS },
  );

  const applied: string[] = [];
  for (const file of files) {
    const done = await db.transaction(
      async (q) => {
        await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
        const { rows } = await q.query<{ checksum: string }>(
          'SELECT checksum FROM berth_migrations WHERE name = $1',
          [file.name],
        );
        const row = rows[0];
        if (row) {
          if (row.checksum !== file.checksum) {
            throw new Error(
              `migrate: ${file.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)} in berth_migrations, ${file.checksum.slice(0, 12)} on disk); add a new migration instead`,
            );
          }
          return false;
        }
        const started = performance.now();
        await q.query(file.sql);
        await q.query('INSERT INTO berth_migrations (name, checksum) VALUES ($1, $2)', [
          file.name,
          file.checksum,
        ]);
        log.info({ migration: file.name, ms: Math.round(performance.now() - started) }, 'migrate: applied');
        return true;
      },
      { timeoutMs: MIGRATION_TIMEOUT_MS },
    );
    if (done) applied.push(file.name);
  }
  log.info(
    { applied: applied.length, total: files.length },
    applied.length ? `migrate: applied ${applied.length}, now up to date` : 'migrate: up to date',
  );
  return { applied };
}

interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql'));
  const bad = names.filter((n) => !FILE.test(n));
  if (bad.length) throw new Error(`migrate: ${bad.join(', ')} in ${dir} do not match NNN_name.sql`);
  const order = (n: string) => Number(FILE.exec(n)![1]);
  names.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const seen = new Map<number, string>();
  for (const n of names) {
    const other = seen.get(order(n));
    if (other) throw new Error(`migrate: ${other} and ${n} share the number ${order(n)}`);
    seen.set(order(n), n);
  }
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}
