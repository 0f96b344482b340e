// `npm run bench synth-cdk [-- --rounds=N]`: `berth synth --env prod` of talent against `cdk synth` (the aws-cdk
// CLI, pinned in the root package.json) of bench/cdk-yardstick, the same shape written with aws-cdk-lib alone
// (ecs-patterns ApplicationLoadBalancedFargateService, an Aurora Serverless v2 cluster, the same buckets and
// EventBridge Scheduler schedules). Whole processes, as a user waits for them, interleaved round by round so a busy
// machine slows every command alike; one warm-up round first (not counted: it fills tsx's transform cache for both).
// Two CDK runs per round: plain `cdk synth` (the CDK's built-in CloudFormation validation on, its default) and
// `cdk synth --no-validation` (Berth's own synth turns that validation off: `berth check` runs its own packs).
// Prints wall seconds and CPU seconds (user + system of the process and its children, from GNU time when it is
// installed) per round, the medians, the resource counts beside them, and berth ÷ cdk against the target.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const berth = join(root, 'packages/cli/bin/berth.js');
const config = join(root, 'examples/talent/berth.config.ts');
const yardstick = join(root, 'bench/cdk-yardstick');
const cdk = join(root, 'node_modules/aws-cdk/bin/cdk');
// The target: Berth's synth of talent prod (which holds about twice the yardstick's resources: cache, mail, edge,
// WAF, alarms, the deployer) within 1.5× of `cdk synth` of the CDK-only app with the same validation setting.
const TARGET = 1.5;
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench/synth-cdk: --rounds must be a whole number ≥ 1, got ${rounds}`);
  process.exit(2);
}
if (!existsSync(cdk)) {
  console.error(
    'bench/synth-cdk: node_modules/aws-cdk is missing: run `npm ci` (aws-cdk is a root devDependency)',
  );
  process.exit(2);
}
const gnuTime = ['/usr/bin/time'].find(
  (t) => existsSync(t) && spawnSync(t, ['-f', '%e', 'true'], { encoding: 'utf8' }).status === 0,
);
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-synth-cdk-'));

// No network from the CDK CLI: no version check, no notices, no telemetry (a user's machine does these in the
// background; here they could only wait on a network that may not answer).
const cdkEnv = { CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };

/** Runs `node <args>` in `cwd`; returns wall seconds and CPU seconds (user + sys, children included). */
function timed(label, args, cwd, env = {}) {
  const timeFile = join(dir, 'time.txt');
  const command = gnuTime ? gnuTime : process.execPath;
  const argv = gnuTime ? ['-f', '%U %S', '-o', timeFile, process.execPath, ...args] : args;
  const started = performance.now();
  const r = spawnSync(command, argv, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    throw new Error(`${label} exited ${r.status}:\n${(r.stderr || r.stdout || '').trim().slice(-2000)}`);
  }
  const cpu = gnuTime
    ? readFileSync(timeFile, 'utf8')
        .trim()
        .split('\n')
        .pop()
        .split(' ')
        .reduce((a, b) => a + Number(b), 0)
    : Number.NaN;
  return { wall, cpu };
}

/** Resources in every template under `out` (recursively: Berth writes one nested assembly per environment). */
function resources(out) {
  let n = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.template.json'))
        n += Object.keys(JSON.parse(readFileSync(join(d, e.name), 'utf8')).Resources ?? {}).length;
    }
  };
  walk(out);
  return n;
}

const commands = {
  berth: (out) =>
    timed('berth synth', [berth, 'synth', '--env', 'prod', '--config', config, '--out', out], root),
  cdkNoValidation: (out) =>
    timed(
      'cdk synth --no-validation',
      [cdk, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--no-validation', '-o', out],
      yardstick,
      cdkEnv,
    ),
  cdk: (out) =>
    timed(
      'cdk synth',
      [cdk, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', out],
      yardstick,
      cdkEnv,
    ),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x) => (Number.isNaN(x) ? '–' : x.toFixed(2));

try {
  const counts = {};
  for (const [name, run] of Object.entries(commands)) {
    const out = join(dir, `warm-${name}`);
    run(out);
    counts[name] = resources(out);
  }
  const results = { berth: [], cdkNoValidation: [], cdk: [] };
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(commands)) {
      const out = join(dir, `${name}-${i}`);
      results[name].push(run(out));
      rmSync(out, { recursive: true, force: true });
    }
    const [b, n, c] = [results.berth[i], results.cdkNoValidation[i], results.cdk[i]];
    console.log(
      `round ${i + 1}: berth synth ${f(b.wall)} s (CPU ${f(b.cpu)} s); cdk synth --no-validation ${f(n.wall)} s ` +
        `(CPU ${f(n.cpu)} s); cdk synth ${f(c.wall)} s (CPU ${f(c.cpu)} s)`,
    );
  }
  const med = (name, key) => median(results[name].map((r) => r[key]));
  const ratio = (name, key) => median(results.berth.map((r, i) => r[key] / results[name][i][key]));
  console.log(
    `\nberth synth --env prod (talent) ÷ cdk synth (bench/cdk-yardstick), whole processes, median of ${rounds} interleaved rounds:`,
  );
  console.log(
    `  berth synth                ${counts.berth} resources  wall ${f(med('berth', 'wall'))} s  CPU ${f(med('berth', 'cpu'))} s`,
  );
  for (const [name, label] of [
    ['cdkNoValidation', 'cdk synth --no-validation'],
    ['cdk', 'cdk synth'],
  ]) {
    const wall = ratio(name, 'wall');
    const cpu = ratio(name, 'cpu');
    const perResource = wall / (counts.berth / counts[name]);
    const gated = name === 'cdkNoValidation';
    console.log(
      `  ${label.padEnd(26)} ${counts[name]} resources  wall ${f(med(name, 'wall'))} s  CPU ${f(med(name, 'cpu'))} s  ` +
        `berth ÷ it: wall ${f(wall)}×, CPU ${f(cpu)}×, wall per resource ${f(perResource)}×` +
        (gated
          ? ` (target ≤ ${TARGET}× wall: ${wall <= TARGET ? 'met' : 'NOT met'})`
          : ' (the CDK default: its CloudFormation validation on; no target)'),
    );
  }
  if (!gnuTime) console.log('  (CPU: no GNU time at /usr/bin/time, wall time only)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
