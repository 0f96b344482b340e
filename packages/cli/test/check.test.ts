import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const TALENT = join(ROOT, 'examples/talent/berth.config.ts');

function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return berthWith(process.env, ...args);
}

async function berthWith(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('berth check', () => {
  it('exits 0 for talent prod: every finding acknowledged with a reason', async () => {
    const { code, stdout } = await berth('check', '--env', 'prod', '--config', TALENT, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      errors: number;
      guard: { ran: boolean };
      findings: { acknowledged?: string }[];
    };
    expect(report.errors).toBe(0);
    expect(report.guard.ran).toBe(true);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(
      report.findings.every((f) => typeof f.acknowledged === 'string' && f.acknowledged.length > 20),
    ).toBe(true);
  });

  it('exits 1 and prints the table, with what to change, when an error is not acknowledged', async () => {
    // No access logs is acknowledged only in dev, so a prod app with accessLogs: false fails.
    const dir = mkdtempSync(join(tmpdir(), 'berth-check-'));
    const file = join(dir, 'berth.config.ts');
    writeFileSync(
      file,
      `export default {
        name: 'plain',
        services: { web: { hosts: ['www'] } },
        edge: { domain: 'plain.example.com', accessLogs: false },
        environments: { prod: { account: '111111111111' } },
      };\n`,
    );
    // A cache of its own: a template linted before would print "(1 unchanged: cached result)" after the line below.
    const env = { ...process.env, BERTH_CACHE_DIR: join(dir, 'cache') };
    const { code, stdout, stderr } = await berthWith(
      env,
      'check',
      '--env',
      'prod',
      '--config',
      file,
      '--skip-guard',
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^error\s+NIST\.800\.53\.R5\s+NIST\.800\.53\.R5-ELBLoggingEnabled/m);
    expect(stdout).toMatch(/^\s+fix: keep access logs: set edge\.accessLogs: true/m);
    expect(stdout).toMatch(/\d+ errors, \d+ warnings, \d+ acknowledged/);
    // One line on cfn-lint, which is on PATH here (CI installs it).
    expect(stdout).toMatch(/^cfn-lint \d+\.\d+\.\d+ checked every template\.$/m);
    expect(stderr).toMatch(/unacknowledged error/);
  });

  it('fails, naming the install line, when cfn-lint is not on PATH (and passes with --skip-cfn-lint)', async () => {
    const path = { ...process.env, PATH: '/nonexistent' };
    const missing = await berthWith(path, 'check', '--env', 'dev', '--config', TALENT, '--skip-guard');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cfn-lint did not run: cfn-lint is not installed \(pip install cfn-lint/);
    expect(missing.stderr).toMatch(/--skip-cfn-lint/);
    const skipped = await berthWith(
      path,
      'check',
      '--env',
      'dev',
      '--config',
      TALENT,
      '--skip-guard',
      '--skip-cfn-lint',
    );
    expect(skipped.code).toBe(0);
  });

  it('exits 2 without --env', async () => {
    const { code } = await berth('check', '--config', TALENT);
    expect(code).toBe(2);
  });

  it('an unknown environment exits 2 at once, though cfn-lint was started before the config was read', async () => {
    const started = performance.now();
    const { code, stderr } = await berth('check', '--env', 'nope', '--config', TALENT);
    expect(code).toBe(2);
    expect(stderr).toMatch(/nope/);
    // The interpreter waits on its stdin for templates: a check that left it waiting would not exit.
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
