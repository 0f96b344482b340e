/**
 * Seconds to synthesize and to check each environment of the talent app, against a bare
 * ecs_patterns.ApplicationLoadBalancedFargateService app as a yardstick. Run: node --conditions=berth-source --import tsx bench/synth.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as patterns from 'aws-cdk-lib/aws-ecs-patterns';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { resolve } from '@berthjs/config';
import { runChecks, synthesize } from '@berthjs/infra';
import talent from '../examples/talent/berth.config';

const STAGES = ['dev', 'staging', 'prod'] as const;

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, (performance.now() - start) / 1000];
}

/** Median of `runs` timings: single runs of ~50 ms are mostly noise and JIT warm-up. */
function median<T>(fn: () => T, runs = 5): [T, number] {
  const results = Array.from({ length: runs }, () => time(fn));
  const sorted = results.map(([, s]) => s).sort((a, b) => a - b);
  return [results[0]![0], sorted[Math.floor(runs / 2)]!];
}

function yardstick(outdir: string): App {
  const app = new App({ outdir, analyticsReporting: false, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Yardstick', { env: { region: 'us-east-1', account: '111111111111' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'] });
  new patterns.ApplicationLoadBalancedFargateService(stack, 'Service', {
    vpc,
    taskImageOptions: {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
    },
  });
  return app;
}

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
// Warm the module cache so neither side pays aws-cdk-lib's first load.
yardstick(join(dir, 'warm')).synth();

const rows: { name: string; synth: number; check: number }[] = [];
let resources = 0;
for (const stage of STAGES) {
  const resolved = resolve(talent, stage);
  const [stacks, synth] = median(() => synthesize(resolved, join(dir, stage)));
  const [, firstSynth] = time(() => synthesize(resolved, join(dir, `${stage}-again`)));
  const [report, check] = time(() => runChecks(resolved));
  rows.push({ name: `talent ${stage}`, synth, check });
  resources += stacks[0]!.resourceCount;
  console.log(
    `talent ${stage.padEnd(8)} ${stacks[0]!.resourceCount} resources  synth ${synth.toFixed(3)} s (median of 5; one more run ${firstSynth.toFixed(3)} s)   check ${check.toFixed(2)} s ` +
      `(synth ${report.seconds.synth.toFixed(2)}, nag ${report.seconds.nag.toFixed(2)}, guard ${report.seconds.guard.toFixed(2)}, berth ${report.seconds.berth.toFixed(3)})`,
  );
}

let n = 0;
const [yApp, ySynth] = median(() => {
  const app = yardstick(join(dir, `yardstick-${n++}`));
  app.synth();
  return app;
});
const yResources = Object.keys(
  ((app) => (app.synth().getStackByName('Yardstick').template as { Resources: object }).Resources)(yApp),
).length;
const [, yNag] = time(() => {
  new AwsSolutionsChecks().validateScope(yApp);
  new NIST80053R5Checks().validateScope(yApp);
});
console.log(
  `yardstick        ${yResources} resources  synth ${ySynth.toFixed(3)} s (median of 5)   nag ${yNag.toFixed(2)} s (ApplicationLoadBalancedFargateService; no guard)`,
);

const avgSynth = rows.reduce((s, r) => s + r.synth, 0) / rows.length;
const avgResources = resources / rows.length;
console.log(`ratio synth (talent average / yardstick): ${(avgSynth / ySynth).toFixed(2)}×`);
console.log(`ratio per resource: ${(avgSynth / avgResources / (ySynth / yResources)).toFixed(2)}×`);
const guard = rows.reduce((s, r) => s + r.check, 0) / rows.length;
console.log(
  `check: ${guard.toFixed(2)} s average, almost all of it the cfn-guard process (see the breakdown above)`,
);
rmSync(dir, { recursive: true, force: true });
