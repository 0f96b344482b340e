import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';

const WORKSPACE = join(import.meta.dirname, '../../..');
afterEach(() => vi.restoreAllMocks());

/** A prod that serves plain HTTP without AWS WAF, with or without the reasons. */
function project(acknowledgements: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-gate-'));
  writeFileSync(
    join(dir, 'berth.config.ts'),
    `import { defineApp } from '@berthjs/config';
export default defineApp({
  name: 'gate',
  region: 'us-east-1',
  services: { api: { port: 3000 } },
  acknowledgements: [${acknowledgements}],
  environments: { prod: { overrides: { edge: { https: false, waf: false } } } },
});
`,
  );
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
  return dir;
}

async function check(dir: string): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
  const code = await main([
    'node',
    'berth',
    'check',
    '--env',
    'prod',
    '--skip-guard',
    '--skip-cfn-lint',
    '--config',
    join(dir, 'berth.config.ts'),
  ]);
  vi.restoreAllMocks();
  return { code, text: out.join('\n') };
}

describe('berth check as a gate: prod opt-outs need a reason', () => {
  it('fails (exit 1) naming each opt-out with no reason; passes once each has one', async () => {
    const bare = await check(project(''));
    expect(bare.code).toBe(1);
    expect(bare.text).toMatch(/warning +Berth +Berth-ProdOptOut +edge\.https +prod serves plain HTTP/);
    expect(bare.text).toMatch(/prod turns off edge\.https, edge\.waf with no reason/);
    const reasoned = await check(
      project(`
    { rule: 'Berth-ProdOptOut', resource: 'edge.https', reason: 'An internal API behind a VPN; TLS ends at the VPN gateway.' },
    { rule: 'Berth-ProdOptOut', resource: 'edge.waf', reason: 'Reached only from the VPN; no public traffic to filter.' },`),
    );
    expect(reasoned.text).not.toMatch(/with no reason/);
    expect(reasoned.code).toBe(0);
  }, 120_000);
});
