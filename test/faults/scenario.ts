import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import {
  contractEnv,
  freePort,
  startPostgres,
  startRedis,
  startS3rver,
  startSesLocal,
  type DatabaseSecret,
  type DisposablePostgres,
  type DisposableRedis,
} from '../support/index';
import { startIdentity, type LocalIdentity } from '../../bench/harness/identity';
import {
  countsTable,
  runLoad,
  summarize,
  type LoadOptions,
  type LoadRequest,
  type Sample,
} from '../../bench/harness/load';
import { startSecretsManager, type LocalSecretsManager } from '../../bench/harness/secrets-manager';
import { talentTaskRole } from './task-role';
import { prepareTalentDatabase, startTalent, type ServerProcess } from '../../bench/harness/talent';

export interface ScenarioOptions {
  /** Serve the DB secret from a local Secrets Manager and give the app DATABASE_SECRET_ARN. @default false */
  readonly secretsManager?: boolean;
  /** Run local S3 (s3rver) and SES (aws-ses-v2-local) peers for the routes that use them. @default false */
  readonly storageAndMail?: boolean;
  /** Extra contract variables (wins over the scenario's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * One fault scenario's world, all of it private and disposable: an embedded PostgreSQL (talent's database owned by a
 * login role with a password), a redis-server, a local identity provider, optionally a local Secrets Manager, and
 * talent itself as a child process from its production bundle.
 */
export interface Scenario {
  readonly postgres: DisposablePostgres;
  readonly redis: DisposableRedis;
  readonly identity: LocalIdentity;
  readonly secretsManager: LocalSecretsManager | undefined;
  /** ARN of the DB secret in the local Secrets Manager. */
  readonly secretArn: string | undefined;
  readonly secret: DatabaseSecret;
  readonly talent: ServerProcess;
  readonly opportunityIds: readonly string[];
  /** One statement as the superuser on talent's database (a fresh connection each time: the server may restart). */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<T[]>;
  /** A superuser session on talent's database, for holding locks. */
  session(): Promise<pg.Client>;
  /** `count` tokens of distinct applicants, signed up front so the load generator never waits on crypto. */
  applicantTokens(count: number): Promise<string[]>;
  /** Ids that a 2xx write returned but that are not in `applications`. */
  lostWrites(samples: readonly Sample[]): Promise<{ acknowledged: number; lost: string[] }>;
  close(): Promise<void>;
}

export const APP_ROLE = 'talent_app';

export async function startScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const postgres = await startPostgres();
  const cleanups: Array<() => Promise<unknown>> = [() => postgres.close()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const password = randomBytes(12).toString('hex');
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE talent OWNER ${APP_ROLE}`);
    await admin.end();
    const secret: DatabaseSecret = {
      username: APP_ROLE,
      password,
      host: '127.0.0.1',
      port: postgres.port,
      dbname: 'talent',
    };
    const { opportunityIds } = await prepareTalentDatabase(
      `postgres://${APP_ROLE}:${password}@127.0.0.1:${postgres.port}/talent`,
      20,
    );
    const superUrl = postgres.url.replace(/\/postgres$/, '/talent');

    const redis = await startRedis();
    cleanups.push(() => redis.close());
    const identity = await startIdentity();
    cleanups.push(() => identity.close());
    let secretsManager: LocalSecretsManager | undefined;
    let secretArn: string | undefined;
    if (options.secretsManager) {
      // The peer enforces talent's api task role as synthesized for prod: the runtime re-reads the secret with the
      // task's credentials, so a grant on the execution role only would be AccessDenied here as in AWS.
      const taskRole = talentTaskRole();
      secretsManager = await startSecretsManager('us-east-1', { authorize: taskRole.authorize });
      cleanups.push(() => secretsManager!.close());
      secretArn = secretsManager.put(
        'talent/prod/database',
        JSON.stringify(secret),
        taskRole.databaseSecretArn,
      );
    }

    const peers: Record<string, string> = {};
    if (options.storageAndMail) {
      const s3 = await startS3rver(['talent-resumes']);
      cleanups.push(() => s3.close());
      const ses = await startSesLocal();
      cleanups.push(() => ses.close());
      Object.assign(peers, {
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_SESV2: ses.endpoint,
        MAIL_FROM: 'Talent <no-reply@example.com>',
        MAIL_ALLOW_LIST: '@example.com',
      });
    }

    const port = await freePort();
    const talent = await startTalent({
      env: contractEnv({
        PORT: String(port),
        DATABASE_SECRET: JSON.stringify(secret),
        CACHE_URL: redis.url,
        BUCKET_RESUMES: 'talent-resumes',
        ...identity.env,
        ...(secretsManager
          ? { DATABASE_SECRET_ARN: secretArn, AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint }
          : {}),
        ...peers,
        LOG_LEVEL: 'warn',
        ...options.env,
      }),
    });
    cleanups.push(() => talent.stop(5_000));

    const session = async () => {
      const client = new pg.Client({ connectionString: superUrl });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };

