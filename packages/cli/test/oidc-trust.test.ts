import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ResolvedApp } from '@berthjs/config';
import {
  berthStacks,
  buildApp,
  deployerRoleName,
  GITHUB_OIDC_HOST,
  isAllowed,
  TokenResolver,
  trustPolicy,
} from '@berthjs/infra';
import { Template } from 'aws-cdk-lib/assertions';
import { scaffold } from '../src/init/scaffold';
import { loadStage } from '@berthjs/config/load';

const WORKSPACE = join(import.meta.dirname, '../../..');
const REPOSITORY = 'acme/my-shop';

/**
 * The `environment:` of the generated deploy job is a GitHub expression over the branch, of the shape
 * `github.ref_name == 'a' && 'x' || github.ref_name == 'b' && 'y' || 'z'`. Evaluates it for one branch, and fails
 * loudly on any other shape (so a changed workflow cannot silently pass).
 */
function environmentFor(expression: string, branch: string): string {
  const inner = /^\$\{\{\s*(.*?)\s*\}\}$/.exec(expression.trim())?.[1];
  if (!inner) throw new Error(`environment is not one expression: ${expression}`);
  for (const alternative of inner.split('||').map((a) => a.trim())) {
    const cond = /^github\.ref_name == '([^']+)' && '([^']+)'$/.exec(alternative);
    if (cond) {
      if (cond[1] === branch) return cond[2]!;
      continue;
    }
    const fallback = /^'([^']+)'$/.exec(alternative);
    if (fallback) return fallback[1]!;
    throw new Error(`unexpected part of the environment expression: ${alternative}`);
  }
  throw new Error(`no environment for branch ${branch}`);
}

interface Workflow {
  on: { push: { branches: string[] } };
  permissions: Record<string, string>;
  jobs: { deploy: { environment: string; steps: { uses?: string; with?: Record<string, string> }[] } };
}

let workflow: Workflow;
const envs: { stage: string; resolved: ResolvedApp; template: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'berth-oidc-')), 'my-shop');
  scaffold(dir);
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
  const configPath = join(dir, 'berth.config.ts');
  // What a team adds to deploy from GitHub: the repository (the deployer role exists only then).
  const config = readFileSync(configPath, 'utf8').replace(
    /^(\s*)region: (.*)$/m,
    `$1region: $2\n$1github: { repository: '${REPOSITORY}' },`,
  );
  writeFileSync(configPath, config);
  workflow = parse(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')) as Workflow;
  const resolved = await Promise.all(
    ['dev', 'staging', 'prod'].map(async (s) => (await loadStage(configPath, s)).resolved),
  );
  const stacks = berthStacks(buildApp(resolved));
  for (const r of resolved) {
    const stack = stacks.find((s) => s.resolved.stage === r.stage)!;
    envs.push({ stage: r.stage, resolved: r, template: Template.fromStack(stack).toJSON() });
  }
}, 240_000);

/** Whether the deployer role of `env` lets a token with this `sub` (and audience) assume it. */
function assumes(env: (typeof envs)[number], sub: string, aud = 'sts.amazonaws.com'): boolean {
  const resources = (
    env.template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }
  ).Resources;
  const role = Object.entries(resources).find(
    ([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === deployerRoleName(env.resolved),
  )![0];
  const tokens = new TokenResolver(env.template, {
    account: env.resolved.account ?? '000000000000',
    region: env.resolved.region,
  });
  const provider = `arn:aws:iam::${env.resolved.account ?? '000000000000'}:oidc-provider/${GITHUB_OIDC_HOST}`;
  return isAllowed(
    trustPolicy(env.template, role, tokens),
    'sts:AssumeRoleWithWebIdentity',
    'role',
    {
      [`${GITHUB_OIDC_HOST}:sub`]: sub,
      [`${GITHUB_OIDC_HOST}:aud`]: aud,
    },
    { federated: provider },
  ).allowed;
}

describe('GitHub OIDC trust matches the workflow berth init writes', () => {
  it('the workflow asks for an OIDC token and the default audience', () => {
    expect(workflow.permissions['id-token']).toBe('write');
    const step = workflow.jobs.deploy.steps.find((s) =>
      s.uses?.startsWith('aws-actions/configure-aws-credentials'),
    )!;
    // configure-aws-credentials requests audience sts.amazonaws.com unless `audience` is given.
    expect(step.with?.audience).toBeUndefined();
  });

  it('each environment trusts exactly the claim its deploy job presents', () => {
    for (const env of envs) {
      const branch = env.resolved.branch;
      expect(workflow.on.push.branches).toContain(branch);
      // A job with `environment:` gets sub = repo:<owner>/<repo>:environment:<name>.
      const claim = `repo:${REPOSITORY}:environment:${environmentFor(workflow.jobs.deploy.environment, branch)}`;
      expect(assumes(env, claim), `${env.stage} trusts ${claim}`).toBe(true);
      expect(assumes(env, claim, 'https://github.com/acme'), 'another audience').toBe(false);
      expect(
        assumes(env, `repo:${REPOSITORY}:ref:refs/heads/${branch}`),
        'the branch claim, which an environment job never presents',
      ).toBe(false);
      expect(assumes(env, `repo:acme/other:environment:${env.stage}`), 'another repository').toBe(false);
      for (const other of envs.filter((e) => e !== env))
        expect(assumes(env, `repo:${REPOSITORY}:environment:${other.stage}`), `${other.stage}'s job`).toBe(
          false,
        );
    }
  });
});
