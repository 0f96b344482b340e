import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it, vi } from 'vitest';
import { resolve } from '@berthjs/config';
import { renderDot } from '@berthjs/infra';
import talent from '../../../examples/talent/berth.config';
import { main } from '../src/main';

const CONFIG = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');

describe('berth diagram', () => {
  it('writes well-formed SVG naming every service, store and job of the config', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'berth-diagram-')), 'prod.svg');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await main(['node', 'berth', 'diagram', '--env', 'prod', '--config', CONFIG, '--out', out]);
    log.mockRestore();
    expect(code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/<svg[\s>]/);
    const resolved = resolve(talent, 'prod');
    const names = [
      ...Object.keys(resolved.services),
      ...Object.keys(resolved.buckets).map((b) => `bucket ${b}`),
      ...Object.keys(resolved.jobs),
      `database ${resolved.database!.name}`,
      'cache redis',
    ];
    // Graphviz writes some characters as numeric entities (`-` → `&#45;`).
    const text = svg
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
      .replace(/&gt;/g, '>')
      .replace(/&lt;/g, '<')
      .replace(/&amp;/g, '&');
    for (const name of names) expect(text).toContain(`>${name}`);
  });

  it('renderDot turns DOT into SVG without a system binary', async () => {
    const svg = await renderDot('digraph { a -> b }');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('<title>a&#45;&gt;b</title>');
  });
});
