import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';

const TALENT = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
const REVENDISTE = join(import.meta.dirname, '../../../examples/seeds/revendiste/berth.config.ts');

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: string) => void lines.push(String(m)));
  const code = await main(['node', 'berth', ...argv]);
  return { code, out: lines.join('\n') };
}
afterEach(() => vi.restoreAllMocks());

interface CostJson {
  env: string;
  currency: string;
  monthly: number;
  lines: { resource: string; type: string; monthly: number; assumption: string | null }[];
}

describe('berth cost', () => {
  it('--json: { env, currency, monthly, lines } with monthly the sum of the lines', async () => {
    const { code, out } = await run(['cost', '--env', 'prod', '--config', TALENT, '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as CostJson;
    expect(json).toMatchObject({ env: 'prod', currency: 'USD' });
    expect(json.lines.length).toBeGreaterThan(5);
    for (const l of json.lines) {
      expect(typeof l.resource).toBe('string');
      expect(l.type).toMatch(/^AWS::/);
      expect(typeof l.monthly).toBe('number');
      expect(l.assumption === null || typeof l.assumption === 'string').toBe(true);
    }
    expect(json.monthly).toBeCloseTo(
      json.lines.reduce((s, l) => s + l.monthly, 0),
      9,
    );
  });

  it('talent prod (edge.waf on by default) has the WAF lines: the ACL, its 4 rules, and the requests inspected', async () => {
    const { code, out } = await run(['cost', '--env', 'prod', '--config', TALENT]);
    expect(code).toBe(0);
    expect(out).toMatch(/WAF web ACL\s+1\s+\$5\.00\s+ACL-month\s+\$5\.00/);
    expect(out).toMatch(/WAF rules\s+4\s+\$1\.00\s+rule-month\s+\$4\.00/);
    expect(out).toMatch(
      /WAF requests inspected \[\d+\]\s+5\s+\$0\.60\s+million requests inspected\s+\$3\.00/,
    );
    expect((await run(['cost', '--env', 'dev', '--config', TALENT])).out).not.toMatch(/WAF/);
  });

  it('prints a table with a line per resource, the assumptions and the total', async () => {
    const { code, out } = await run(['cost', '--env', 'dev', '--config', TALENT]);
    expect(code).toBe(0);
    expect(out).toMatch(/resource\s+count\s+unit price\s+unit\s+monthly/);
    expect(out).toMatch(/api: Fargate tasks \(0\.25 vCPU \/ 0\.5 GB, x86_64, Spot\) \[1\]/);
    expect(out).toMatch(/total \$\d+\.\d\d \/ month/);
    expect(out).toMatch(/Assumptions:\n\s+\[1\] /);
    expect(out).toMatch(/on-demand list prices as of \d{4}-\d{2}-\d{2}/);
  });

  it('--compare puts environments side by side, dev < staging < prod', async () => {
    const { code, out } = await run(['cost', '--compare', 'dev,staging,prod', '--config', TALENT, '--json']);
    expect(code).toBe(0);
    const [dev, staging, prod] = JSON.parse(out) as CostJson[];
    expect(dev!.monthly).toBeLessThan(staging!.monthly);
    expect(staging!.monthly).toBeLessThan(prod!.monthly);
    const table = await run(['cost', '--compare', 'dev,staging,prod', '--config', TALENT]);
    expect(table.out).toMatch(/resource\s+dev\s+staging\s+prod/);
    expect(table.out).toMatch(/total \/ month\s+\$[\d.,]+\s+\$[\d.,]+\s+\$[\d.,]+/);
  });

  it('says how a region other than us-east-1 is priced, and marks the prices that are the same everywhere', async () => {
    const { out } = await run(['cost', '--env', 'prod', '--config', REVENDISTE]);
    expect(out).toMatch(/Region sa-east-1: us-east-1 prices × 1\.72/);
    // Public IPv4 is $0.005/h in every region: $3.65 a month in sa-east-1 too.
    expect(out).toMatch(/public IPv4 address per task \*\s+1\s+\$3\.65\s+address-month\s+\$3\.65/);
    expect(out).toMatch(/\* the same price in every region/);
  });

  it('shows what moves the total: the config settings behind the largest lines', async () => {
    const { out } = await run(['cost', '--env', 'prod', '--config', REVENDISTE]);
    const section = out.slice(out.indexOf('What moves it'));
    expect(section).toMatch(/^What moves it/);
    expect(section.split('\n')[1]).toMatch(/^\s+database\.minAcu, database\.multiAz\s+\$75\.34\s+Aurora/);
    expect(section).toMatch(/services\.backend\.\{scaling\.min, cpu, memory, capacity\}/);
  });

  it('--compare: one row per resource as each environment has it, never twice', async () => {
    const { code, out } = await run(['cost', '--compare', 'dev,staging,prod', '--config', TALENT]);
    expect(code).toBe(0);
    const labels = out
      .split('\n')
      .slice(3)
      .map((l) => l.trim().split(/\s{2,}/)[0]!)
      .filter(Boolean);
    expect(labels.filter((l) => l === 'CloudWatch alarms')).toHaveLength(1);
    expect(labels.filter((l) => l === 'CloudWatch log groups')).toHaveLength(1);
    expect(new Set(labels).size).toBe(labels.length);
    expect(out).toMatch(/WAF web ACL\s+—\s+—\s+\$5\.00/);
    expect(out).toMatch(/WAF rules\s+—\s+—\s+\$4\.00/);
  });

  it('needs --env or --compare (usage error, exit 2)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect((await run(['cost', '--config', TALENT])).code).toBe(2);
  });
});
