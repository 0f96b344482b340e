import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedApp } from '@berthjs/config';
import { buildApp, berthStacks, type BuildAppOptions } from './app';

export interface SynthesizedStack {
  readonly stage: string;
  readonly stackName: string;
  /** Absolute path of the CloudFormation template. */
  readonly templatePath: string;
  readonly resourceCount: number;
  /** Resources per CloudFormation type, sorted by type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
}

/** Synthesizes every environment given into `outdir` and returns where each template went. Offline, deterministic. */
export function synthesize(
  resolved: ResolvedApp | readonly ResolvedApp[],
  outdir: string,
  options: Omit<BuildAppOptions, 'outdir'> = {},
): SynthesizedStack[] {
  const app = buildApp(resolved, { ...options, outdir });
  const assembly = app.synth();
  return berthStacks(app).map((stack) => {
    const stageAssembly = assembly.getNestedAssembly(`assembly-${stack.resolved.stage}`);
    const artifact = stageAssembly.getStackArtifact(stack.artifactId);
    const templatePath = join(stageAssembly.directory, artifact.templateFile);
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
      Resources?: Record<string, { Type: string }>;
    };
    const types: Record<string, number> = {};
    for (const r of Object.values(template.Resources ?? {})) types[r.Type] = (types[r.Type] ?? 0) + 1;
    return {
      stage: stack.resolved.stage,
      stackName: stack.stackName,
      templatePath,
      resourceCount: Object.keys(template.Resources ?? {}).length,
      resourceTypes: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
    };
  });
}
