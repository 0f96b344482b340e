import type { Command } from 'commander';
import type { ComparisonRow, CostDriver, CostEstimate } from '@berthjs/infra';
import { CliError, EXIT } from '@berthjs/config/load';
import { loadConfig, resolveStage } from '@berthjs/config/load';

interface CostOptions {
  env?: string;
  compare?: string;
  config: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('cost')
    .description(
      'estimate the monthly cost of one environment from its synthesized template (offline, list prices)',
    )
    .option('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('--compare <stages>', 'several environments side by side, e.g. dev,staging,prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--json', 'print JSON')
    .action(async (opts: CostOptions) => {
      const stages = opts.compare
        ? opts.compare
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : opts.env
          ? [opts.env]
          : [];
      if (!stages.length)
        throw new CliError('berth cost needs --env <stage> or --compare a,b,c', EXIT.invalid);
      const loaded = await loadConfig(opts.config);
      const { compareEstimates, costDrivers, estimateCost } = await import('@berthjs/infra');
      const estimates = stages.map((stage) => estimateCost(resolveStage(loaded, stage)));
      if (opts.json) {
        const out = estimates.map((e) => toJson(e, costDrivers(e)));
        console.log(JSON.stringify(opts.compare ? out : out[0], null, 2));
        return;
      }
      if (opts.compare) printComparison(estimates, compareEstimates);
      else {
        printEstimate(estimates[0]!);
        printDrivers(costDrivers(estimates[0]!));
      }
    });
}

/** The documented JSON shape: `{ env, currency, monthly, lines: [{ resource, type, monthly, assumption }] }`. */
export function toJson(e: CostEstimate, drivers: readonly CostDriver[] = []) {
  return {
    app: e.app,
    env: e.env,
    currency: e.currency,
    monthly: e.monthly,
    pricesAsOf: e.pricesAsOf,
    regions: e.regions,
    lines: e.lines.map((l) => ({
      resource: l.resource,
      type: l.type,
      count: l.count,
      unit: l.unit,
      unitPrice: l.unitPrice,
      monthly: l.monthly,
      assumption: l.assumption ?? null,
      stack: l.stack,
      region: l.region,
      source: l.source,
      regional: l.regional,
      settings: l.settings,
    })),
    drivers: drivers.map((d) => ({ settings: d.settings, monthly: d.monthly, resources: d.resources })),
    notPriced: e.notPriced,
    warnings: e.warnings,
  };
}

const usd = (n: number) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const unitUsd = (n: number) => (n !== 0 && n < 0.01 ? `$${n.toPrecision(2)}` : usd(n));
const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 4 : 1));

function table(rows: string[][], rightAligned: readonly number[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function printEstimate(e: CostEstimate, log: (line: string) => void = console.log): void {
  const notes: string[] = [];
  const rows = [['resource', 'count', 'unit price', 'unit', 'monthly']];
  for (const l of e.lines) {
    let mark = '';
    if (l.assumption) {
      let i = notes.indexOf(l.assumption);
      if (i < 0) i = notes.push(l.assumption) - 1;
      mark = ` [${i + 1}]`;
    }
    const stack = e.regions.length > 1 ? `${l.stack}: ` : '';
    // `*`: a figure AWS charges alike in every region, so no regional multiplier.
    const flat = l.regional || e.regions.every((r) => r.multiplier === 1) ? '' : ' *';
    rows.push([
      `${stack}${l.resource}${mark}${flat}`,
      count(l.count),
      unitUsd(l.unitPrice),
      l.unit,
      usd(l.monthly),
    ]);
  }
  log(`${e.app ?? ''} · ${e.env}: estimated monthly cost (USD, on-demand list prices as of ${e.pricesAsOf})`);
  log('');
  for (const line of table(rows, [1, 2, 4])) log(`  ${line}`);
  log('');
  log(`  total ${usd(e.monthly)} / month`);
  log('');
  if (notes.length) {
    log('Assumptions:');
    notes.forEach((n, i) => log(`  [${i + 1}] ${n}`));
  }
  for (const r of e.regions) log(`Region ${r.region}: ${r.note}.`);
  if (e.lines.some((l) => !l.regional) && e.regions.some((r) => r.multiplier !== 1))
    log('* the same price in every region (public IPv4, WAF, Route 53, CloudFront): no regional multiplier.');
  if (!e.regions.some((r) => r.region === e.priceRegion) || e.regions.length > 1)
    log(`Prices are ${e.priceRegion} figures; other regions are approximations.`);
  const free = Object.entries(e.notPriced);
  if (free.length)
    log(
      `Not priced (usage-based, negligible at this scale): ${free.map(([t, n]) => `${t} ×${n}`).join(', ')}.`,
    );
  for (const w of e.warnings) log(`Warning: ${w}`);
  log('Traffic (data transfer out), request charges and scaling above the minimums are extra.');
}

export function printComparison(
  estimates: readonly CostEstimate[],
  compare: (estimates: readonly CostEstimate[]) => readonly ComparisonRow[],
  log: (line: string) => void = console.log,
): void {
  // Each row is one resource as each environment describes it: a price never stands beside another stage's resource.
  const rows = [['resource', ...estimates.map((e) => e.env)]];
  for (const r of compare(estimates))
    rows.push([r.label, ...r.monthly.map((m) => (m === null ? '—' : usd(m)))]);
  rows.push(['total / month', ...estimates.map((e) => usd(e.monthly))]);
  const cols = estimates.map((_, i) => i + 1);
  log(
    `${estimates[0]?.app ?? ''}: estimated monthly cost (USD, list prices as of ${estimates[0]?.pricesAsOf})`,
  );
  log('');
  for (const line of table(rows, cols)) log(`  ${line}`);
  log('');
  log(
    'Each line carries the assumptions of `berth cost --env <stage>`; traffic and scaling above minimums extra.',
  );
}

/** The config settings behind the largest lines, with what they control a month. */
export function printDrivers(
  drivers: readonly CostDriver[],
  log: (line: string) => void = console.log,
): void {
  if (!drivers.length) return;
  log('');
  log('What moves it (the config settings behind the largest lines, largest first):');
  const rows = drivers.map((d) => {
    const resources = [...new Set(d.resources.map((r) => r.replace(/\s*\(.*\)$/, '')))];
    const more = resources.length > 2 ? ` + ${resources.length - 2} more` : '';
    return [settingsLabel(d.settings), usd(d.monthly), `${resources.slice(0, 2).join('; ')}${more}`];
  });
  for (const line of table(rows, [1])) log(`  ${line}`);
}

/** `services.api.cpu, services.api.memory` → `services.api.{cpu, memory}`. */
function settingsLabel(settings: readonly string[]): string {
  const parent = /^(services|jobs)\.[^.]+\./.exec(settings[0] ?? '')?.[0];
  if (!parent || settings.length < 2 || !settings.every((k) => k.startsWith(parent)))
    return settings.join(', ');
  return `${parent}{${settings.map((k) => k.slice(parent.length)).join(', ')}}`;
}
