import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { berth, synthTo } from './support/in-process';
import type { CliError } from '@berthjs/config/load';
import { exitFor } from '../src/commands/diff';
import { diffStacks, formatDiff, isAllowed, type DiffReport } from '../src/ops/diff';
import { guard } from '../src/ops/guard';
import { scaffold } from '../src/init/scaffold';

const WORKSPACE = join(import.meta.dirname, '../../..');

/**
 * A scaffolded project (Aurora, a daily cleanup job) with a scaling range, its @berthjs/config the workspace's.
 * `variant` writes an edited copy beside it: a config is imported once per path per process.
 */
function project(): {
  dir: string;
  config: string;
  edit: (from: string, to: string) => void;
  variant: (name: string, from: string, to: string) => string;
} {
  const dir = join(mkdtempSync(join(tmpdir(), 'berth-diff-')), 'shop');
  scaffold(dir, { region: 'eu-west-1' });
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
  const config = join(dir, 'berth.config.ts');
  const edit = (from: string, to: string) => {
    const text = readFileSync(config, 'utf8');
    expect(text).toContain(from);
    writeFileSync(config, text.replace(from, to));
  };
  edit('      default: true,\n', '      default: true,\n      scaling: { min: 1, max: 4 },\n');
  const variant = (name: string, from: string, to: string) => {
    const file = join(dir, `berth.${name}.config.ts`);
    writeFileSync(file, readFileSync(config, 'utf8').replace(from, to));
    return file;
  };
  return { dir, config, edit, variant };
}

afterEach(() => vi.restoreAllMocks());

describe('berth diff --base <git ref> (offline)', () => {
  it('reports a database rename as a destructive replacement and exits 4', async () => {
    // GIVEN a committed config, and a working tree that renames the database
    const { dir, config, edit } = project();
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], { cwd: dir });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'v1');
    edit("name: 'app'", "name: 'shop'");
    // WHEN
    const { code, out, err } = await berth(
      'diff',
      '--env',
      'dev',
      '--config',
      config,
      '--base',
      'HEAD',
      '--json',
    );
    // THEN the database is replaced, per the registry schema (DatabaseName is create-only), and that is destructive
    expect(code, err).toBe(4);
    const report = JSON.parse(out) as DiffReport;
    const db = report.destructive.find((r) => /^AWS::RDS::DB(Cluster|Instance)$/.test(r.type));
    expect(db).toMatchObject({ action: 'replace', stateful: true, destructive: true });
    expect(db!.replacedBy.join()).toMatch(/DatabaseName|DBName/);
    expect(err).toMatch(/destructive: replace AWS::RDS::DB/);
    // and the human form says so loudly, naming the flag that would allow it
    const text = await berth('diff', '--env', 'dev', '--config', config, '--base', 'HEAD');
    expect(text.code).toBe(4);
    expect(text.out).toMatch(new RegExp(`!!! DESTRUCTIVE: .*--allow-replace ${db!.logicalId}`));
    // the repository was not touched: no worktree, the working tree still holds the edit
    expect(
      execFileSync('git', ['worktree', 'list'], { cwd: dir }).toString().trim().split('\n'),
    ).toHaveLength(1);
    expect(readFileSync(config, 'utf8')).toContain("name: 'shop'");
  }, 120_000);

  it('a ref that is neither a synth folder nor a commit is a usage error (2)', async () => {
    const { config } = project();
    const { code, err } = await berth('diff', '--env', 'dev', '--config', config, '--base', 'origin/nope');
    expect(code).toBe(2);
    expect(err).toMatch(/--base origin\/nope: not a folder written by 'berth synth --out'/);
  }, 60_000);
});

