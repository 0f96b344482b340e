import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The design's layering (docs/architecture.md): config at the ground; runtime, infra and dev beside each other on
// it; the cli on top. A package imports only the packages below it, by name (never another package's src/), and
// no source file grows past 500 lines.
const ROOT = resolve(import.meta.dirname, '..');
const MAY_IMPORT: Record<string, readonly string[]> = {
  config: [],
  runtime: ['config'],
  infra: ['config'],
  dev: ['config'],
  cli: ['config', 'infra', 'dev'],
};
const MAX_LINES = 500;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : /\.ts$/.test(entry) ? [path] : [];
  });
}

/** Every module specifier a file names: static imports and exports, dynamic import(), `import type`. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/gm))
    out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/^import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

describe('package layering', () => {
  for (const [pkg, allowed] of Object.entries(MAY_IMPORT)) {
    const src = join(ROOT, 'packages', pkg, 'src');
    it(`packages/${pkg} imports only ${allowed.length ? allowed.join(', ') : 'no other Berth package'}`, () => {
      const wrong: string[] = [];
      for (const file of sources(src)) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          const where = relative(ROOT, file);
          const berth = /^@berthjs\/([^/]+)/.exec(spec);
          if (berth && berth[1] !== pkg && !allowed.includes(berth[1]!)) wrong.push(`${where}: ${spec}`);
          if (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(src + '/')) {
            wrong.push(`${where}: ${spec} (outside packages/${pkg}/src)`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it(`no source file is longer than ${MAX_LINES} lines`, () => {
    const long = Object.keys(MAY_IMPORT)
      .flatMap((pkg) => sources(join(ROOT, 'packages', pkg, 'src')))
      .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('the rule sees a violation (a cli import from dev would be caught)', () => {
    expect(
      specifiers("import { x } from '@berthjs/cli';\nconst y = await import('../../cli/src/main');"),
    ).toEqual(['@berthjs/cli', '../../cli/src/main']);
  });
});
