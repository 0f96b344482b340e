import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';

const WORKSPACE = join(import.meta.dirname, '../../..');

afterEach(() => vi.restoreAllMocks());

/** The README's "A config" example, exactly as a reader would copy it. */
function readmeConfig(): string {
  const readme = readFileSync(join(WORKSPACE, 'README.md'), 'utf8');
  const section = readme.split(/^## A config$/m)[1] ?? '';
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README.md has no ```ts block under '## A config'");
  return block;
}

describe("the README's example config", () => {
  it('passes `berth check --env prod` as printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-readme-'));
    writeFileSync(join(dir, 'berth.config.ts'), readmeConfig());
    mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
    symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
    const code = await main([
      'node',
      'berth',
      'check',
      '--env',
      'prod',
      '--config',
      join(dir, 'berth.config.ts'),
    ]);
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/^0 errors/m);
  });
});
