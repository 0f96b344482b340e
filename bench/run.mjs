// `npm run bench [-- names…]`: every benchmark in turn, each printing its own tables. Names: http, startup, and,
// when they exist, synth and dev-start (written by their owners), and check (check ÷ synth, the deploy-time model). Scripts are TypeScript, run through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['http', 'startup', 'synth', 'dev-start', 'check'];
const picked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const names = picked.length ? picked : all;

let failed = 0;
for (const name of names) {
  const file = ['ts', 'mjs'].map((ext) => join(here, `${name}.${ext}`)).find(existsSync);
  if (!file) {
    if (picked.length) {
      console.error(`bench: no bench/${name}.ts`);
      failed++;
    }
    continue;
  }
  console.log(`\n## bench/${name}\n`);
  const started = performance.now();
  // The workspace packages from their TypeScript sources (the `berth-source` export condition), as the tests run
  // them: a fresh clone has no dist/.
  const result = spawnSync(
    process.execPath,
    ['--conditions=berth-source', '--import', 'tsx', file, ...flags],
    {
      stdio: 'inherit',
    },
  );
  console.log(
    `\n(bench/${name}: ${((performance.now() - started) / 1000).toFixed(1)} s, exit ${result.status})`,
  );
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
