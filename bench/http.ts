/**
 * HTTP throughput against peers, in one run on this machine: each server alone, one process, with autocannon in its
 * own process (50 keep-alive connections, no pipelining; 3 s warm-up, then 10 s measured). Prints req/s, p50/p99 and
 * peak RSS, and the ratios the targets are written in.
 *
 *   node --import tsx bench/http.ts [--duration 10] [--connections 50] [--profile]
 *
 * --profile runs talent under `node --cpu-prof` and prints where its time goes (mapped to sources).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contractEnv, createTestDatabase, freePort } from '../test/support/index';
import { cannon, type CannonResult } from './harness/autocannon';
import { startIdentity } from './harness/identity';
import { profileReport } from './harness/profile';
import { fmt, table } from './harness/stats';
import {
  prepareTalentDatabase,
  processEnv,
  ROOT,
  spawnServer,
  startTalent,
  type ServerProcess,
} from './harness/talent';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);

interface Target {
  readonly name: string;
  readonly server: 'raw' | 'express' | 'talent' | 'talent-redis';
  readonly path: (ids: readonly string[]) => string;
}

const TARGETS: readonly Target[] = [
  { name: 'raw node:http GET /health', server: 'raw', path: () => '/health' },
  { name: 'express GET /health', server: 'express', path: () => '/health' },
  { name: 'talent GET /health', server: 'talent', path: () => '/health' },
  {
    name: 'express GET /opportunities/:id (DB)',
    server: 'express',
    path: (ids) => `/opportunities/${ids[0]}`,
  },
  { name: 'talent GET /opportunities/:id (DB)', server: 'talent', path: (ids) => `/opportunities/${ids[0]}` },
  { name: 'express GET /opportunities (DB, 20 rows)', server: 'express', path: () => '/opportunities' },
  {
    name: 'talent GET /opportunities (cache hit, in-process)',
    server: 'talent',
    path: () => '/opportunities',
  },
  {
    name: 'talent GET /opportunities (cache hit, Redis)',
    server: 'talent-redis',
    path: () => '/opportunities',
  },
];

export interface HttpRow {
  readonly name: string;
  readonly result: CannonResult;
  readonly peakMb: number;
}

const database = await createTestDatabase();
const identity = await startIdentity();
const profiles = args.profile ? mkdtempSync(join(tmpdir(), 'berth-profile-')) : undefined;
const rows: HttpRow[] = [];
try {
  const { opportunityIds } = await prepareTalentDatabase(database.url, 20);

  const start = async (kind: Target['server']): Promise<ServerProcess> => {
    const port = await freePort();
    if (kind === 'raw' || kind === 'express') {
      return spawnServer({
        command: process.execPath,
        args: [join(ROOT, `bench/peers/${kind === 'raw' ? 'raw-http' : 'express-app'}.mjs`)],
        env: processEnv({ PORT: String(port), DATABASE_URL: database.url }),
        port,
        readyPath: kind === 'raw' ? '/health' : '/ready',
      });
    }
    return startTalent({
      env: contractEnv({
        PORT: String(port),
        DATABASE_SECRET: JSON.stringify(database.secret),
        BUCKET_RESUMES: 'talent-resumes',
        ...identity.env,
        ...(kind === 'talent-redis'
          ? { CACHE_URL: process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' }
          : {}),
      }),
      ...(profiles ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] } : {}),
    });
  };

  for (const target of TARGETS) {
    if (args.only && !target.name.includes(args.only)) continue;
    const server = await start(target.server);
    try {
      const url = `${server.url}${target.path(opportunityIds)}`;
      const probe = await fetch(url);
      if (probe.status !== 200)
        throw new Error(`${target.name}: ${url} answered ${probe.status}: ${await probe.text()}`);
      await cannon({ url, connections, durationSeconds: 3 });
      const result = await cannon({ url, connections, durationSeconds });
      rows.push({ name: target.name, result, peakMb: server.memory().peakMb });
      process.stdout.write(`  ${target.name}: ${fmt(result.rps)} req/s\n`);
    } finally {
      await server.stop();
    }
  }
} finally {
  await identity.close();
  await database.drop();
}

const row = (name: string) => rows.find((r) => r.name.startsWith(name));
const ratio = (a: string, b: string) => {
  const x = row(a);
  const y = row(b);
  return x && y ? x.result.rps / y.result.rps : Number.NaN;
};

console.log(
  `\nHTTP: ${connections} connections, ${durationSeconds} s per target, autocannon in its own process\n`,
);
console.log(
  table(
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'p99/p50', 'max ms', 'non-2xx', 'errors', 'peak RSS MB'],
    rows.map((r) => [
      r.name,
      fmt(r.result.rps, 0),
      fmt(r.result.p50),
      fmt(r.result.p99),
      fmt(r.result.p99 / Math.max(r.result.p50, 1)),
      fmt(r.result.max),
      String(r.result.non2xx),
      String(r.result.errors + r.result.timeouts),
      fmt(r.peakMb, 1),
    ]),
  ),
);

const checks: Array<[string, number, string, boolean]> = [];
const check = (label: string, value: number, target: string, ok: boolean) =>
  checks.push([label, value, target, ok]);
const healthVsRaw = ratio('talent GET /health', 'raw node:http');
const healthVsExpress = ratio('talent GET /health', 'express GET /health');
const dbVsExpress = ratio('talent GET /opportunities/:id', 'express GET /opportunities/:id');
check('talent /health ÷ raw node:http', healthVsRaw, '≥ 0.9', healthVsRaw >= 0.9);
check('talent /health ÷ express /health', healthVsExpress, '≥ 1.6', healthVsExpress >= 1.6);
check('talent DB ÷ express DB', dbVsExpress, '≥ 1.25', dbVsExpress >= 1.25);
for (const r of rows.filter((r) => r.name.startsWith('talent'))) {
  const tail = r.result.p99 / Math.max(r.result.p50, 1);
  check(`${r.name}: p99 ÷ p50`, tail, '≤ 3', tail <= 3);
  check(`${r.name}: peak RSS MB`, r.peakMb, '≤ 150', r.peakMb <= 150);
}
console.log('');
console.log(
  table(
    ['ratio / target', 'measured', 'target', 'met'],
    checks.filter(([, v]) => !Number.isNaN(v)).map(([l, v, t, ok]) => [l, fmt(v), t, ok ? 'yes' : 'NO']),
  ),
);
if (profiles) {
  for (const file of readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\n${profileReport(join(profiles, file), ROOT)}`);
  }
}
