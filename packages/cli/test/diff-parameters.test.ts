import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { berth, synthTo } from './support/in-process';
import type { DiffReport } from '../src/ops/diff';
import { parameterChanges } from '../src/ops/diff-parameters';
import { scaffold } from '../src/init/scaffold';

const WORKSPACE = join(import.meta.dirname, '../../..');
const DB = "database: { engine: 'aurora-serverless-v2', version: '16.4', name: 'app' },";
const withParameters = (p: string) =>
  `database: { engine: 'aurora-serverless-v2', version: '16.4', name: 'app', parameters: { ${p} } },`;

/** A scaffolded project (Aurora) whose database has parameters; `variant` writes an edited copy beside it. */
function project(): { config: string; variant: (name: string, params: string) => string } {
  const dir = join(mkdtempSync(join(tmpdir(), 'berth-diffp-')), 'shop');
  scaffold(dir, { region: 'eu-west-1' });
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
  const original = join(dir, 'berth.config.ts');
  const text = readFileSync(original, 'utf8');
  expect(text).toContain(DB);
  const variant = (name: string, params: string) => {
    const file = join(dir, `berth.${name}.config.ts`);
    writeFileSync(file, text.replace(DB, withParameters(params)));
    return file;
  };
  return { config: variant('base', 'log_min_duration_statement: 1000, max_connections: 100'), variant };
}

afterEach(() => vi.restoreAllMocks());

describe('berth diff: a changed database.parameters lists each parameter and flags the static ones', () => {
  let p: ReturnType<typeof project>;
  let base: string;
  let head: string;
  beforeAll(async () => {
    p = project();
    base = await synthTo(p.config);
    // a static parameter (max_connections: postmaster) and a dynamic one (log_min_duration_statement: sighup) change
    head = await synthTo(p.variant('head', 'log_min_duration_statement: 500, max_connections: 200'));
  }, 180_000);
  const diff = (...extra: string[]) =>
    berth('diff', '--env', 'dev', '--config', p.config, '--base', base, '--head', head, ...extra);

  it('--json: the cluster parameter group update carries both, the reboot flag only on the static one; exit 3', async () => {
    const { code, out, err } = await diff('--json');
    expect(code, err).toBe(3);
    const report = JSON.parse(out) as DiffReport;
    expect(report.destructive).toEqual([]);
    const group = report.stacks
      .flatMap((s) => s.resources)
      .find((r) => r.type === 'AWS::RDS::DBClusterParameterGroup');
    expect(group).toMatchObject({ action: 'update', destructive: false, properties: ['Parameters'] });
    expect(group!.parameters).toEqual([
      {
        name: 'log_min_duration_statement',
        action: 'update',
        before: '1000',
        after: '500',
        applyType: 'dynamic',
        needsReboot: false,
      },
      {
        name: 'max_connections',
        action: 'update',
        before: '100',
        after: '200',
        applyType: 'static',
        needsReboot: true,
      },
    ]);
    expect(report.needsReboot).toEqual([
      {
        stack: expect.any(String),
        logicalId: group!.logicalId,
        kind: 'database',
        parameter: 'max_connections',
      },
    ]);
  }, 120_000);

  it('text and --markdown: "needs a reboot" on max_connections only', async () => {
    const text = await diff();
    expect(text.code).toBe(3);
    const line = (name: string) => text.out.split('\n').find((l) => l.includes(`~ ${name}:`)) ?? '';
    expect(line('max_connections')).toMatch(
      /100 → 200 \(static; needs a reboot: takes effect at the next reboot of the database/,
    );
    expect(line('log_min_duration_statement')).toMatch(/1000 → 500 \(dynamic; applied by the deploy\)/);
    expect(line('log_min_duration_statement')).not.toMatch(/reboot/);
    expect(text.out).toMatch(/1 NEEDS A REBOOT \(max_connections\)/);
    const md = await diff('--markdown');
    expect(md.code).toBe(3);
    expect(md.out).toMatch(/\*\*:arrows_counterclockwise: Needs a reboot:\*\* `max_connections` \(static/);
    expect(md.out).not.toMatch(/`log_min_duration_statement` \(static/);
  }, 120_000);

  it('only a dynamic parameter changing: no reboot flagged anywhere', async () => {
    const dynamic = await synthTo(
      p.variant('dynamic', 'log_min_duration_statement: 250, max_connections: 100'),
    );
    const { code, out } = await berth(
      'diff',
      '--env',
      'dev',
      '--config',
      p.config,
      '--base',
      base,
      '--head',
      dynamic,
      '--json',
    );
    expect(code).toBe(3);
    const report = JSON.parse(out) as DiffReport;
    expect(report.needsReboot).toEqual([]);
    const changed = report.stacks.flatMap((s) => s.resources).flatMap((r) => r.parameters ?? []);
    expect(changed.map((c) => [c.name, c.needsReboot])).toEqual([['log_min_duration_statement', false]]);
  }, 120_000);
});

describe('parameterChanges', () => {
  it("ElastiCache's Properties map: added, removed, at-creation and unknown parameters; other types none", () => {
    const group = (props: Record<string, unknown>) => ({
      Properties: { CacheParameterGroupFamily: 'redis7', Properties: props },
    });
    const changes = parameterChanges(
      'AWS::ElastiCache::ParameterGroup',
      group({ 'maxmemory-policy': 'allkeys-lru', databases: '16' }),
      group({ databases: '32', 'notify-keyspace-events': 'Ex' }),
    );
    expect(changes).toEqual([
      {
        name: 'databases',
        action: 'update',
        before: '16',
        after: '32',
        applyType: 'creation',
        needsReboot: false,
      },
      {
        name: 'maxmemory-policy',
        action: 'remove',
        before: 'allkeys-lru',
        applyType: 'dynamic',
        needsReboot: false,
      },
      {
        name: 'notify-keyspace-events',
        action: 'add',
        after: 'Ex',
        applyType: 'unknown',
        needsReboot: false,
      },
    ]);
    expect(
      parameterChanges(
        'AWS::RDS::DBParameterGroup',
        { Properties: {} },
        {
          Properties: { Parameters: { shared_preload_libraries: 'pg_stat_statements' } },
        },
      ),
    ).toMatchObject([
      { name: 'shared_preload_libraries', action: 'add', applyType: 'static', needsReboot: true },
    ]);
    expect(
      parameterChanges('AWS::SQS::Queue', { Properties: {} }, { Properties: { Parameters: { a: '1' } } }),
    ).toEqual([]);
  });
});
