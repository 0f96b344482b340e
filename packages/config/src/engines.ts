/**
 * The engine versions AWS still creates, dated. One table: `resolve` refuses a version missing from it (naming the
 * nearest ones that are there), the profile defaults are its newest entries, and Aurora's 0-ACU minimum minors are
 * read from it. A version disappears from AWS's list without a release of Berth, so every fact carries its source
 * and the day it was read; refresh the table from the same sources.
 */
export interface EngineCatalog {
  /** Versions new instances, clusters or replication groups can be created with, oldest first. */
  readonly creatable: readonly string[];
  /** Where the list comes from. */
  readonly sources: readonly string[];
  /** The day the sources were read (ISO date). */
  readonly asOf: string;
}

/** The day this table was last checked against its sources. */
export const ENGINE_CATALOG_AS_OF = '2026-12-01';

const CFN_LINT_DATA =
  'cfn-lint 1.51.0 package data, schemas/extensions/aws_rds_db{instance,cluster}/engine_version{,_deprecated}.json (versions it lists, minus those it marks deprecated: W3691)';

export const ENGINES = Object.freeze({
  /** Amazon RDS for PostgreSQL (`engine: 'postgres'`). */
  postgres: {
    creatable: [
      ...['13.18', '13.20', '13.21', '13.22', '13.23'],
      ...['14.18', '14.19', '14.20', '14.21', '14.22'],
      ...['15.13', '15.14', '15.15', '15.16', '15.17'],
      ...['16.9', '16.10', '16.11', '16.12', '16.13'],
      ...['17.5', '17.6', '17.7', '17.8', '17.9'],
      ...['18.1', '18.2', '18.3'],
    ],
    sources: [
      CFN_LINT_DATA,
      // cfn-lint still listed these; AWS stopped creating them on 2026-05-01 (end of standard support 2026-05-31).
      'AWS Health notice for RDS for PostgreSQL: no new instances on 14.14–14.17, 15.9–15.12, 16.5–16.8, 17.1–17.4 from 2026-05-01; https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html',
    ],
    asOf: ENGINE_CATALOG_AS_OF,
  },
  /** Aurora PostgreSQL (`engine: 'aurora-serverless-v2'`). */
  'aurora-postgresql': {
    creatable: [
      ...['13.9', '13.23'],
      ...['14.6', '14.13', '14.15', '14.17', '14.18', '14.19', '14.20', '14.22'],
      ...['15.8', '15.10', '15.12', '15.13', '15.14', '15.15', '15.17'],
      ...['16.4', '16.6', '16.8', '16.9', '16.10', '16.11', '16.13'],
      ...['17.4', '17.5', '17.6', '17.7', '17.9'],
    ],
    sources: [
      CFN_LINT_DATA,
      'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html',
    ],
    asOf: ENGINE_CATALOG_AS_OF,
  },
  /** ElastiCache for Redis OSS, node-based replication groups. */
  redis: {
    creatable: ['6.2', '7.0', '7.1'],
    sources: [
      // 4.0 and 5.0 are in paid Extended Support since 2026-02-01; Berth does not create new ones there.
      'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html',
    ],
    asOf: ENGINE_CATALOG_AS_OF,
  },
  /** ElastiCache for Valkey, node-based replication groups. */
  valkey: {
    creatable: ['7.2', '8.0', '8.1', '8.2', '9.0'],
    sources: ['https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html'],
    asOf: ENGINE_CATALOG_AS_OF,
  },
} satisfies Record<string, EngineCatalog>);

export type CatalogEngine = keyof typeof ENGINES;

/**
 * First Aurora PostgreSQL minor of each major that scales to 0 ACU (auto-pause); majors above the table all do.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html (read 2026-12-01)
 */
export const AURORA_ZERO_ACU_FROM: Readonly<Record<number, number>> = Object.freeze({
  13: 15,
  14: 12,
  15: 7,
  16: 3,
});

/** The newest version the catalog lists for an engine: the default when a config names none. */
export function newestCreatable(engine: CatalogEngine): string {
  const list = ENGINES[engine].creatable;
  return list[list.length - 1]!;
}

/** Whether AWS still creates `version` of `engine`, by the catalog. */
export function isCreatable(engine: CatalogEngine, version: string): boolean {
  return (ENGINES[engine].creatable as readonly string[]).includes(version);
}

/**
 * The allowed versions nearest to one that is not: the newest minors of the same major (or, for a major AWS no
 * longer creates, the nearest majors' newest minors), at most three, oldest first.
 */
export function nearestCreatable(engine: CatalogEngine, version: string): string[] {
  const list = ENGINES[engine].creatable as readonly string[];
  const majorOf = (v: string) => Number(v.split('.')[0]);
  const major = majorOf(version);
  const same = list.filter((v) => majorOf(v) === major);
  if (same.length) return same.slice(-3);
  const majors = [...new Set(list.map(majorOf))].sort(
    (a, b) => Math.abs(a - major) - Math.abs(b - major) || a - b,
  );
  return majors
    .slice(0, 2)
    .sort((a, b) => a - b)
    .map((m) => list.filter((v) => majorOf(v) === m).at(-1)!);
}

/** Whether an Aurora PostgreSQL version scales to 0 ACU, from the same table. */
export function supportsZeroAcu(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const floor = AURORA_ZERO_ACU_FROM[major];
  if (floor === undefined) return major > Math.max(...Object.keys(AURORA_ZERO_ACU_FROM).map(Number));
  return minor >= floor;
}
