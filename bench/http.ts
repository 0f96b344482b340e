/**
 * HTTP throughput against peers, in one run on this machine. Each server runs alone, one process; autocannon runs
 * in its own process (50 keep-alive connections, no pipelining, as an ALB sends; 2 s warm-up, then --duration s).
 * The targets are interleaved over --rounds rounds so background load on a shared machine hits each alike; the
 * median round counts. Then latency under a fixed open-loop load (--rate req/s, sent from this process with sub-ms
 * timing): closed-loop latency at saturation measures the queue the generator builds, not the server.
 * Prints req/s, p50/p99, peak RSS (VmHWM) and the ratios the targets are written in.
 *
 *   node --conditions=berth-source --import tsx bench/http.ts [--duration 8] [--rounds 3] [--rate 1000] [--connections 50] [--only talent,fastify]
 *                                   [--profile] [--pin=off]
 *
 * --profile runs talent under `node --cpu-prof` and prints where its time goes (mapped to sources).
 * --trace-gc runs every server with node's --trace-gc and prints the collections during the fixed-rate run (how many,
 * their pauses): what GC adds to the tail. --node-args "<flags>" passes node flags to every server (e.g.
 * "--max-semi-space-size=32", a deployment's own choice via NODE_OPTIONS) to see what they change.
 * --pin (default auto): with ≥ 2 cores and taskset, servers run on CPU 1 and this process with autocannon on CPU 0;
 * --pin=off leaves them unpinned.
 * --baseline <dir/server.js> adds talent's /health and DB targets run from another build of the bundle (e.g. one built
 * before a change) to the same interleaved rounds, and prints talent ÷ baseline: a before/after that background
 * load hits alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contractEnv, createTestDatabase, freePort } from '../test/support/index';
import { cannon, type CannonResult } from './harness/autocannon';
import { startIdentity } from './harness/identity';
import { runLoad, summarize, type Summary } from './harness/load';
import { profileReport } from './harness/profile';
import { fmt, table } from './harness/stats';
import {
  prepareTalentDatabase,
  procCpu,
  processEnv,
  ROOT,
  spawnServer,
  startTalent,
  type ServerProcess,
} from './harness/talent';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    baseline: { type: 'string' },
    'trace-gc': { type: 'boolean', default: false },
    'node-args': { type: 'string' },
    pin: { type: 'string', default: 'auto' },
  },
});
const durationSeconds = Number(args.duration);
const rounds = Number(args.rounds);
const rate = Number(args.rate);
const connections = Number(args.connections);

interface Target {
  readonly name: string;
  readonly server: 'raw' | 'fastify' | 'talent' | 'talent-redis' | 'baseline';
  readonly path: (ids: readonly string[]) => string;
}

// The yardsticks: raw node:http (the ceiling) and the same routes on bare Fastify + pg (bench/peers/fastify-app.mjs):
// talent runs on Fastify, so talent ÷ bare Fastify is what the runtime costs. No Express peer: what a slower framework
// costs is not a question about the runtime.
const TARGETS: Target[] = [
  { name: 'raw node:http GET /health', server: 'raw', path: () => '/health' },
  { name: 'fastify GET /health', server: 'fastify', path: () => '/health' },
  { name: 'talent GET /health', server: 'talent', path: () => '/health' },
  {
    name: 'fastify GET /opportunities/:id (DB)',
    server: 'fastify',
    path: (ids) => `/opportunities/${ids[0]}`,
  },
  { name: 'talent GET /opportunities/:id (DB)', server: 'talent', path: (ids) => `/opportunities/${ids[0]}` },
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

if (args.baseline) {
  TARGETS.push(
    { name: 'baseline GET /health', server: 'baseline', path: () => '/health' },
    {
      name: 'baseline GET /opportunities/:id (DB)',
      server: 'baseline',
      path: (ids) => `/opportunities/${ids[0]}`,
    },
  );
}

export interface GcSummary {
  /** Young-generation collections (Scavenge, Minor Mark-Sweep) and full ones, per 1,000 requests. */
  readonly minorPerK: number;
  readonly majorPerK: number;
  /** Pause of every collection, ms: total, largest. */
  readonly pauseMs: number;
  readonly maxPauseMs: number;
  readonly pauses: readonly number[];
}