describe('berth diff --base <folder> (two synth --out folders)', () => {
  let base: string;
  let p: ReturnType<typeof project>;
  beforeAll(async () => {
    p = project();
    base = await synthTo(p.config);
  }, 120_000);
  /** `berth diff` of the base folder against a variant's synth --out folder. */
  const diffTo = (head: string, ...extra: string[]) =>
    berth('diff', '--env', 'dev', '--config', p.config, '--base', base, '--head', head, ...extra);

  it('identical: exit 0, no changes', async () => {
    // the config synthesized again, against the folder it wrote before
    const { code, out } = await berth('diff', '--env', 'dev', '--config', p.config, '--base', base);
    expect(code).toBe(0);
    expect(out).toMatch(/no changes/);
  }, 120_000);

  it("a job's schedule: a change, not destructive (exit 3)", async () => {
    const head = await synthTo(p.variant('schedule', "schedule: 'rate(1 day)'", "schedule: 'rate(2 days)'"));
    const { code, out } = await diffTo(head, '--json');
    expect(code).toBe(3);
    const report = JSON.parse(out) as DiffReport;
    expect(report.destructive).toEqual([]);
    const changed = report.stacks.flatMap((s) => s.resources);
    expect(changed).toEqual([
      expect.objectContaining({
        type: 'AWS::Scheduler::Schedule',
        action: 'update',
        properties: ['ScheduleExpression'],
      }),
    ]);
  }, 120_000);

  it('a scaling limit: a change, not destructive (exit 3)', async () => {
    const head = await synthTo(p.variant('scaling', 'max: 4 }', 'max: 6 }'));
    const { code, out } = await diffTo(head);
    expect(code).toBe(3);
    expect(out).toMatch(/~ update\s+AWS::ApplicationAutoScaling::ScalableTarget \S+.*: MaxCapacity/);
    expect(out).not.toMatch(/DESTRUCTIVE/);
  }, 120_000);
});

describe('classification', () => {
  const bucket = (props: Record<string, unknown>) => ({
    Resources: {
      Uploads: {
        Type: 'AWS::S3::Bucket',
        Properties: props,
        Metadata: { 'aws:cdk:path': 'prod/App/Uploads/Resource' },
      },
    },
  });
  const stack = (template: object) => [
    { stackName: 'shop-prod', template: template as Record<string, unknown> },
  ];

  it('removing a bucket is destructive; --allow-replace matches its logical ID or construct path', () => {
    const report = diffStacks(stack(bucket({})), stack({ Resources: {} }));
    expect(report.destructive).toEqual([expect.objectContaining({ logicalId: 'Uploads', action: 'remove' })]);
    const [change] = report.destructive;
    expect(isAllowed(change!, ['Uploads'])).toBe(true);
    expect(isAllowed(change!, ['prod/App/Uploads'])).toBe(true);
    expect(isAllowed(change!, ['Other'])).toBe(false);
  });

  it('renaming a bucket replaces it (BucketName is create-only); changing its tags does not', () => {
    const renamed = diffStacks(stack(bucket({ BucketName: 'a' })), stack(bucket({ BucketName: 'b' })));
    expect(renamed.destructive).toEqual([
      expect.objectContaining({ action: 'replace', replacedBy: ['BucketName'] }),
    ]);
    const tagged = diffStacks(
      stack(bucket({ Tags: [] })),
      stack(bucket({ Tags: [{ Key: 'k', Value: 'v' }] })),
    );
    expect(tagged.destructive).toEqual([]);
    expect(tagged.changes).toBe(1);
  });

  it("a replaced VPC (network.cidr) is refused outright, per @berthjs/infra's update-safety rule, --allow-replace or not", async () => {
    const vpc = (cidr: string) => ({
      Resources: { NetworkVpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: cidr } } },
    });
    const report = diffStacks(stack(vpc('10.0.0.0/16')), stack(vpc('10.1.0.0/16')));
    expect(report.refused).toEqual([
      expect.objectContaining({
        stack: 'shop-prod',
        logicalId: 'NetworkVpc',
        reason: expect.stringMatching(/replaces the VPC/),
      }),
    ]);
    expect(formatDiff(report, 'shop · prod')).toMatch(
      /!!! REFUSED: NetworkVpc: this change replaces the VPC/,
    );
    expect(() => exitFor(report, 'shop · prod')).toThrow(expect.objectContaining({ exitCode: 4 }));
    const err = await guard(
      report,
      'shop · prod',
      { allowReplace: ['NetworkVpc'], approve: true },
      undefined,
      () => {},
    ).catch((e: unknown) => e as CliError);
    expect(err).toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/no flag allows them[\s\S]*NetworkVpc/),
    });
  });

  it('an IAM statement that adds an action widens access, loudly', () => {
    const role = (actions: string[]) => ({
      Resources: {
        Role: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'p',
            Roles: ['r'],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
          },
        },
      },
    });
    const report = diffStacks(
      stack(role(['s3:GetObject'])),
      stack(role(['s3:GetObject', 's3:DeleteObject'])),
    );
    expect(report.widensAccess).toBe(true);
    expect(report.destructive).toEqual([]);
    const text = formatDiff(report, 'shop · prod');
    expect(text).toMatch(/!!! IAM: permissions WIDEN/);
    expect(text).toMatch(/s3:DeleteObject/);
  });
});
