import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeSupportNotice } from '../src/node-support';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');

describe('berth --version', () => {
  it("prints the installed @berthjs/cli's version, and nothing about Node", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const { stdout, stderr } = await run(process.execPath, [BIN, flag], { cwd: ROOT });
      expect(stdout.trim()).toBe(pkg.version);
      expect(stderr).toBe('');
    }
  });
});

describe('the Node 20 notice', () => {
  it('is said on the commands that call AWS, the day-2 ones included, and not on offline ones', () => {
    for (const command of ['deploy', 'diff', 'logs', 'exec', 'tunnel', 'status', 'secrets', 'destroy'])
      expect(nodeSupportNotice('v20.20.2', command)).toMatch(/Node 20\.20\.2 is past its end of life/);
    for (const command of ['synth', 'check', 'cost', 'init', undefined])
      expect(nodeSupportNotice('v20.20.2', command)).toBeUndefined();
    expect(nodeSupportNotice('v22.12.0', 'deploy')).toBeUndefined();
  });
});
