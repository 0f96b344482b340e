import type { CostEstimate } from './estimate';

/** A config setting (or a few together) and the part of the monthly total it controls. */
export interface CostDriver {
  /** The config keys that move these lines, e.g. `['database.minAcu', 'database.multiAz']`. */
  readonly settings: readonly string[];
  readonly monthly: number;
  /** The lines it covers, in words. */
  readonly resources: readonly string[];
}

/**
 * What moves the total: the estimate's lines grouped by the config keys that control them (`CostLine.settings`),
 * largest first. Lines no setting controls (usage the template cannot show: storage, images, requests) are left out.
 */
export function costDrivers(estimate: CostEstimate, top = 6): CostDriver[] {
  const groups = new Map<string, { settings: readonly string[]; monthly: number; resources: string[] }>();
  for (const l of estimate.lines) {
    if (!l.settings.length) continue;
    const key = l.settings.join(' ');
    const g = groups.get(key) ?? { settings: l.settings, monthly: 0, resources: [] };
    g.monthly += l.monthly;
    g.resources.push(l.resource);
    groups.set(key, g);
  }
  return [...groups.values()]
    .filter((g) => g.monthly > 0)
    .sort((a, b) => b.monthly - a.monthly)
    .slice(0, top);
}
