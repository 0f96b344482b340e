import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const TALENT = join(ROOT, 'examples/talent/berth.config.ts');

async function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // No credentials and no region in the environment: synthesis must not need them.
  const env = { PATH: process.env.PATH ?? '', HOME: tmpdir() };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('berth synth', () => {
  it('writes the prod template offline and prints its path and resource count as JSON', async () => {
    const out = mkdtempSync(join(tmpdir(), 'berth-synth-'));
    const { code, stdout } = await berth(
      'synth',
      '--env',
      'prod',
      '--config',
      TALENT,
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      stage: string;
      stacks: { stackName: string; templatePath: string; resourceCount: number }[];
    };
    expect(result.stage).toBe('prod');
    const [stack] = result.stacks;
    expect(stack?.stackName).toBe('talent-prod');
    expect(existsSync(stack!.templatePath)).toBe(true);
    const template = JSON.parse(readFileSync(stack!.templatePath, 'utf8')) as { Resources: object };
    expect(Object.keys(template.Resources)).toHaveLength(stack!.resourceCount);
  });

  it('prints a line per stack for dev', async () => {
    const out = mkdtempSync(join(tmpdir(), 'berth-synth-'));
    const { code, stdout } = await berth('synth', '--env', 'dev', '--config', TALENT, '--out', out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/talent-dev {2}\d+ resources {2}.*\.template\.json/);
  });

  it('exits 2 for an environment the config does not declare', async () => {
    const { code, stderr } = await berth('synth', '--env', 'qa', '--config', TALENT);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no environment named "qa"/);
  });
});
