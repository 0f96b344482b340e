import type { CostEstimate } from './estimate';

/** One row of `berth cost --compare`: a resource and what it costs in each environment (null: not there). */
export interface ComparisonRow {
  readonly label: string;
  /** One entry per estimate, in the order given. */
  readonly monthly: readonly (number | null)[];
}

/**
 * Environments side by side. Lines match across environments by their `key` (the logical ID, or the resource type for a
 * line that counts every resource of a type) within the same stack role (the app's, the standby's…), so a resource
 * appears on one row however its logical ID is spelled in each stage. A row's label is each environment's own
 * description without its sizes in parentheses; where the environments describe one resource differently (an
 * instance class that differs by stage), each description gets its own row and its own environments' prices, so no
 * price ever stands beside another environment's resource.
 */
export function compareEstimates(estimates: readonly CostEstimate[]): ComparisonRow[] {
  const order: string[] = [];
  // row key → label → monthly per estimate
  const rows = new Map<string, Map<string, (number | null)[]>>();
  estimates.forEach((e, i) => {
    const stagePrefix = `${e.app ?? ''}-${e.env}-`;
    for (const l of e.lines) {
      const stack = l.stack === `${e.app ?? ''}-${e.env}` ? '' : l.stack.replace(`-${e.env}`, '');
      const key = `${stack}/${l.key}`;
      const label = `${stack ? `${stack}: ` : ''}${l.resource.replace(stagePrefix, '').replace(/\s*\(.*\)$/, '')}`;
      if (!rows.has(key)) {
        rows.set(key, new Map());
        order.push(key);
      }
      const byLabel = rows.get(key)!;
      const cells = byLabel.get(label) ?? estimates.map(() => null);
      cells[i] = (cells[i] ?? 0) + l.monthly;
      byLabel.set(label, cells);
    }
  });
  const out: ComparisonRow[] = [];
  for (const key of order) for (const [label, monthly] of rows.get(key)!) out.push({ label, monthly });
  return disambiguate(out);
}

/** Two rows of different resources may still read alike (two buckets of one name in two stacks): number them. */
function disambiguate(rows: ComparisonRow[]): ComparisonRow[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.label, (seen.get(r.label) ?? 0) + 1);
  const n = new Map<string, number>();
  return rows.map((r) => {
    if (seen.get(r.label)! < 2) return r;
    const i = (n.get(r.label) ?? 0) + 1;
    n.set(r.label, i);
    return { ...r, label: `${r.label} (${i})` };
  });
}
