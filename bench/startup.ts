/**
 * Start-up: process start (spawn) → first 200 on /ready, against a running PostgreSQL (the shared test server,
 * a fresh database with talent's migrations applied). Median of --runs runs (default 10) from the production
 * bundle with NODE_ENV=production; the bare Fastify + pg peer and bare node:http are measured the same way for scale.
 *
 *   node --conditions=berth-source --import tsx bench/startup.ts [--runs 10]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contractEnv, createTestDatabase, freePort } from '../test/support/index';
import { startIdentity } from './harness/identity';
import { fmt, median, percentile, table } from './harness/stats';
import {
  ensureBundle,
  prepareTalentDatabase,
  processEnv,
  ROOT,
  TALENT_DIR,
  waitForStatus,
} from './harness/talent';
import { spawn } from 'node:child_process';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(args.runs);

const database = await createTestDatabase();
const identity = await startIdentity();
const results: Array<[string, number[]]> = [];
try {
  await prepareTalentDatabase(database.url, 20);
  const bundle = ensureBundle();

  const measure = async (
    name: string,
    make: (port: number) => { args: string[]; env: NodeJS.ProcessEnv; cwd: string; path: string },
  ) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      const spec = make(port);
      const started = performance.now();
      const child = spawn(process.execPath, spec.args, { cwd: spec.cwd, env: spec.env, stdio: 'ignore' });
      let exited = false;
      child.once('exit', () => (exited = true));
      try {
        await waitForStatus(
          `http://127.0.0.1:${port}${spec.path}`,
          200,
          15_000,
          () => (exited ? 'exited before it was ready' : undefined),
          2,
        );
        times.push(performance.now() - started);
      } finally {
        child.kill('SIGKILL');
        if (!exited) await new Promise((r) => child.once('exit', r));
      }
    }
    results.push([name, times]);
    process.stdout.write(`  ${name}: median ${fmt(median(times), 0)} ms\n`);
  };

  await measure('talent (dist/server.js) → /ready 200', (port) => ({
    args: [bundle],
    cwd: TALENT_DIR,
    path: '/ready',
    env: processEnv(
      contractEnv({
        PORT: String(port),
        DATABASE_SECRET: JSON.stringify(database.secret),
        BUCKET_RESUMES: 'talent-resumes',
        ...identity.env,
      }),
    ),
  }));
  await measure('bare Fastify + pg peer → /ready 200', (port) => ({
    args: [join(ROOT, 'bench/peers/fastify-app.mjs')],
    cwd: ROOT,
    path: '/ready',
    env: processEnv({ PORT: String(port), DATABASE_URL: database.url }),
  }));
  await measure('raw node:http → /health 200', (port) => ({
    args: [join(ROOT, 'bench/peers/raw-http.mjs')],
    cwd: ROOT,
    path: '/health',
    env: processEnv({ PORT: String(port) }),
  }));
} finally {
  await identity.close();
  await database.drop();
}

console.log(`\nStart-up: spawn → first 200, ${runs} runs each (polled every 2 ms)\n`);
console.log(
  table(
    ['process', 'median ms', 'min ms', 'p90 ms', 'max ms', 'target'],
    results.map(([name, t]) => [
      name,
      fmt(median(t), 0),
      fmt(Math.min(...t), 0),
      fmt(percentile(t, 90), 0),
      fmt(Math.max(...t), 0),
      name.startsWith('talent') ? `≤ 500 (${median(t) <= 500 ? 'met' : 'NOT met'})` : '',
    ]),
  ),
);
