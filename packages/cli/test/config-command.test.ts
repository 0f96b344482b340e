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

async function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('berth config', () => {
  it('prints the resolved prod config of the talent app as JSON', async () => {
    const { code, stdout } = await berth('config', '--env', 'prod', '--config', TALENT, '--json');
    expect(code).toBe(0);
    const resolved = JSON.parse(stdout);
    expect(resolved).toMatchObject({
      app: 'talent',
      stage: 'prod',
      profile: 'prod',
      deletionProtection: true,
      logRetentionDays: 90,
    });
    expect(resolved.services.api).toMatchObject({ cpu: 0.5, memoryMib: 1024, capacity: 'fargate' });
  });

  // An ES-module package's config is imported into the CLI's own module graph; a CommonJS package's through tsImport.
  it.each([['module'], ['commonjs']])(
    'loads a TypeScript config that imports a local module, in a package of type %s',
    async (type) => {
      const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', type }));
      writeFileSync(join(dir, 'shared.ts'), `export const port: number = 8080;\n`);
      writeFileSync(
        join(dir, 'berth.config.ts'),
        `import { port } from './shared';\nexport default { name: 'shop', services: { api: { port } }, environments: { dev: {} } };\n`,
      );
      const { code, stdout, stderr } = await berth(
        'config',
        '--env',
        'dev',
        '--config',
        join(dir, 'berth.config.ts'),
        '--json',
      );
      expect(stderr).not.toMatch(/Could not load/);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ app: 'shop', services: { api: { port: 8080 } } });
    },
  );

  it('exits 2 and names each broken path for an invalid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const file = join(dir, 'berth.config.ts');
    writeFileSync(
      file,
      `export default { name: 'broken', services: { api: { cpu: 0.3 } }, database: { minAcu: 4, maxAcu: 2 }, environments: { prod: { overrides: { removal: 'destroy' } } } };\n`,
    );
    const { code, stderr, stdout } = await berth('config', '--env', 'prod', '--config', file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/services\.api\.cpu: got 0\.3/);
    expect(stderr).toMatch(/database: minAcu \(4\) must be ≤ maxAcu \(2\)/);
    expect(stderr).toMatch(/removal: got "destroy"/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  // Each of these passed `berth config` and then crashed `berth synth` inside a construct.
  it.each([
    ['cdn without a domain', `edge: { cdn: true }`, /edge\.cdn: got true without edge\.domain/],
    [
      'cdn with https: false',
      `edge: { cdn: true, https: false, domain: 'shop.example.com' }`,
      /edge\.https: got false; with cdn: true/,
    ],
    [
      "a standby with dns: 'external'",
      `database: {}, standby: { region: 'us-west-2' }, edge: { domain: 'shop.example.com', dns: 'external' }`,
      /edge\.dns: got "external"; a standby/,
    ],
  ])('exits 2 naming the path for %s', async (_name, section, pattern) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const file = join(dir, 'berth.config.ts');
    writeFileSync(
      file,
      `export default { name: 'shop', services: { api: {} }, ${section}, environments: { prod: {} } };\n`,
    );
    const { code, stderr } = await berth('config', '--env', 'prod', '--config', file);
    expect(code).toBe(2);
    expect(stderr).toMatch(pattern);
    expect(stderr).not.toMatch(/unexpected error/);
  });

  it('exits 2 with a hint when the config file is missing', async () => {
    const { code, stderr } = await berth(
      'config',
      '--env',
      'dev',
      '--config',
      '/nonexistent/berth.config.ts',
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/No config at .*berth init/);
  });

  it('exits 2 for an unknown environment, listing the declared ones', async () => {
    const { code, stderr } = await berth('config', '--env', 'qa', '--config', TALENT);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no environment named "qa"; declared: dev, staging, prod/);
  });

  it('--help lists the commands', async () => {
    const { code, stdout } = await berth('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/config \[options\]/);
    expect(stdout).toMatch(/Exit codes/);
  });
});
