import { Template } from 'aws-cdk-lib/assertions';
import { resolve, type ResolvedApp } from '@berth/config';
import talent from '../../../examples/talent/berth.config';
import { berthStacks, buildApp } from '../src/index';

export function talentResolved(stage: 'dev' | 'staging' | 'prod'): ResolvedApp {
  return resolve(talent, stage);
}

/** Synthesizes one environment and returns its template (synthesis is the slow part: share it per file). */
export function templateOf(resolved: ResolvedApp): Template {
  const app = buildApp(resolved);
  return Template.fromStack(berthStacks(app)[0]!);
}

/** A ResolvedApp with some fields replaced (resolve() freezes its output; tests edit a copy). */
export function withChanges(resolved: ResolvedApp, changes: Partial<ResolvedApp>): ResolvedApp {
  return { ...resolved, ...changes };
}
