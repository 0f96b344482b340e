import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createLogger, migrate, type Db } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../../../test/support';
import { captureLog } from './support/log';

const log = createLogger({ service: 'test', stage: 'dev', level: 'silent' });

describe('migrate', () => {
  let database: TestDatabase;
  let dir: string;
  let a: Db;
  let b: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'berth-migrations-'));
    // A counter table proves each file ran exactly once: a second run would insert a second row.
    await writeFile(
      join(dir, '001_runs.sql'),
      "CREATE TABLE runs (file text NOT NULL); INSERT INTO runs VALUES ('001');",
    );
    await writeFile(
      join(dir, '002_users.sql'),
      "CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE); SELECT pg_sleep(0.1); INSERT INTO runs VALUES ('002');",
    );
    await writeFile(
      join(dir, '010_index.sql'),
      "CREATE INDEX users_email ON users (email); INSERT INTO runs VALUES ('010');",
    );
    a = createDb({ secret: database.secret }, { log });
    b = createDb({ secret: database.secret }, { log });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('two concurrent runs (two tasks starting at once) apply each migration exactly once, in numeric order', async () => {
    const [ra, rb] = await Promise.all([migrate(a, dir, { log }), migrate(b, dir, { log })]);
    expect([...ra.applied, ...rb.applied].sort()).toEqual(['001_runs.sql', '002_users.sql', '010_index.sql']);
    const { rows } = await a.query<{ file: string }>('SELECT file FROM runs ORDER BY file');
    expect(rows.map((r) => r.file)).toEqual(['001', '002', '010']);
    const { rows: tracked } = await a.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM berth_migrations ORDER BY applied_at',
    );
    expect(tracked.map((t) => t.name)).toEqual(['001_runs.sql', '002_users.sql', '010_index.sql']);
    expect(tracked[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a second run applies nothing; a new file is applied alone; each run logs one summary line that says which', async () => {
    const { log: captured, lines } = captureLog();
    expect(await migrate(a, dir, { log: captured })).toEqual({ applied: [] });
    expect(lines.map((l) => l.msg)).toEqual(['migrate: up to date']);
    expect(lines[0]).toMatchObject({ applied: 0, total: 3 });
    lines.length = 0;
    await writeFile(join(dir, '011_more.sql'), "INSERT INTO runs VALUES ('011');");
    expect(await migrate(a, dir, { log: captured })).toEqual({ applied: ['011_more.sql'] });
    expect(lines.map((l) => l.msg)).toEqual(['migrate: applied', 'migrate: applied 1, now up to date']);
    expect(lines[0]!.migration).toBe('011_more.sql');
    expect(lines[1]).toMatchObject({ applied: 1, total: 4 });
  });

  it('a failing migration rolls back alone and stops the run', async () => {
    await writeFile(
      join(dir, '012_broken.sql'),
      "INSERT INTO runs VALUES ('012'); SELECT * FROM no_such_table;",
    );
    await expect(migrate(a, dir, { log })).rejects.toMatchObject({ code: '42P01' });
    const { rows } = await a.query("SELECT 1 FROM runs WHERE file = '012'");
    expect(rows).toHaveLength(0);
    await rm(join(dir, '012_broken.sql'));
  });

  it('a changed checksum of an applied file is an error naming it', async () => {
    await writeFile(join(dir, '002_users.sql'), 'CREATE TABLE users (id bigserial PRIMARY KEY);');
    await expect(migrate(a, dir, { log })).rejects.toThrow(/002_users\.sql was changed after it was applied/);
  });

  it('refuses files that do not match NNN_name.sql and duplicate numbers', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'berth-migrations-bad-'));
    await writeFile(join(bad, 'init.sql'), 'SELECT 1;');
    await expect(migrate(a, bad, { log })).rejects.toThrow(/init\.sql .* do not match NNN_name\.sql/);
    await rm(join(bad, 'init.sql'));
    await writeFile(join(bad, '001_a.sql'), 'SELECT 1;');
    await writeFile(join(bad, '1_b.sql'), 'SELECT 1;');
    await expect(migrate(a, bad, { log })).rejects.toThrow(/share the number 1/);
    await rm(bad, { recursive: true, force: true });
  });
});
