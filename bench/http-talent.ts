/**
 * The talent bundle alone: builds examples/talent/dist if stale, migrates a fresh test database, starts
 * `node dist/server.js` with a contract env (in-process cache, as in bench/http.ts) and runs autocannon in its own
 * process against GET /health and GET /opportunities/:id. Prints req/s and p50/p99. Not a test.
 *
 *   node --conditions=berth-source --import tsx bench/http-talent.ts [--duration 10] [--connections 50]
 */
import { parseArgs } from 'node:util';
import { contractEnv, createTestDatabase, freePort } from '../test/support/index';
import { cannon } from './harness/autocannon';
import { startIdentity } from './harness/identity';
import { fmt, table } from './harness/stats';
import { prepareTalentDatabase, startTalent } from './harness/talent';

const { values: args } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } },
});
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);

const database = await createTestDatabase();
const identity = await startIdentity();
const rows: string[][] = [];
try {
  const { opportunityIds } = await prepareTalentDatabase(database.url, 20);
  const port = await freePort();
  const server = await startTalent({
    env: contractEnv({
      BERTH_APP: 'talent',
      PORT: String(port),
      DATABASE_SECRET: JSON.stringify(database.secret),
      BUCKET_RESUMES: 'talent-resumes',
      ...identity.env,
    }),
  });
  try {
    for (const path of ['/health', `/opportunities/${opportunityIds[0]}`]) {
      const url = `${server.url}${path}`;
      const probe = await fetch(url);
      if (probe.status !== 200) throw new Error(`${url} answered ${probe.status}: ${await probe.text()}`);
      await cannon({ url, connections, durationSeconds: 3 }); // warm-up: JIT, pool connections
      const r = await cannon({ url, connections, durationSeconds });
      rows.push([
        `GET ${path.replace(/[0-9a-f-]{36}/, ':id')}`,
        fmt(r.rps, 0),
        fmt(r.p50),
        fmt(r.p99),
        String(r.non2xx),
        String(r.errors + r.timeouts),
      ]);
    }
    rows.push(['peak RSS MB', fmt(server.memory().peakMb, 1), '', '', '', '']);
  } finally {
    await server.stop();
  }
} finally {
  await identity.close();
  await database.drop();
}

console.log(
  `\ntalent bundle: ${connections} connections, ${durationSeconds} s per route (after 3 s warm-up)\n`,
);
console.log(table(['route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], rows));
