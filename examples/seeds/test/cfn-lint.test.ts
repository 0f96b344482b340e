import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve, type AppConfig } from '@berthjs/config';
import { buildApp, lintApps, type Finding } from '@berthjs/infra';
import talent from '../../talent/berth.config';
import connect2 from '../connect2/berth.config';
import helloYou from '../hello-you/berth.config';
import oky from '../oky/berth.config';
import revendiste from '../revendiste/berth.config';
import tekalo from '../tekalo/berth.config';

// GIVEN talent and the five seeds, every declared environment WHEN each config is synthesized once and all their
// templates are linted in one cfn-lint process THEN cfn-lint reports no error and no unacknowledged warning.
const CONFIGS: Record<string, AppConfig> = {
  talent,
  connect2,
  'hello-you': helloYou,
  oky,
  revendiste,
  tekalo,
};

let outdir: string;
let report: ReturnType<typeof lintApps>;
let environments = 0;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'berth-cfn-lint-'));
  const apps = Object.entries(CONFIGS).map(([name, config]) => {
    const stages = Object.keys(config.environments);
    environments += stages.length;
    return buildApp(
      stages.map((stage) => resolve(config, stage)),
      { outdir: join(outdir, name) },
    );
  });
  report = lintApps(apps);
}, 240_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const show = (f: Finding) => `${f.stage} ${f.rule} ${f.path ?? f.resource}: ${f.message}`;

describe('cfn-lint over talent and every seed environment', () => {
  it('runs (CI installs cfn-lint; without it this test fails rather than passing unchecked)', () => {
    expect(report.cfnLint).toMatchObject({ ran: true });
    expect(environments).toBe(13);
  });
  it('reports no error', () => {
    expect(report.findings.filter((f) => f.severity === 'error').map(show)).toEqual([]);
  });
  it('reports no warning without a written reason', () => {
    expect(report.findings.filter((f) => f.severity === 'warning' && !f.acknowledged).map(show)).toEqual([]);
  });
});
