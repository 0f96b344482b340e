import { Construct } from 'constructs';
import { CfnOutput } from 'aws-cdk-lib';
import { OUTPUT_KEYS } from '@berthjs/config';
import type { Bastion } from './bastion';
import type { Cache } from './cache';
import type { Database } from './database';
import type { Jobs } from './jobs';
import type { Service } from './service';
import type * as ecs from 'aws-cdk-lib/aws-ecs';

export { OUTPUT_KEYS };

export interface RunbookOutputsProps {
  readonly cluster: ecs.ICluster;
  readonly services: Readonly<Record<string, Service>>;
  readonly jobs?: Jobs;
  readonly bastion?: Bastion;
  readonly database?: Database;
  readonly cache?: Cache;
}

/**
 * The names a runbook needs, as stack outputs: the cluster, each service's ECS name and log group, each job's log
 * group and stream prefix, the bastion's instance, the database's endpoint, identifier and secret, the cache's
 * endpoint and AUTH secret. Secret values never appear, only ARNs.
 */
export class RunbookOutputs extends Construct {
  constructor(scope: Construct, id: string, props: RunbookOutputsProps) {
    super(scope, id);
    this.output(OUTPUT_KEYS.cluster, props.cluster.clusterName, 'ECS cluster of the environment');
    for (const [name, s] of Object.entries(props.services)) {
      this.output(OUTPUT_KEYS.serviceName(name), s.ecsService.serviceName, `ECS service of ${name}`);
      this.output(OUTPUT_KEYS.serviceLogGroup(name), s.logGroup.logGroupName, `Log group of ${name}`);
    }
    for (const [name, job] of Object.entries(props.jobs?.jobs ?? {})) {
      const service = props.services[job.job.service];
      if (!service) continue;
      this.output(OUTPUT_KEYS.jobLogGroup(name), service.logGroup.logGroupName, `Log group of job ${name}`);
      this.output(OUTPUT_KEYS.jobLogStreamPrefix(name), `job-${name}`, `Log stream prefix of job ${name}`);
    }
    if (props.bastion)
      this.output(
        OUTPUT_KEYS.bastionInstanceId,
        props.bastion.instance.instanceId,
        'Bastion (SSM Session Manager)',
      );
    const db = props.database;
    if (db) {
      this.output(OUTPUT_KEYS.databaseEndpoint, db.host, 'Database writer endpoint');
      this.output(OUTPUT_KEYS.databasePort, String(db.port), 'Database port');
      this.output(OUTPUT_KEYS.databaseName, db.dbname, 'Database name');
      const identifier = db.cluster?.clusterIdentifier ?? db.instance?.instanceIdentifier;
      if (identifier) {
        this.output(OUTPUT_KEYS.databaseIdentifier, identifier, 'RDS identifier of the database');
        this.output(
          OUTPUT_KEYS.databaseKind,
          db.cluster ? 'cluster' : 'instance',
          'Aurora cluster or RDS instance',
        );
      }
      this.output(OUTPUT_KEYS.databaseSecretArn, db.secret.secretArn, 'Secret with the database credentials');
    }
    const cache = props.cache;
    if (cache) {
      this.output(
        OUTPUT_KEYS.cacheEndpoint,
        cache.replicationGroup.attrPrimaryEndPointAddress,
        'Cache primary endpoint',
      );
      this.output(OUTPUT_KEYS.cachePort, cache.replicationGroup.attrPrimaryEndPointPort, 'Cache port');
      this.output(OUTPUT_KEYS.cacheTls, cache.authToken ? 'true' : 'false', 'Whether the cache speaks TLS');
      if (cache.authToken)
        this.output(
          OUTPUT_KEYS.cacheAuthSecretArn,
          cache.authToken.secretArn,
          'Secret with the cache AUTH token',
        );
    }
  }

  private output(key: string, value: string, description: string): void {
    new CfnOutput(this, key, { value, description }).overrideLogicalId(key);
  }
}
