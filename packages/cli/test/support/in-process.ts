import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { main } from '../../src/main';

/** `berth <args>` in this process, its console output captured. */
export async function berth(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => void err.push(String(m)));
  const code = await main(['node', 'berth', ...args]);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `berth synth --env dev --out <a new folder>` of `config`; the folder. */
export async function synthTo(config: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'berth-synth-out-'));
  const { code, err } = await berth('synth', '--env', 'dev', '--config', config, '--out', out);
  expect(code, err).toBe(0);
  return out;
}
