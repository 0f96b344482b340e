import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import type { AppConfig } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import oky from '../../../examples/seeds/oky/berth.config';
import revendiste from '../../../examples/seeds/revendiste/berth.config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import { cfnLintVersion, startCfnLint } from '../src/cfn-lint';
import { cacheKey, readCached, writeCached } from '../src/check-cache';
import { runGuard } from '../src/guard';
import { buildApp, runChecks, runChecksAsync } from '../src/index';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Every template file of these apps' environments, each app synthesized once. */
function templatesOf(apps: readonly AppConfig[]): string[] {
  const files: string[] = [];
  for (const config of apps) {
    const out = temp('berth-guard-');
    const app = buildApp(
      Object.keys(config.environments).map((s) => resolve(config, s)),
      { outdir: out },
    );
    app.synth();
    const walk = (d: string) =>
      readdirSync(d, { withFileTypes: true }).forEach((e) =>
        e.isDirectory()
          ? walk(join(d, e.name))
          : e.name.endsWith('.template.json') && files.push(join(d, e.name)),
      );
    walk(out);
  }
  return files;
}

const key = (v: { rule: string; templatePath: string; resource: string; message: string }) =>
  `${v.templatePath}|${v.rule}|${v.resource}|${v.message}`;

describe('the fast check', () => {
  it('guard: the controls that apply, grouped over narrowed templates, find what all 237 find over whole ones', () => {
    // Every example's environments: 15 templates (standby and certificate stacks among them).
    const files = templatesOf([talent, connect2, helloYou, oky, revendiste, tekalo]);
    expect(files.length).toBeGreaterThanOrEqual(15);
    const fast = runGuard(files).map(key).sort();
    const whole = runGuard(files, true).map(key).sort();
    expect(fast).toEqual(whole);
    // Not vacuous: the controls find things in these templates (Berth acknowledges them with reasons).
    expect(whole.length).toBeGreaterThan(100);
    expect(new Set(whole.map((k) => k.split('|')[1])).size).toBeGreaterThan(20);
  }, 600_000);

  it('cache keys are exact: any byte of the template, the version or the rules changes them', () => {
    const base = cacheKey(['cfn-lint', 'cfn-lint 1.51.0', '[]', '{"Resources":{}}']);
    expect(cacheKey(['cfn-lint', 'cfn-lint 1.51.0', '[]', '{"Resources":{} }'])).not.toBe(base);
    expect(cacheKey(['cfn-lint', 'cfn-lint 1.51.1', '[]', '{"Resources":{}}'])).not.toBe(base);
    expect(cacheKey(['cfn-lint', 'cfn-lint 1.51.0', '["x"]', '{"Resources":{}}'])).not.toBe(base);
    // Length-prefixed: moving a character between parts is another key.
    expect(cacheKey(['ab', 'c'])).not.toBe(cacheKey(['a', 'bc']));
    const dir = temp('berth-cache-');
    writeCached(dir, 'cfn-lint', base, [{ rule: 'W1' }]);
    expect(readCached(dir, 'cfn-lint', base)).toEqual([{ rule: 'W1' }]);
    expect(readCached(dir, 'cfn-lint', cacheKey(['other']))).toBeUndefined();
    writeFileSync(join(dir, `cfn-lint-${base}.json`), '{not json');
    expect(readCached(dir, 'cfn-lint', base)).toBeUndefined();
  });

  it('runChecksAsync finds what runChecks finds, and again from its cache', async () => {
    const prod = resolve(talent, 'prod');
    const cacheDir = temp('berth-check-cache-');
    const plain = runChecks(prod, { skipCfnLint: true });
    const cold = await runChecksAsync(prod, { skipCfnLint: true, cacheDir });
    const warm = await runChecksAsync(prod, { skipCfnLint: true, cacheDir });
    expect(cold.guard).toEqual({ ran: true });
    expect(warm.guard.cached).toBeGreaterThan(0);
    const strip = (r: typeof plain) => ({ ...r, seconds: undefined, guard: undefined });
    expect(strip(cold)).toEqual(strip(plain));
    expect(strip(warm)).toEqual(strip(plain));
    expect(readdirSync(cacheDir).some((f) => f.startsWith('guard-'))).toBe(true);
    const entry = readdirSync(cacheDir).find((f) => f.startsWith('guard-'))!;
    expect(JSON.parse(readFileSync(join(cacheDir, entry), 'utf8'))).toHaveProperty('value');
  }, 300_000);

  it.runIf(spawnSync('cfn-lint', ['--version']).status === 0)(
    'cfn-lint started early prints and exits as the cfn-lint script does, findings and exit status alike',
    async () => {
      const dir = temp('berth-lint-same-');
      // An error (a property S3 does not have), a warning (an unused parameter), and a clean template.
      const bad = join(dir, 'bad.json');
      writeFileSync(
        bad,
        JSON.stringify({
          Parameters: { Unused: { Type: 'String' } },
          Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { NotAProperty: true } } },
        }),
      );
      const clean = join(dir, 'clean.json');
      writeFileSync(clean, JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } }));
      for (const files of [[bad], [clean], [bad, clean]]) {
        const args = ['--format', 'json', '--', ...files];
        const plain = spawnSync('cfn-lint', args, { encoding: 'utf8' });
        const early = await startCfnLint().lint(args);
        expect(early.code).toBe(plain.status);
        expect(JSON.parse(early.stdout)).toEqual(JSON.parse(plain.stdout));
      }
      expect(spawnSync('cfn-lint', ['--format', 'json', '--', bad]).status).toBe(2 | 4);
    },
    120_000,
  );

  it.runIf(spawnSync('cfn-lint', ['--version']).status === 0)(
    'cfn-lint: its version probed without importing it, and a cached result is the fresh one',
    async () => {
      const version = await cfnLintVersion();
      expect(version).toBe(spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).stdout.trim());
      const dev = resolve(talent, 'dev');
      const cacheDir = temp('berth-lint-cache-');
      const cold = await runChecksAsync(dev, { skipGuard: true, cacheDir });
      const warm = await runChecksAsync(dev, { skipGuard: true, cacheDir });
      expect(cold.cfnLint).toMatchObject({ ran: true, version });
      expect(warm.cfnLint).toMatchObject({ ran: true, version, cached: 1 });
      expect(warm.findings).toEqual(cold.findings);
    },
    300_000,
  );
});
