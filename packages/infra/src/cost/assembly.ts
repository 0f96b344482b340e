import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { ResolvedApp } from '@berthjs/config';
import { buildApp } from '../app';
import type { CfnTemplate, StackTemplate } from './template';

/**
 * Every stack one environment synthesizes to (the app's stack and any other, such as a standby region's), with its
 * region and template: what `berth cost` prices and `berth diagram` draws. Offline; the assembly goes to a temporary
 * directory that is removed afterwards.
 */
export function stackTemplates(resolved: ResolvedApp): StackTemplate[] {
  const outdir = mkdtempSync(join(tmpdir(), 'berth-assembly-'));
  try {
    const assembly = buildApp(resolved, { outdir }).synth();
    return allStacks(assembly).map((artifact) => ({
      stackName: artifact.stackName,
      region: concreteRegion(artifact.environment.region) ?? resolved.region,
      template: artifact.template as CfnTemplate,
    }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function allStacks(assembly: CloudAssembly): CloudFormationStackArtifact[] {
  return [...assembly.stacks, ...assembly.nestedAssemblies.flatMap((n) => allStacks(n.nestedAssembly))];
}

function concreteRegion(region: string): string | undefined {
  return region && !region.startsWith('unknown-') && !region.includes('${') ? region : undefined;
}