/** Collections in `--trace-gc` output: `… Scavenge 10.2 (12.3) -> 9.8 (13.3) MB, 0.85 / 0.00 ms …`. */
function gcSummary(output: string, requests: number): GcSummary {
  const pauses: number[] = [];
  let minor = 0;
  let major = 0;
  for (const m of output.matchAll(
    /ms: (Scavenge|Minor Mark-Sweep|Mark-Compact|Mark-sweep)[^,]*, ([\d.]+) \/ [\d.]+ ms/g,
  )) {
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Sweep') minor++;
    else major++;
    pauses.push(Number(m[2]));
  }
  return {
    minorPerK: (1000 * minor) / requests,
    majorPerK: (1000 * major) / requests,
    pauseMs: pauses.reduce((a, b) => a + b, 0),
    maxPauseMs: pauses.length ? Math.max(...pauses) : 0,
    pauses,
  };
}

export interface HttpRow {
  readonly name: string;
  /** The median round by req/s. */
  readonly result: CannonResult;
  readonly rounds: readonly number[];
  /** Open-loop latency at --rate req/s. */
  readonly fixed: Summary;
  readonly gc: GcSummary | undefined;
  readonly peakMb: number;
  /** Peak RSS of every round's process, MB (a fresh process per round and target). */
  readonly peaks: readonly number[];
  /** Server CPU per request, µs (user, system): the round with the median total (CPU moves less than req/s). */
  readonly cpuUs: { readonly user: number; readonly system: number };
  /** user + system µs per request, every round. */
  readonly cpuRounds: readonly number[];
}

// With two cores or more, each server runs on CPU 1 and this process (the open-loop sender) with autocannon (its
// child, which inherits the affinity) on CPU 0, so the sender's timing and the server's work do not wait for each
// other's core: p99 at a fixed rate is then the server's figure. `taskset` (util-linux) exec()s node, so the pid
// read in /proc is the server's. PostgreSQL (the shared server) is not pinned. --pin=off runs everything unpinned.
const pinned =
  args.pin !== 'off' &&
  cpus().length >= 2 &&
  spawnSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
const serverPrefix = pinned ? ['taskset', '-c', '1'] : [];
const pinning = pinned
  ? 'servers pinned to CPU 1, the sender and autocannon to CPU 0 (taskset)'
  : `not pinned (${args.pin === 'off' ? '--pin=off' : cpus().length < 2 ? 'one core' : 'no taskset'}): the sender shares the cores with the server`;

console.log(`CPU: ${pinning}`);

const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
if (loadavg()[0]! > 1) {
  console.warn(
    `warning: load average ${loadAtStart} on ${cpus().length} cores: other work competes, figures will be low and noisy`,
  );
}

