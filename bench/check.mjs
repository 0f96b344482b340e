// `npm run bench check [-- --rounds=N]` (5 rounds by default): `berth check --env prod` of talent against `berth synth
// --env prod` of the same environment, both as whole processes (what a user or CI waits for), interleaved in one run so
// a busy machine slows both alike. Two kinds of check: cold (an empty cache folder: cfn-lint and cfn-guard run) and
// cached (the same templates checked before: their results come from the cache). Prints each round, the medians and the
// ratio against the 2.5× target. Then the deploy-time model of every talent environment (docs/operate.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const berth = join(root, 'packages/cli/bin/berth.js');
const config = join(root, 'examples/talent/berth.config.ts');
const TARGET = 2.5;
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-check-'));

function timed(args, env = {}) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [berth, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0)
    console.log(`  (berth ${args[0]} exited ${r.status}: ${(r.stderr || '').trim().split('\n').pop()})`);
  return seconds;
}

const synth = (n) => timed(['synth', '--env', 'prod', '--config', config, '--out', join(dir, `synth-${n}`)]);
const check = (cacheDir) =>
  timed(['check', '--env', 'prod', '--config', config], { BERTH_CACHE_DIR: cacheDir });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const warmCache = join(dir, 'cache');
  check(warmCache); // fills the cache the cached runs read
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const s1 = synth(`${i}a`);
    const cold = check(join(dir, `cold-${i}`));
    const s2 = synth(`${i}b`);
    const cached = check(warmCache);
    rows.push({ s1, cold, s2, cached });
    console.log(
      `round ${i + 1}: synth ${s1.toFixed(2)} s, check (cold) ${cold.toFixed(2)} s = ${(cold / s1).toFixed(2)}×; ` +
        `synth ${s2.toFixed(2)} s, check (cached) ${cached.toFixed(2)} s = ${(cached / s2).toFixed(2)}×`,
    );
  }
  const line = (name, ratios, checks, synths) => {
    const r = median(ratios);
    console.log(
      `${name.padEnd(15)} synth ${median(synths).toFixed(2)} s  check ${median(checks).toFixed(2)} s  ` +
        `check ÷ synth ${r.toFixed(2)}× (median of ${ratios.length} rounds; target ≤ ${TARGET}×: ${r <= TARGET ? 'met' : 'NOT met'})`,
    );
  };
  console.log('\nberth check --env prod ÷ berth synth --env prod (talent, whole processes):');
  line(
    'cold cache',
    rows.map((r) => r.cold / r.s1),
    rows.map((r) => r.cold),
    rows.map((r) => r.s1),
  );
  line(
    'cached',
    rows.map((r) => r.cached / r.s2),
    rows.map((r) => r.cached),
    rows.map((r) => r.s2),
  );

  // The deploy-time model of each environment, from its synthesized template.
  const { resolve } = await import('@berthjs/config');
  const { buildApp, deployTimes, formatDeployTimes } = await import('@berthjs/infra');
  const talent = (await import(config)).default;
  console.log('');
  for (const stage of ['dev', 'staging', 'prod']) {
    const app = buildApp(resolve(talent, stage), { outdir: join(dir, `model-${stage}`) });
    const template = app.synth().getNestedAssembly(`assembly-${stage}`).stacks[0].template;
    const times = deployTimes(template);
    for (const l of formatDeployTimes(times, `talent ${stage}: deploy time (least, by the model)`))
      console.log(l);
    if (stage === 'dev')
      for (const t of times.filter((t) => t.strategy === 'rolling'))
        console.log(
          `  target: dev rolling deploy < 120 s: ${t.service} ${t.seconds} s ${t.seconds < 120 ? 'met' : 'NOT met'}`,
        );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