    return {
      postgres,
      redis,
      identity,
      secretsManager,
      secretArn,
      secret,
      talent,
      opportunityIds,
      async sql<T extends pg.QueryResultRow>(text: string, params?: unknown[]) {
        const client = await session();
        try {
          return (await client.query<T>(text, params)).rows;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      session,
      async applicantTokens(count) {
        const run = randomUUID().slice(0, 8);
        const tokens: string[] = [];
        for (let i = 0; i < count; i++) tokens.push(await identity.token(`applicant-${run}-${i}`));
        return tokens;
      },
      async lostWrites(samples) {
        const ids = samples.filter((s) => s.kind === 'write' && s.id).map((s) => s.id!);
        const client = await session();
        try {
          const { rows } = await client.query<{ id: string }>(
            'select id from applications where id = any($1::uuid[])',
            [ids],
          );
          const found = new Set(rows.map((r) => r.id));
          return { acknowledged: ids.length, lost: ids.filter((id) => !found.has(id)) };
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The request mix every scenario sends: 1/3 writes (POST /applications, each by a new applicant), 1/3 reads of one
 * opportunity (the DB path), 1/6 the cached list, 1/6 /health.
 */
export function talentMix(
  opportunityIds: readonly string[],
  tokens: readonly string[],
): (i: number) => LoadRequest {
  let writes = 0;
  return (i) => {
    const opportunityId = opportunityIds[i % opportunityIds.length]!;
    switch (i % 6) {
      case 0:
      case 3: {
        const token = tokens[writes++];
        if (token === undefined) throw new Error('talentMix: out of applicant tokens; sign more');
        return {
          kind: 'write',
          method: 'POST',
          path: '/applications',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ opportunityId }),
        };
      }
      case 1:
      case 4:
        return { kind: 'read', method: 'GET', path: `/opportunities/${opportunityId}` };
      case 2:
        return { kind: 'list', method: 'GET', path: '/opportunities' };
      default:
        return { kind: 'health', method: 'GET', path: '/health' };
    }
  };
}

/**
 * Starts the talent mix against the scenario's app: signs one applicant per write the mix will send (a third of
 * the requests, plus a margin), then sends. `t0` is when sending began, for the timelines the scenarios print.
 */
export async function loadTalentMix(
  world: Scenario,
  options: Omit<LoadOptions, 'baseUrl' | 'next'>,
): Promise<{ t0: number; load: ReturnType<typeof runLoad> }> {
  const tokens = await world.applicantTokens(Math.ceil((options.rate * options.durationMs) / 1000 / 3) + 10);
  await warmUp(world);
  const t0 = performance.now();
  return {
    t0,
    load: runLoad({ ...options, baseUrl: world.talent.url, next: talentMix(world.opportunityIds, tokens) }),
  };
}

/**
 * A freshly started app compiles its hot paths and fills its database pool on the first requests; on a busy
 * machine that can take longer than the runtime's 1.5 s pool wait. Scenarios measure faults, not cold starts: a few
 * concurrent reads (no writes, so row counts stay the scenario's own) bring the app to steady state first. Four at
 * a time: the pool must keep room to grow, which the rotation scenario needs (new connections meet the new password).
 */
async function warmUp(world: Scenario): Promise<void> {
  for (let round = 0; round < 5; round++) {
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        fetch(`${world.talent.url}${i % 2 ? '/opportunities' : `/opportunities/${world.opportunityIds[0]}`}`)
          .then((r) => r.arrayBuffer())
          .catch(() => undefined),
      ),
    );
  }
}

/** Prints a scenario's counts: one row per window and per kind, plus facts (key: value). */
export function report(
  title: string,
  windows: ReadonlyArray<readonly [string, readonly Sample[]]>,
  facts: Readonly<Record<string, string | number | boolean>> = {},
): void {
  const all = windows[0]?.[1] ?? [];
  const kinds = [...new Set(all.map((s) => s.kind))].map(
    (kind) => [`  ${kind}`, all.filter((s) => s.kind === kind)] as const,
  );
  const lines = [
    `\n### fault: ${title}\n`,
    countsTable([...windows, ...kinds]),
    '',
    ...Object.entries(facts).map(([k, v]) => `- ${k}: ${v}`),
  ];
  console.log(lines.join('\n'));
}

export { summarize };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses other than these among `samples` (e.g. 500s where only 503 is acceptable). */
export function unexpected(samples: readonly Sample[], allowed: readonly number[]): Sample[] {
  return samples.filter((s) => s.status !== undefined && s.status >= 500 && !allowed.includes(s.status));
}

/** Keys in a Redis (DBSIZE over a raw socket: no client library, no redis-cli needed). */
export function redisKeyCount(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('DBSIZE\r\n'));
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis: DBSIZE timed out')));
    socket.once('data', (data) => {
      socket.end();
      const match = /^:(\d+)/.exec(data.toString('utf8'));
      if (match) resolve(Number(match[1]));
      else reject(new Error(`redis: unexpected DBSIZE answer ${data.toString('utf8')}`));
    });
    socket.once('error', reject);
  });
}
