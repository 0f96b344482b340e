/**
 * Peak RSS of talent's DB route (GET /opportunities/:id, from the production bundle, plain `node`, as the container
 * runs it) against the bare Fastify + pg peer (bench/peers/fastify-app.mjs, plain `node`), over --rounds interleaved
 * rounds: each round starts a fresh process of each, sends 2 s of warm-up then --duration s of load (autocannon, 50
 * keep-alive connections), and reads the process's peak RSS (VmHWM, /proc/<pid>/status). Prints every round's peaks
 * and ratio, and whether every round is within the target (talent ≤ 1.2× the peer). Not a test.
 *
 *   node --conditions=berth-source --import tsx bench/memory.ts [--rounds 3] [--duration 8] [--young steady|default]
 *                                   [--bundle <another build of talent's dist>/server.js]
 *
 * --young steady (the default): both servers run with V8's young generation at the size node grows it to under
 * sustained load (--min-semi-space-size at node's own maximum, read from node at start). With node's defaults the
 * young generation starts at 1 MB and V8 doubles it each time enough bytes have survived scavenges: within an 8 s
 * run on a busy machine it may or may not reach its maximum (16 MB a semi-space on 64-bit), so one server's peak
 * can include 16 MB of young generation that the other's does not yet have, and the ratio moved between 1.1 and
 * 1.35 between rounds of one run. Under sustained load both reach the maximum (seen with 20–30 s runs), so that is
 * the state compared. --young default runs node's defaults, to see the other figure.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { contractEnv, createTestDatabase, freePort } from '../test/support/index';
import { cannon } from './harness/autocannon';
import { startIdentity } from './harness/identity';
import { fmt, table } from './harness/stats';
import {
  prepareTalentDatabase,
  processEnv,
  ROOT,
  spawnServer,
  startTalent,
  type ServerProcess,
} from './harness/talent';

const TARGET = 1.2;
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    young: { type: 'string', default: 'steady' },
    bundle: { type: 'string' },
  },
  // run.mjs passes its flags to every bench: ignore the ones meant for others.
  strict: false,
});
const rounds = Number(args.rounds);
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);
for (const [name, value] of [
  ['--rounds', rounds],
  ['--duration', durationSeconds],
  ['--connections', connections],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench/memory: ${name} must be a whole number ≥ 1, got ${String(args[name.slice(2)])}`);
    process.exit(2);
  }
}
if (args.young !== 'steady' && args.young !== 'default') {
  console.error(`bench/memory: --young must be steady or default, got ${String(args.young)}`);
  process.exit(2);
}
if (process.env.BERTH_TALENT_ENTRY === 'source') {
  // talent would run through tsx (its loader, the TypeScript sources and tsx's caches in the heap) while the peer
  // runs plain node: not the same comparison.
  console.error(
    'bench/memory: unset BERTH_TALENT_ENTRY=source: talent is measured from its bundle, as the peer, with plain node',
  );
  process.exit(2);
}

/** Node's largest semi-space, MB: a min above it is clamped to it, and new_space then reports that size. */
function maxSemiSpaceMb(): number {
  const out = execFileSync(
    process.execPath,
    [
      '--min-semi-space-size=1024',
      '-e',
      "console.log(require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)",
    ],
    { encoding: 'utf8' },
  );
  return Math.round(Number(out.trim()) / 1024 / 1024);
}
const semiSpace = args.young === 'steady' ? maxSemiSpaceMb() : undefined;
const nodeArgs = semiSpace ? [`--min-semi-space-size=${semiSpace}`] : [];
const young = semiSpace
  ? `young generation at node's maximum from the start (--min-semi-space-size=${semiSpace}), the size both reach under sustained load`
  : "node's defaults (the young generation grows during the run, by V8's heuristics)";

const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const database = await createTestDatabase();
const identity = await startIdentity();
const rows: string[][] = [];
const ratios: number[] = [];
try {
  const { opportunityIds } = await prepareTalentDatabase(database.url, 20);
  const path = `/opportunities/${opportunityIds[0]}`;
  const start = async (kind: 'peer' | 'talent'): Promise<ServerProcess> => {
    const port = await freePort();
    if (kind === 'peer') {
      return spawnServer({
        command: process.execPath,
        args: [...nodeArgs, join(ROOT, 'bench/peers/fastify-app.mjs')],
        env: processEnv({ PORT: String(port), DATABASE_URL: database.url }),
        port,
      });
    }
    return startTalent({
      env: contractEnv({
        PORT: String(port),
        DATABASE_SECRET: JSON.stringify(database.secret),
        BUCKET_RESUMES: 'talent-resumes',
        ...identity.env,
      }),
      nodeArgs,
      entry: 'bundle',
      ...(typeof args.bundle === 'string' ? { bundle: args.bundle } : {}),
    });
  };
  const measure = async (kind: 'peer' | 'talent') => {
    const server = await start(kind);
    try {
      const url = `${server.url}${path}`;
      const probe = await fetch(url);
      if (probe.status !== 200)
        throw new Error(`${kind}: ${url} answered ${probe.status}: ${await probe.text()}`);
      await cannon({ url, connections, durationSeconds: 2 });
      const result = await cannon({ url, connections, durationSeconds });
      if (result.non2xx || result.errors) {
        throw new Error(`${kind}: ${result.non2xx} non-2xx and ${result.errors} errors under load`);
      }
      return { peakMb: server.memory().peakMb, rps: result.rps };
    } finally {
      await server.stop();
    }
  };
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so neither always follows the other's load on the shared PostgreSQL.
    const order = round % 2 ? (['peer', 'talent'] as const) : (['talent', 'peer'] as const);
    const got: Record<string, { peakMb: number; rps: number }> = {};
    for (const kind of order) got[kind] = await measure(kind);
    const ratio = got.talent!.peakMb / got.peer!.peakMb;
    ratios.push(ratio);
    rows.push([
      String(round),
      `${fmt(got.peer!.peakMb, 1)} (${fmt(got.peer!.rps, 0)} req/s)`,
      `${fmt(got.talent!.peakMb, 1)} (${fmt(got.talent!.rps, 0)} req/s)`,
      `${fmt(ratio)}×`,
      ratio <= TARGET ? 'yes' : 'NO',
    ]);
    console.log(
      `  round ${round}: bare Fastify + pg ${fmt(got.peer!.peakMb, 1)} MB, talent ${fmt(got.talent!.peakMb, 1)} MB: ${fmt(ratio)}×`,
    );
  }
} finally {
  await identity.close();
  await database.drop();
}

const sorted = [...ratios].sort((a, b) => a - b);
const worst = sorted[sorted.length - 1]!;
console.log(
  `\nPeak RSS (VmHWM), GET /opportunities/:id: ${rounds} interleaved rounds, a fresh process each, 2 s warm-up + ` +
    `${durationSeconds} s at ${connections} connections; ${young}; ${cpus().length} cores, load average ` +
    `${loadAtStart} at start, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at end\n`,
);
console.log(table(['round', 'bare Fastify + pg MB', 'talent MB', 'talent ÷ peer', `≤ ${TARGET}×`], rows));
console.log(
  `\ntalent DB route peak RSS ÷ bare Fastify + pg: median ${fmt(sorted[Math.floor(sorted.length / 2)]!)}×, ` +
    `worst ${fmt(worst)}× (target ≤ ${TARGET}× in every round: ${worst <= TARGET ? 'met' : 'NOT met'})`,
);