const database = await createTestDatabase();
const identity = await startIdentity();
const profiles = args.profile ? mkdtempSync(join(tmpdir(), 'berth-profile-')) : undefined;
const rows: HttpRow[] = [];
try {
  const { opportunityIds } = await prepareTalentDatabase(database.url, 20);

  const nodeArgs = [
    ...(args['trace-gc'] ? ['--trace-gc'] : []),
    ...(args['node-args']?.split(/\s+/).filter(Boolean) ?? []),
  ];
  const start = async (kind: Target['server']): Promise<ServerProcess> => {
    const port = await freePort();
    if (kind === 'raw' || kind === 'fastify') {
      const [command, ...prefixArgs] = [...serverPrefix, process.execPath];
      return spawnServer({
        command: command!,
        args: [
          ...prefixArgs,
          ...nodeArgs,
          join(ROOT, `bench/peers/${kind === 'raw' ? 'raw-http' : 'fastify-app'}.mjs`),
        ],
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
      nodeArgs: [
        ...nodeArgs,
        ...(profiles && kind !== 'baseline' ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []),
      ],
      ...(kind === 'baseline' ? { bundle: args.baseline } : {}),
      prefix: serverPrefix,
    });
  };

  const only = args.only?.split(',');
  const targets = TARGETS.filter((t) => !only || only.some((o) => t.name.includes(o)));
  const results = new Map<
    string,
    {
      runs: CannonResult[];
      cpu: Array<{ user: number; system: number }>;
      fixed?: Summary;
      gc?: GcSummary;
      peakMb: number;
      peaks: number[];
    }
  >();
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const server = await start(target.server);
      try {
        const path = target.path(opportunityIds);
        const url = `${server.url}${path}`;
        const probe = await fetch(url);
        if (probe.status !== 200)
          throw new Error(`${target.name}: ${url} answered ${probe.status}: ${await probe.text()}`);
        await cannon({ url, connections, durationSeconds: 2 });
        const cpuBefore = procCpu(server.pid);
        const result = await cannon({ url, connections, durationSeconds });
        const cpuAfter = procCpu(server.pid);
        // Read before the last round's fixed-rate run, so every round's peak covers the same load.
        const peak = server.memory().peakMb;
        const entry = results.get(target.name) ?? { runs: [], cpu: [], peakMb: 0, peaks: [] };
        entry.runs.push(result);
        entry.cpu.push({
          user: ((cpuAfter.userMs - cpuBefore.userMs) * 1000) / result.total,
          system: ((cpuAfter.systemMs - cpuBefore.systemMs) * 1000) / result.total,
        });
        if (round === rounds - 1) {
          const gcBefore = server.output().length;
          const samples = await runLoad({
            baseUrl: server.url,
            rate,
            durationMs: 5_000,
            maxInFlight: 256,
            tickMs: 1,
            next: () => ({ kind: 'get', method: 'GET', path }),
          });
          entry.fixed = summarize(samples.filter((s) => s.start - samples[0]!.start >= 1_000));
          if (args['trace-gc']) entry.gc = gcSummary(server.output().slice(gcBefore), samples.length);
        }
        entry.peaks.push(peak);
        entry.peakMb = Math.max(entry.peakMb, peak);
        results.set(target.name, entry);
        process.stdout.write(
          `  round ${round + 1}: ${target.name}: ${fmt(result.rps, 0)} req/s, peak RSS ${fmt(peak, 1)} MB\n`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  for (const target of targets) {
    const entry = results.get(target.name)!;
    const sorted = [...entry.runs].sort((a, b) => a.rps - b.rps);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const cpuSorted = [...entry.cpu].sort((a, b) => a.user + a.system - (b.user + b.system));
    rows.push({
      name: target.name,
      result: median,
      cpuUs: cpuSorted[Math.floor(cpuSorted.length / 2)]!,
      cpuRounds: entry.cpu.map((c) => c.user + c.system),
      rounds: entry.runs.map((r) => r.rps),
      fixed: entry.fixed!,
      gc: entry.gc,
      peakMb: entry.peakMb,
      peaks: entry.peaks,
    });
  }
} finally {
  await identity.close();
  await database.drop();
}

const row = (name: string) => rows.find((r) => r.name.startsWith(name));
const cpu = (r: HttpRow) => r.cpuUs.user + r.cpuUs.system;
/** a ÷ b by req/s, and by CPU per request as b's µs ÷ a's µs (so ≥ 1 means a is the cheaper, as with req/s). */
const ratios = (a: string, b: string) => {
  const x = row(a);
  const y = row(b);
  return x && y
    ? { rps: x.result.rps / y.result.rps, cpu: cpu(y) / cpu(x) }
    : { rps: Number.NaN, cpu: Number.NaN };
};

console.log(
  `\nHTTP: ${connections} connections, ${durationSeconds} s × ${rounds} rounds per target (median round), ` +
    `autocannon in its own process; ${pinning}; load average at start ${loadAtStart}, at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
);
console.log(
  table(
    [
      'target',
      'req/s',
      'rounds req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'non-2xx',
      'errors',
      'CPU µs/req user+sys',
      'rounds CPU µs/req',
      'rounds peak RSS MB',
    ],
    rows.map((r) => [
      r.name,
      fmt(r.result.rps, 0),
      r.rounds.map((x) => fmt(x, 0)).join(' / '),
      fmt(r.result.p50),
      fmt(r.result.p99),
      fmt(r.result.max),
      String(r.result.non2xx),
      String(r.result.errors + r.result.timeouts),
      `${fmt(r.cpuUs.user, 1)} + ${fmt(r.cpuUs.system, 1)}`,
      r.cpuRounds.map((x) => fmt(x, 1)).join(' / '),
      r.peaks.map((x) => fmt(x, 1)).join(' / '),
    ]),
  ),
);
console.log(
  `\nLatency under a fixed open-loop load of ${fmt(rate, 0)} req/s (5 s, first second dropped; ${pinning})\n`,
);
console.log(
  table(
    ['target', 'sent', 'non-2xx', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p99/p50'],
    rows.map((r) => [
      r.name,
      String(r.fixed.sent),
      String(r.fixed.sent - r.fixed.ok),
      fmt(r.fixed.p50),
      fmt(r.fixed.p90),
      fmt(r.fixed.p99),
      fmt(r.fixed.max),
      fmt(r.fixed.p99 / r.fixed.p50),
    ]),
  ),
);

if (args['trace-gc']) {
  console.log(`\nGarbage collection during the fixed-rate run (node --trace-gc)\n`);
  console.log(
    table(
      ['target', 'young GCs / 1k req', 'full GCs / 1k req', 'pause total ms', 'largest pause ms'],
      rows.map((r) => [
        r.name,
        fmt(r.gc?.minorPerK),
        fmt(r.gc?.majorPerK),
        fmt(r.gc?.pauseMs),
        fmt(r.gc?.maxPauseMs),
      ]),
    ),
  );
}

const pairs: Array<[string, string, string, number]> = [
  ['talent /health ÷ bare Fastify /health', 'talent GET /health', 'fastify GET /health', 0.9],
  [
    'talent DB-by-id ÷ bare Fastify + pg',
    'talent GET /opportunities/:id',
    'fastify GET /opportunities/:id',
    0.9,
  ],
  ['talent /health ÷ raw node:http', 'talent GET /health', 'raw node:http', 0.7],
  ['bare Fastify /health ÷ raw node:http', 'fastify GET /health', 'raw node:http', Number.NaN],
  ['talent /health ÷ baseline build', 'talent GET /health', 'baseline GET /health', Number.NaN],
  [
    'talent DB-by-id ÷ baseline build',
    'talent GET /opportunities/:id',
    'baseline GET /opportunities/:id',
    Number.NaN,
  ],
];
console.log('');
console.log(
  table(
    ['ratio', 'by req/s', 'by CPU µs/req', 'target (CPU)', 'met'],
    pairs
      .map(([label, a, b, bar]) => [label, ratios(a, b), bar] as const)
      .filter(([, r]) => !Number.isNaN(r.rps))
      .map(([label, r, bar]) => [
        label,
        `${fmt(r.rps)}×`,
        `${fmt(r.cpu)}×`,
        Number.isNaN(bar) ? '–' : `≥ ${bar}`,
        Number.isNaN(bar) ? '–' : r.cpu >= bar ? 'yes' : 'NO',
      ]),
  ),
);

const checks: Array<[string, number, string, boolean]> = [];
const check = (label: string, value: number, target: string, ok: boolean) =>
  checks.push([label, value, target, ok]);
// Peak RSS per round (each round a fresh process of each), with node's defaults: the young generation grows during
// a run by V8's heuristics, so a short round on a busy machine may catch one server with it grown and not the other.
// bench/memory.ts compares the two at the size both reach under sustained load.
const dbTalent = row('talent GET /opportunities/:id');
const dbPeer = row('fastify GET /opportunities/:id');
if (dbTalent && dbPeer) {
  dbTalent.peaks.forEach((talentMb, i) => {
    const peerMb = dbPeer.peaks[i]!;
    check(
      `round ${i + 1}: talent DB route peak RSS ÷ bare Fastify + pg (${fmt(talentMb, 1)} ÷ ${fmt(peerMb, 1)} MB; node defaults)`,
      talentMb / peerMb,
      '≤ 1.2',
      talentMb / peerMb <= 1.2,
    );
  });
}
for (const r of rows) {
  const tail = r.fixed.p99 / r.fixed.p50;
  check(`${r.name}: p99 ÷ p50 at ${fmt(rate, 0)} req/s`, tail, '≤ 3', tail <= 3);
}
console.log('');
console.log(
  table(
    ['figure', 'measured', 'target', 'met'],
    checks.filter(([, v]) => !Number.isNaN(v)).map(([l, v, t, ok]) => [l, fmt(v), t, ok ? 'yes' : 'NO']),
  ),
);
if (profiles) {
  for (const file of readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\n${profileReport(join(profiles, file), ROOT)}`);
  }
}
