import { isCreatable, nearestCreatable } from '@berthjs/config';
import type { Notes } from '../emit';
import type { Addon, YamlMap } from './read';
import { isMap } from './values';

export interface AddonResult {
  database?: YamlMap;
  buckets: Record<string, YamlMap>;
}

/**
 * A value of the addon template for one environment: literals, `!Ref` to a parameter's default, `!FindInMap` with
 * `!Ref Env` (that environment's row, else `All`). Anything else is undefined.
 */
function value(v: unknown, t: YamlMap, env: string | undefined): unknown {
  if (!isMap(v)) return v;
  const params = isMap(t['Parameters']) ? t['Parameters'] : {};
  if (typeof v['Ref'] === 'string') {
    if (v['Ref'] === 'Env') return env;
    const p = params[v['Ref']];
    return isMap(p) ? p['Default'] : undefined;
  }
  const find = v['Fn::FindInMap'];
  if (Array.isArray(find) && find.length === 3) {
    const maps = isMap(t['Mappings']) ? t['Mappings'] : {};
    const map = maps[String(value(find[0], t, env))];
    if (!isMap(map)) return undefined;
    const rowKey = value(find[1], t, env);
    const row = (typeof rowKey === 'string' && isMap(map[rowKey]) ? map[rowKey] : map['All']) as unknown;
    return isMap(row) ? row[String(value(find[2], t, env))] : undefined;
  }
  return undefined;
}

const KEEP =
  'the data is not moved: restore a snapshot of it and keep the old one until the move is verified (docs/from-copilot.md)';

function bucketName(id: string): string {
  const name = id
    .replace(/Bucket$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
  return name || 'files';
}

/** Aurora PostgreSQL / RDS PostgreSQL → `database`; S3 buckets → `buckets`; every other resource: a comment. */
export function mapAddons(addons: readonly Addon[], env: string | undefined, notes: Notes): AddonResult {
  const out: AddonResult = { buckets: {} };
  for (const addon of addons) {
    const t = addon.body;
    const resources = isMap(t['Resources']) ? t['Resources'] : {};
    for (const [id, r] of Object.entries(resources)) {
      if (!isMap(r)) continue;
      const type = String(r['Type'] ?? '');
      const p = isMap(r['Properties']) ? r['Properties'] : {};
      const field = `Resources.${id}`;
      const get = (k: string) => value(p[k], t, env);
      if (
        type === 'AWS::RDS::DBCluster' ||
        (type === 'AWS::RDS::DBInstance' && p['DBClusterIdentifier'] === undefined)
      ) {
        const engine = String(get('Engine') ?? '');
        if (!/postgres/.test(engine)) {
          notes.notMapped(
            addon.file,
            field,
            `${type} engine ${engine || '(none)'}: Berth creates PostgreSQL only`,
            ['database'],
          );
          continue;
        }
        if (out.database) {
          notes.notMapped(addon.file, field, 'a second database: Berth creates one per app', ['database']);
          continue;
        }
        const db: YamlMap = {};
        const aurora = type === 'AWS::RDS::DBCluster';
        db['engine'] = aurora ? 'aurora-serverless-v2' : 'postgres';
        const catalog = aurora ? 'aurora-postgresql' : 'postgres';
        const version = get('EngineVersion');
        if (version !== undefined) {
          const v = String(version);
          if (isCreatable(catalog, v)) db['version'] = v;
          else
            notes.note(
              ['database', 'engine'],
              `EngineVersion ${v} (${addon.file}) is one AWS no longer creates (or Berth's catalog lacks); the newest is used. Nearest allowed: ${nearestCreatable(catalog, v).join(', ')}`,
            );
        }
        const name = get('DatabaseName') ?? get('DBName');
        if (typeof name === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(name)) db['name'] = name;
        if (aurora) {
          const sc = isMap(p['ServerlessV2ScalingConfiguration'])
            ? p['ServerlessV2ScalingConfiguration']
            : undefined;
          if (sc) {
            const min = value(sc['MinCapacity'], t, env);
            const max = value(sc['MaxCapacity'], t, env);
            if (typeof min === 'number') db['minAcu'] = min;
            if (typeof max === 'number') db['maxAcu'] = max;
          } else
            notes.notMapped(
              addon.file,
              field,
              'a provisioned (not Serverless v2) Aurora cluster: Berth creates Serverless v2; set minAcu/maxAcu for its load',
              ['database'],
            );
        } else {
          const cls = get('DBInstanceClass');
          if (typeof cls === 'string') db['instanceClass'] = cls;
          const storage = Number(get('AllocatedStorage'));
          if (storage) db['storage'] = { allocated: storage };
          const multiAz = get('MultiAZ');
          if (typeof multiAz === 'boolean') db['multiAz'] = multiAz;
        }
        const backups = get('BackupRetentionPeriod');
        if (typeof backups === 'number') db['backupRetention'] = backups;
        out.database = db;
        notes.note(
          ['database'],
          `from ${addon.file} ${id}: a new, empty ${aurora ? 'cluster' : 'instance'}; ${KEEP}`,
        );
        notes.mapped(addon.file, field, ['database']);
      } else if (type === 'AWS::S3::Bucket') {
        const name = bucketName(id);
        const b: YamlMap = {};
        const versioning = isMap(p['VersioningConfiguration'])
          ? p['VersioningConfiguration']['Status']
          : undefined;
        if (versioning === 'Enabled') b['versioned'] = true;
        if (p['IntelligentTieringConfigurations'] !== undefined) b['intelligentTiering'] = true;
        out.buckets[name] = b;
        notes.note(
          ['buckets', name],
          `from ${addon.file} ${id}: a new, empty bucket; copy the objects (aws s3 sync) before the cutover`,
        );
        notes.mapped(addon.file, field, ['buckets', name]);
        for (const k of ['BucketName', 'LifecycleConfiguration', 'CorsConfiguration'])
          if (p[k] !== undefined)
            notes.notMapped(
              addon.file,
              `${field}.Properties.${k}`,
              k === 'BucketName'
                ? 'Berth names its buckets'
                : `set buckets.${name}.${k === 'CorsConfiguration' ? 'cors' : 'lifecycle'} by hand`,
              ['buckets', name],
            );
      } else if (
        /^AWS::(EC2::SecurityGroup|RDS::DB(SubnetGroup|ClusterParameterGroup|ParameterGroup|Instance)|SecretsManager::(Secret|SecretTargetAttachment|RotationSchedule)|S3::BucketPolicy|IAM::ManagedPolicy)$/.test(
          type,
        )
      ) {
        // Parts of a database or bucket Berth creates itself (its subnets, security groups, secret, policies).
        notes.mapped(addon.file, field, [type.startsWith('AWS::S3') ? 'buckets' : 'database']);
      } else {
        notes.notMapped(
          addon.file,
          `${field} (${type})`,
          'Berth has no equivalent resource; keep it in its own stack or recreate it',
          [],
        );
      }
    }
  }
  return out;
}
