import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '@berthjs/config';
import connect2 from '../connect2/berth.config';
import helloYou from '../hello-you/berth.config';
import oky from '../oky/berth.config';
import revendiste from '../revendiste/berth.config';
import tekalo from '../tekalo/berth.config';
import { synthesizeSeed, type SeedEnvironment } from '../support';
import { readFact } from './facts';

// The seeds README drifted from the templates once (t3 classes, PostgreSQL 16.4, a container health check, a generated
// Flask key, Oky's bucket access). Its facts now live in one table this test reads from the synthesized templates, and
// its prose may name no size, version or class the table does not check.

const SEEDS: Record<string, AppConfig> = {
  tekalo,
  connect2,
  'hello-you': helloYou,
  revendiste,
  oky,
};
const STAGES = ['dev', 'staging', 'prod'] as const;
const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const BEGIN = '<!-- facts:begin -->';
const END = '<!-- facts:end -->';

interface Row {
  readonly seed: string;
  readonly fact: string;
  readonly cells: Readonly<Record<(typeof STAGES)[number], string>>;
}

/** The facts table: `| seed | fact | dev | staging | prod |` between the markers. */
function factsTable(): Row[] {
  const start = README.indexOf(BEGIN);
  const end = README.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README has no facts table between ${BEGIN} and ${END}`);
  const lines = README.slice(start + BEGIN.length, end)
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim());
  expect(cells(lines[0]!)).toEqual(['seed', 'fact', ...STAGES]);
  return lines.slice(2).map((l) => {
    const [seed, fact, dev, staging, prod] = cells(l) as [string, string, string, string, string];
    return { seed, fact, cells: { dev, staging, prod } };
  });
}

const rows = factsTable();
let synthesized: Record<string, Record<string, SeedEnvironment>>;
beforeAll(() => {
  synthesized = Object.fromEntries(Object.entries(SEEDS).map(([name, c]) => [name, synthesizeSeed(c)]));
});

describe('examples/seeds/README.md facts', () => {
  it('lists every seed, and only seeds that exist', () => {
    expect([...new Set(rows.map((r) => r.seed))].sort()).toEqual(Object.keys(SEEDS).sort());
  });

  it.each(rows.map((r) => [`${r.seed}: ${r.fact}`, r] as const))('%s', (_, row) => {
    const envs = synthesized[row.seed]!;
    for (const stage of STAGES) {
      const claimed = row.cells[stage];
      if (claimed === '—') {
        expect(envs[stage], `${row.seed} declares ${stage}: fill the cell`).toBeUndefined();
        continue;
      }
      expect(envs[stage], `${row.seed} has no ${stage}: write —`).toBeDefined();
      expect(readFact(envs[stage]!.app, row.fact), `${row.seed} ${stage}: ${row.fact}`).toBe(claimed);
    }
  });

  it('names no size, version, class or count outside the facts table', () => {
    const prose = README.slice(0, README.indexOf(BEGIN)) + README.slice(README.indexOf(END) + END.length);
    const unchecked = [
      /\b(db|cache)\.[a-z0-9]+\.[a-z0-9]+\b/g, // db.t3.micro, cache.t4g.medium
      /\b[a-z][0-9][a-z]*\.(nano|micro|small|medium|large|[0-9]*xlarge)\b/g, // t3.medium
      /\b(PostgreSQL|Redis|Valkey|redis|valkey) [0-9]+(\.[0-9]+)?\b/g, // PostgreSQL 16.4
      /\b[0-9.]+ ?vCPU\b/g,
      /\b[0-9.]+[–-][0-9.]+ ACU\b|\b[0-9.]+ ACU\b/g,
      /\b[0-9]+ (days|GiB|GB|MB|MiB|instances|tasks|nodes)\b/g,
    ].flatMap((re) => prose.match(re) ?? []);
    expect(unchecked).toEqual([]);
  });
});
