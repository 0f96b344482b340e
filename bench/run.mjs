// `npm run bench [-- names…] [-- --rounds=N …]`: the benchmarks in turn, each printing its own tables with its
// targets and whether they are met. Names: http, memory, startup, synth-cdk, dev-start, check (check ÷ synth and
// the deploy-time model of every talent environment), and synth only when named. Scripts are TypeScript or ES
// modules, run through tsx. A flag goes to the scripts that take it (--rounds to http, memory, check and synth-cdk;
// --runs to startup; the rest of http's and memory's own flags to them): `npm run bench -- --rounds=1` is a quick
// pass over all.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
// Which flags (by name, without the value) each script takes. dev-start and synth take none.
const FLAGS = {
  http: [
    'duration',
    'rounds',
    'rate',
    'connections',
    'profile',
    'only',
    'baseline',
    'trace-gc',
    'node-args',
    'pin',
  ],
  memory: ['rounds', 'duration', 'connections', 'young', 'bundle'],
  startup: ['runs'],
  synth: [],
  'synth-cdk': ['rounds'],
  'dev-start': [],
  check: ['rounds'],
};
const all = Object.keys(FLAGS);
// bench/synth.ts (in-process synth against a bare ecs-patterns app, and each environment's in-process check) runs
// only by name: synth-cdk compares whole processes against `cdk synth`, which is what users wait for.
const byDefault = all.filter((n) => n !== 'synth');
const picked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const names = picked.length ? picked : byDefault;

const unknownName = picked.filter((n) => !all.includes(n));
const flagName = (f) => f.replace(/^--?/, '').split('=')[0];
const unknownFlag = flags.filter((f) => !Object.values(FLAGS).some((list) => list.includes(flagName(f))));
if (unknownName.length || unknownFlag.length) {
  console.error(
    `bench: ${[...unknownName.map((n) => `no bench named ${n}`), ...unknownFlag.map((f) => `no bench takes ${f}`)].join('; ')}.\n` +
      `Names: ${all.join(', ')}. Flags (written --name=value): ${[...new Set(Object.values(FLAGS).flat())].join(', ')}.`,
  );
  process.exit(2);
}

let failed = 0;
const took = [];
for (const name of names) {
  const file = ['ts', 'mjs'].map((ext) => join(here, `${name}.${ext}`)).find(existsSync);
  if (!file) {
    console.error(`bench: no bench/${name}.ts or .mjs`);
    failed++;
    continue;
  }
  const own = flags.filter((f) => FLAGS[name].includes(flagName(f)));
  console.log(`\n## bench/${name} ${own.join(' ')}\n`);
  const started = performance.now();
  // The workspace packages from their TypeScript sources (the `berth-source` export condition), as the tests run
  // them: a fresh clone has no dist/. The servers the HTTP and memory benches measure are spawned with plain node
  // from talent's bundle, without this loader.
  const result = spawnSync(process.execPath, ['--conditions=berth-source', '--import', 'tsx', file, ...own], {
    stdio: 'inherit',
  });
  const seconds = (performance.now() - started) / 1000;
  took.push(`${name} ${seconds.toFixed(0)} s`);
  console.log(`\n(bench/${name}: ${seconds.toFixed(1)} s, exit ${result.status})`);
  if (result.status !== 0) failed++;
}
console.log(`\nbench: ${took.join(', ')}${failed ? `; ${failed} failed` : ''}`);
process.exit(failed ? 1 : 0);
