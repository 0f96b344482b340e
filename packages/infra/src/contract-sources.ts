import type { Construct } from 'constructs';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ContractSource } from '@berthjs/config';
import type { Buckets } from './constructs/buckets';
import { pascal } from '@berthjs/config';

/** What a task needs of a database: the Database construct, or a pilot-light replica. */
export interface DatabaseStore {
  readonly secret: secretsmanager.ISecret;
  readonly readHost?: string;
  /** The writer's host, port, database and user: libpq's PGHOST, PGPORT, PGDATABASE, PGUSER. */
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly username: string;
  allowFrom(peer: ec2.IConnectable, description?: string): void;
}

/** What a task needs of a cache. */
export interface CacheStore {
  /** Without credentials: plain CACHE_URL where the cache has no AUTH token. */
  readonly url: string;
  readonly authToken?: secretsmanager.ISecret;
  /** With an AUTH token: `{ token, url }`, the URL carrying the token; CACHE_URL and CACHE_AUTH_TOKEN come from it. */
  readonly connection?: secretsmanager.ISecret;
  allowFrom(peer: ec2.IConnectable, description?: string): void;
}

/** The stores a contract variable may come from. */
export interface ContractStores {
  readonly database?: DatabaseStore;
  readonly cache?: CacheStore;
  readonly buckets?: Buckets;
  /** The SES configuration set name the Mail construct owns: `${app}-${stage}`. */
  readonly mailConfigurationSet?: string;
  /** The URL of the queue SES bounce and complaint events reach (the Mail construct's events queue). */
  readonly mailEventsQueueUrl?: string;
  /** The secrets this stack generates (`secrets.<NAME>.generate`), by their Secrets Manager name. */
  readonly generatedSecrets?: Readonly<Record<string, secretsmanager.ISecret>>;
}

/** A CloudFormation value for the task definition: plain env or an ECS secret (never both). */
export type TaskValue = { readonly plain: string } | { readonly secret: ecs.Secret };

/**
 * Maps one ContractSource to the value a task receives. Credentials (the database secret, the cache AUTH token, user
 * secrets) always become ECS `secrets`, so the execution role fetches them and they never appear in plain env.
 */
export function taskValueFor(
  scope: Construct,
  variable: string,
  source: ContractSource,
  stores: ContractStores,
): TaskValue {
  const missing = (what: string) =>
    new Error(`${scope.node.path}: ${variable} needs the ${what}, which this stack does not have`);
  switch (source.kind) {
    case 'literal':
      return { plain: source.value };
    case 'auth':
      return { plain: source.value };
    case 'database': {
      const db = stores.database;
      if (!db) throw missing('database');
      switch (source.attribute) {
        case 'secret':
          return { secret: ecs.Secret.fromSecretsManager(db.secret) };
        case 'password':
          // One JSON key of the rotated secret: ECS writes `<arn>:password::` into the task definition.
          return { secret: ecs.Secret.fromSecretsManager(db.secret, 'password') };
        case 'secretArn':
          return { plain: db.secret.secretArn };
        case 'host':
          return { plain: db.host };
        case 'port':
          return { plain: String(db.port) };
        case 'dbname':
          return { plain: db.dbname };
        case 'username':
          return { plain: db.username };
        case 'sslMode':
          // RDS and Aurora PostgreSQL always offer TLS; 'require' encrypts without needing the RDS CA bundle in the
          // image (verify-full would): https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html
          return { plain: 'require' };
        case 'readHost':
          if (!db.readHost) throw missing('database read endpoint');
          return { plain: db.readHost };
      }
      break;
    }
    case 'cache': {
      const cache = stores.cache;
      if (!cache) throw missing('cache');
      // With a token, both come from one secret (ECS `<arn>:url::`, `<arn>:token::`), so they never disagree.
      if (source.attribute === 'url')
        return cache.connection
          ? { secret: ecs.Secret.fromSecretsManager(cache.connection, 'url') }
          : { plain: cache.url };
      if (cache.connection) return { secret: ecs.Secret.fromSecretsManager(cache.connection, 'token') };
      if (!cache.authToken) throw missing('cache AUTH token (cache.tls)');
      return { secret: ecs.Secret.fromSecretsManager(cache.authToken) };
    }
    case 'bucket': {
      const bucket = stores.buckets?.buckets[source.bucket];
      if (!bucket) throw missing(`bucket '${source.bucket}'`);
      return { plain: bucket.bucketName };
    }
    case 'mail':
      if (source.attribute === 'eventsQueueUrl') {
        if (!stores.mailEventsQueueUrl) throw missing('mail events queue');
        return { plain: stores.mailEventsQueueUrl };
      }
      if (!stores.mailConfigurationSet) throw missing('mail configuration set');
      return { plain: stores.mailConfigurationSet };
    case 'userSecret': {
      const id = `UserSecret${pascal(source.secretName)}`;
      // A generated secret is referenced by the resource itself: the task definition then waits for it to exist.
      const secret =
        stores.generatedSecrets?.[source.secretName] ??
        (scope.node.tryFindChild(id) as secretsmanager.ISecret | undefined) ??
        secretsmanager.Secret.fromSecretNameV2(scope, id, source.secretName);
      return { secret: ecs.Secret.fromSecretsManager(secret, source.jsonKey) };
    }
  }
}
