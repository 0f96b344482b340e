/**
 * Engine parameters (`database.parameters`, `cache.parameters`) and when a change of one takes effect.
 *
 * PostgreSQL (RDS and Aurora): RDS reports a parameter's ApplyType as 'static' (applied at the next reboot) or
 * 'dynamic' (applied at once) — https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.html
 * ("When you change a static parameter [...] the change takes effect after you manually reboot the DB instance").
 * The static ones are PostgreSQL's own "can only be set at server start" (pg_settings.context = 'postmaster',
 * https://www.postgresql.org/docs/current/view-pg-settings.html), listed below from the PostgreSQL 16 server
 * configuration chapters, plus RDS's `rds.logical_replication`. `aws rds describe-db-parameters` shows the ApplyType
 * of every parameter of a family; a parameter this table does not list is reported as unknown, never as dynamic.
 *
 * ElastiCache (Redis OSS, Valkey): "Changes take place: immediately" for the parameters listed as immediate, and
 * `databases` only at creation, as AWS's ElastiCache user guide (ParameterGroups.Redis, awsdocs/amazon-elasticache-docs)
 * lists them. `cluster-enabled` is refused: Berth's replication group runs with cluster mode disabled.
 */

export type ApplyType = 'static' | 'dynamic' | 'creation' | 'unknown';

/** PostgreSQL parameters set only at server start (context 'postmaster'), and RDS's static `rds.*` ones. */
const PG_STATIC = new Set([
  'shared_buffers',
  'max_connections',
  'shared_preload_libraries',
  'max_worker_processes',
  'max_parallel_workers',
  'max_wal_senders',
  'max_replication_slots',
  'max_locks_per_transaction',
  'max_pred_locks_per_transaction',
  'max_prepared_transactions',
  'max_logical_replication_workers',
  'autovacuum_max_workers',
  'track_activity_query_size',
  'track_commit_timestamp',
  'wal_buffers',
  'huge_pages',
  'rds.logical_replication',
]);

/** PostgreSQL parameters a reload or a session applies (contexts sighup, superuser, user): dynamic on RDS. */
const PG_DYNAMIC = new Set([
  'log_min_duration_statement',
  'log_statement',
  'log_lock_waits',
  'log_temp_files',
  'log_connections',
  'log_disconnections',
  'log_autovacuum_min_duration',
  'log_min_error_statement',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'work_mem',
  'maintenance_work_mem',
  'effective_cache_size',
  'random_page_cost',
  'default_statistics_target',
  'timezone',
  'auto_explain.log_min_duration',
  'pg_stat_statements.track',
  'rds.force_ssl',
]);

const CACHE_IMMEDIATE = new Set(['maxmemory-policy', 'lazyfree-lazy-eviction', 'activedefrag', 'timeout']);
const CACHE_AT_CREATION = new Set(['databases']);
/** Parameters Berth refuses in `cache.parameters`, with the reason. */
export const CACHE_REFUSED: Readonly<Record<string, string>> = {
  'cluster-enabled':
    "Berth's replication group runs with cluster mode disabled (one shard); clients connect to one primary endpoint",
};

export function applyTypeOf(kind: 'database' | 'cache', name: string): ApplyType {
  if (kind === 'database')
    return PG_STATIC.has(name) ? 'static' : PG_DYNAMIC.has(name) ? 'dynamic' : 'unknown';
  return CACHE_IMMEDIATE.has(name) ? 'dynamic' : CACHE_AT_CREATION.has(name) ? 'creation' : 'unknown';
}

/** A parameter name as RDS and ElastiCache spell them: lower case, digits, `_`, `-` and `.` (e.g. `auto_explain.log_min_duration`). */
export const PARAMETER_NAME = /^[a-z][a-z0-9_.-]{0,127}$/;

/** What a change of each parameter needs, for `berth check`'s notes: static, at-creation and unknown ones. */
export function parameterNotes(
  kind: 'database' | 'cache',
  parameters: Readonly<Record<string, string>>,
): string[] {
  const by = (t: ApplyType) => Object.keys(parameters).filter((n) => applyTypeOf(kind, n) === t);
  const what = kind === 'database' ? 'the database' : 'the cache';
  const notes: string[] = [];
  const statics = by('static');
  if (statics.length)
    notes.push(
      `${kind}.parameters ${statics.join(', ')}: static; a change is applied at ${what}'s next reboot, not by the deploy (RDS shows pending-reboot): reboot in a quiet hour after deploying it`,
    );
  const creation = by('creation');
  if (creation.length)
    notes.push(
      `${kind}.parameters ${creation.join(', ')}: ElastiCache takes it only when the cache is created; a change later is refused by the update`,
    );
  const unknown = by('unknown');
  if (unknown.length)
    notes.push(
      `${kind}.parameters ${unknown.join(', ')}: not in Berth's table of apply types; whether a change needs a reboot is shown by ${kind === 'database' ? 'aws rds describe-db-parameters' : 'aws elasticache describe-cache-parameters'} (ApplyType / ChangeType)`,
    );
  if (kind === 'database' && Object.keys(parameters).length)
    notes.push(
      `${kind}.parameters: ${what} runs on Berth's own parameter group; moving an existing database onto it from the default group takes effect at its next reboot`,
    );
  return notes;
}
