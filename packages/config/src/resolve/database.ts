import {
  AURORA_ZERO_ACU_FROM,
  ENGINES,
  isCreatable,
  nearestCreatable,
  newestCreatable,
  supportsZeroAcu,
} from '../engines';
import { show } from '../errors';
import { DEFAULTS } from '../profiles';
import type { ResolvedDatabase } from '../types';
import type { Ctx } from './context';
import { resolveSnapshot } from './moving-in';
import { resolveParameters } from './by-hand';

export function resolveDatabase(ctx: Ctx, region?: string): ResolvedDatabase | null {
  const d = ctx.app.database;
  if (!d) return null;
  const { profile, report, app } = ctx;
  const engine = d.engine ?? 'aurora-serverless-v2';
  // The catalog of what AWS still creates (engines.ts) decides, per engine: RDS and Aurora list different minors.
  const catalog = engine === 'postgres' ? 'postgres' : 'aurora-postgresql';
  const version = d.version ?? newestCreatable(catalog);
  if (!isCreatable(catalog, version)) {
    report(
      'database.version',
      `got ${show(version)}; ${engine === 'postgres' ? 'RDS for PostgreSQL' : 'Aurora PostgreSQL'} no longer creates it (or never did) as of ${ENGINES[catalog].asOf}; nearest allowed: ${nearestCreatable(catalog, version).join(', ')}`,
    );
  }
  const backupRetention = d.backupRetention ?? profile.database.backupRetention;
  if (backupRetention < 1 || backupRetention > 35)
    report('database.backupRetention', `got ${backupRetention}; allowed: 1–35 days`);
  const rotation = d.rotation ?? DEFAULTS.rotationDays;
  if (rotation !== false && (rotation < 1 || rotation > 365))
    report('database.rotation', `got ${rotation}; allowed: 1–365 days, or false`);
  const common = {
    version,
    name: d.name ?? app.name.replace(/-/g, '_'),
    multiAz: d.multiAz ?? profile.database.multiAz,
    readReplica: d.readReplica ?? false,
    backupRetention,
    rotation,
    parameters: resolveParameters(ctx, 'database', d.parameters),
    ...withSnapshot(resolveSnapshot(ctx, engine, d.snapshot, region)),
  };

  if (engine === 'postgres') {
    for (const k of ['minAcu', 'maxAcu', 'autoPause'] as const) {
      if (d[k] !== undefined)
        report(
          `database.${k}`,
          `applies only to engine 'aurora-serverless-v2'; this database is 'postgres' (use instanceClass)`,
        );
    }
    const storage = {
      allocated: d.storage?.allocated ?? DEFAULTS.storage.allocated,
      max: d.storage?.max ?? DEFAULTS.storage.max,
    };
    if (storage.allocated < 20 || storage.allocated > 65536)
      report('database.storage.allocated', `got ${storage.allocated}; allowed: 20–65536 GiB`);
    if (storage.max < storage.allocated)
      report('database.storage.max', `got ${storage.max}; must be ≥ allocated (${storage.allocated})`);
    return { ...common, engine, instanceClass: d.instanceClass ?? profile.database.instanceClass, storage };
  }

  if (d.instanceClass !== undefined)
    report(
      'database.instanceClass',
      "applies only to engine 'postgres'; Aurora Serverless v2 sizes with minAcu/maxAcu",
    );
  if (d.storage !== undefined)
    report('database.storage', "applies only to engine 'postgres'; Aurora storage grows by itself");
  // A user who only raises maxAcu keeps the profile's minimum, unless that would invert the range.
  const maxAcu = d.maxAcu ?? profile.database.maxAcu;
  const minAcu = d.minAcu ?? Math.min(profile.database.minAcu, maxAcu);
  if (minAcu < 0 || minAcu > 256 || (minAcu * 2) % 1 !== 0)
    report('database.minAcu', `got ${show(minAcu)}; allowed: 0–256 in steps of 0.5`);
  if (maxAcu < 1 || maxAcu > 256 || (maxAcu * 2) % 1 !== 0)
    report('database.maxAcu', `got ${show(maxAcu)}; allowed: 1–256 in steps of 0.5`);
  if (minAcu > maxAcu) report('database', `minAcu (${minAcu}) must be ≤ maxAcu (${maxAcu})`);
  let autoPause: number | false = false;
  if (minAcu === 0) {
    if (!supportsZeroAcu(version)) {
      report(
        'database.minAcu',
        `0 ACU with auto-pause needs Aurora PostgreSQL ${Object.entries(AURORA_ZERO_ACU_FROM)
          .map(([major, minor]) => `${major}.${minor}+`)
          .join(', ')} or newer majors; version is ${show(version)}`,
      );
    }
    autoPause = d.autoPause ?? DEFAULTS.autoPauseMinutes;
    if (autoPause !== false && (autoPause < 5 || autoPause > 1440))
      report('database.autoPause', `got ${autoPause}; allowed: 5–1440 minutes, or false`);
  } else if (d.autoPause !== undefined && d.autoPause !== false) {
    report('database.autoPause', `auto-pause needs minAcu 0; minAcu is ${minAcu}`);
  }
  return { ...common, engine, minAcu, maxAcu, autoPause };
}

function withSnapshot<T>(snapshot: T | undefined): { snapshot?: T } {
  return snapshot === undefined ? {} : { snapshot };
}
