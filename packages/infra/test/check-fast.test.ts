import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { cfnLintVersion } from '../src/cfn-lint';
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

/** Every template file of talent's environments, synthesized once. */
function talentTemplates(): string[] {
  const out = temp('berth-guard-');
  const app = buildApp(
    (['dev', 'staging', 'prod'] as const).map((s) => resolve(talent, s)),
    { outdir: out },
  );
  app.synth();
  const files: string[] = [];
  const walk = (d: string) =>
    readdirSync(d, { withFileTypes: true }).forEach((e) =>
      e.isDirectory()
        ? walk(join(d, e.name))
        : e.name.endsWith('.template.json') && files.push(join(d, e.name)),
    );
  walk(out);
  return files;
}

const key = (v: { rule: string; templatePath: string; resource: string; message: string }) =>
  `${v.templatePath}|${v.rule}|${v.resource}|${v.message}`;

describe('the fast check', () => {
  it('guard: only the controls naming a type the templates have find the same as all 237', () => {
    const files = talentTemplates();
    expect(files.length).toBeGreaterThanOrEqual(3);
    // One cfn-guard run each over every template (per template is the same with a narrower selection).
    expect(runGuard(files).map(key).sort()).toEqual(runGuard(files, true).map(key).sort());
  }, 300_000);

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
