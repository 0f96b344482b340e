import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import type { ResolvedApp } from '@berthjs/config';
import { resolveStage, type LoadedConfig } from '@berthjs/config/load';
import type { Finding } from '@berthjs/infra';

/** The rule id of a finding about the deploy workflow disagreeing with the config's branches. */
export const WORKFLOW_RULE = 'Berth-DeployWorkflowMatchesConfig';

/** `github.ref_name == '<branch>' && '<environment>'`: how the workflow `berth init` writes maps a branch. */
const MAPPING = /github\.ref_name\s*==\s*'([^']+)'\s*&&\s*'([^']+)'/g;

/**
 * The deploy workflow beside the config (`.github/workflows/deploy.yml`, as `berth init` writes it) deploys each
 * environment from the branch the config names, and no branch to an environment the config does not declare: the
 * config's `branch` is what the deployer role's trust and the GitHub environment's branch rule pin, so a workflow
 * that disagrees deploys the wrong code or fails to assume the role. A workflow without the `berth init` mapping
 * is not read.
 */
export function workflowFindings(loaded: LoadedConfig, resolved: ResolvedApp): Finding[] {
  const file = join(loaded.dir, '.github/workflows/deploy.yml');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const mapped = [...text.matchAll(MAPPING)].map((m) => ({ branch: m[1]!, stage: m[2]! }));
  if (!mapped.length) return [];
  let pushed: string[] | undefined;
  try {
    const doc = parse(text) as { on?: { push?: { branches?: unknown } } };
    const branches = doc?.on?.push?.branches;
    if (Array.isArray(branches)) pushed = branches.map(String);
  } catch {
    pushed = undefined;
  }
  const path = relative(loaded.dir, file);
  const branchOf = new Map(resolved.environments.map((e) => [e, resolveStage(loaded, e).branch]));
  const out: Finding[] = [];
  const say = (message: string, fix: string) =>
    out.push({
      source: 'Berth',
      rule: WORKFLOW_RULE,
      stage: resolved.stage,
      resource: `environments.${resolved.stage}.branch`,
      path,
      severity: 'error',
      message,
      fix,
    });
  const seen = new Set<string>();
  for (const { branch, stage } of mapped) {
    const key = `${branch}→${stage}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!branchOf.has(stage))
      say(
        `deploys branch ${branch} to environment '${stage}', which berth.config.ts does not declare (it declares ${[...branchOf.keys()].join(', ')})`,
        `remove the mapping of ${branch} from ${path}, or declare environments.${stage}`,
      );
    else if (stage === resolved.stage && branch !== resolved.branch)
      say(
        `deploys branch ${branch} to ${stage}, whose branch in berth.config.ts is ${resolved.branch}`,
        `map ${resolved.branch} to ${stage} in ${path} (and in its on.push.branches), or set environments.${stage}.branch: '${branch}'`,
      );
  }
  if (!mapped.some((m) => m.stage === resolved.stage))
    say(
      `does not deploy ${resolved.stage} (branch ${resolved.branch} in berth.config.ts) from any branch`,
      `add github.ref_name == '${resolved.branch}' && '${resolved.stage}' to ${path}'s environment and BERTH_ENV, and ${resolved.branch} to its on.push.branches`,
    );
  else if (pushed && !pushed.includes(resolved.branch))
    say(
      `never runs on a push to ${resolved.branch}, ${resolved.stage}'s branch: on.push.branches is [${pushed.join(', ')}]`,
      `add ${resolved.branch} to on.push.branches in ${path}`,
    );
  return out;
}
