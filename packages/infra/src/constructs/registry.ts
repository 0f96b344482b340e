import { Construct } from 'constructs';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ResolvedApp, ResolvedService } from '@berthjs/config';
import { pascal, repositoryName as berthRepositoryName } from '@berthjs/config';

export interface RegistryProps {
  /** Prefix of repository names: `<prefix>/<service>`. */
  readonly prefix: string;
  /** Services whose image Berth builds get a repository; external images need none. */
  readonly services: readonly ResolvedService[];
  /** The tag every service runs (a stack parameter, so a deploy or rollback only changes a parameter). */
  readonly imageTag: string;
  /** Days before untagged images expire. @default 14 */
  readonly untaggedExpiryDays?: number;
  /**
   * 'create' the repositories, or 'import' them by name from the environment of this account and region that
   * owns them. @default 'create'
   */
  readonly mode?: 'create' | 'import';
  /**
   * Registries this one replicates `<prefix>/*` to: promoted environments in other accounts or regions, and the
   * pilot-light standby region. Account absent = this account. @default - no replication
   */
  readonly replicateTo?: readonly { readonly region: string; readonly account?: string }[];
  /** Account whose registry replicates into this one (the environment named by imagesFrom). @default - none */
  readonly acceptReplicationFrom?: string;
  /**
   * Accounts of promoted environments that may read (pull) this registry's images: `berth deploy` there copies an
   * image replication did not deliver, by digest. @default - none
   */
  readonly pullableBy?: readonly string[];
}

/**
 * What a promoted environment's account may do on a source repository: read a manifest and download its layers, the
 * pull actions of AWS's cross-account repository policy example
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html). Nothing that writes.
 */
export const PROMOTION_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
] as const;

/**
 * The accounts of environments promoting this one's images from another account: their first deploy copies the image
 * replication could not deliver (pushed before the rule or their registry policy existed), so they read (pull) here.
 */
export function promotedAccounts(r: Pick<ResolvedApp, 'account' | 'promotesTo'>): string[] {
  return r.promotesTo.flatMap((p) => (p.account && p.account !== r.account ? [p.account] : []));
}

/**
 * Where a promoted environment's images come from when that is another registry (imagesFrom in another account or
 * region): the registry `berth deploy` copies a missing image from, and its repositories. Undefined without
 * imagesFrom or when both environments share one registry.
 */
export function promotionSource(
  r: Pick<ResolvedApp, 'app' | 'account' | 'region' | 'imagesFrom' | 'services'>,
): { account?: string; region: string; repositoryNames: string[] } | undefined {
  const from = r.imagesFrom;
  if (!from || ((from.account ?? '') === (r.account ?? '') && from.region === r.region)) return undefined;
  const account = from.account ?? r.account;
  return {
    ...(account ? { account } : {}),
    region: from.region,
    repositoryNames: Object.values(r.services)
      .filter((s) => s.image.kind === 'build')
      .map((s) => berthRepositoryName(r.app, s.name)),
  };
}

/**
 * One ECR repository per built service: immutable tags, scan on push, untagged images expire. Environments of one
 * account and region share them (the first creates, the others import). External images (`image.uri`) are pulled
 * from their registry, with credentials from Secrets Manager (the execution role may read exactly that secret).
 *
 * Promotion across accounts (seed 000: build once in dev, run the same image in prod) is ECR replication, not
 * cross-account pulls: the source registry replicates `<app>/*` into the target's registry, whose registry policy
 * admits exactly the source account. Prod then pulls from its own account and region at every task start, so a dev
 * account outage, a deleted dev repository or an expired dev image never stops prod from scaling out; immutable tags
 * mean a replicated tag can never be overwritten. The same replication carries images to a pilot-light standby region.
 *
 * Replication does not start from nothing in either account: it only copies images pushed after the rule exists
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html) and once the target's registry
 * policy admits the source (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-configure.html), so the source's first image (pushed before its stack created the rule, and before the target's stack existed)
 * never arrives. The source's repositories therefore let the promoted accounts pull (`pullableBy`), and the target's
 * `berth deploy` copies a missing image by digest (manifest and layers, the digest checked) into repositories it
 * creates or adopts, which its stack then imports (import-existing-resources); later pushes replicate.
 *
 * Cost: $0.10/GB-month stored (per copy); basic scanning free; cross-region replication transfer $0.02/GB.
 */
export class Registry extends Construct {
  readonly repositories: Readonly<Record<string, ecr.IRepository>>;
  readonly replication?: ecr.CfnReplicationConfiguration;
  readonly registryPolicy?: ecr.CfnRegistryPolicy;
  private readonly props: RegistryProps;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    this.props = props;
    const out: Record<string, ecr.IRepository> = {};
    for (const s of props.services) {
      if (s.image.kind !== 'build') continue;
      const repositoryName = berthRepositoryName(props.prefix, s.name);
      if (props.mode === 'import') {
        out[s.name] = ecr.Repository.fromRepositoryName(this, pascal(s.name), repositoryName);
        continue;
      }
      out[s.name] = new ecr.Repository(this, pascal(s.name), {
        repositoryName,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        imageScanOnPush: true,
        lifecycleRules: [
          { tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(props.untaggedExpiryDays ?? 14) },
        ],
        // Images are build artefacts other environments may promote from: never deleted with the stack. But a
        // first deploy that rolls back deletes what it created (RetainExceptOnCreate), images included
        // (EmptyOnDelete: `berth deploy` pushed before the stack existed), so the retry does not fail on a name
        // that already exists; a repository kept by a deleted stack is adopted by the next deploy's
        // import-existing-resources (see retainedNamedResources).
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      (out[s.name]!.node.defaultChild as ecr.CfnRepository).emptyOnDelete = true;
      if (props.pullableBy?.length)
        (out[s.name] as ecr.Repository).addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'PromotedEnvironmentsPull',
            principals: [...new Set(props.pullableBy)].sort().map((a) => new iam.AccountPrincipal(a)),
            actions: [...PROMOTION_PULL_ACTIONS],
          }),
        );
    }
    this.repositories = out;
    const built = Object.keys(out).length > 0;
    if (built && props.replicateTo?.length) this.replication = this.replicate(props.replicateTo);
    if (props.acceptReplicationFrom && props.mode !== 'import')
      this.registryPolicy = this.accept(props.acceptReplicationFrom);
  }

  /** One replication rule: `<prefix>/*` to every destination. A registry has one configuration per region. */
  private replicate(
    destinations: NonNullable<RegistryProps['replicateTo']>,
  ): ecr.CfnReplicationConfiguration {
    return new ecr.CfnReplicationConfiguration(this, 'Replication', {
      replicationConfiguration: {
        rules: [
          {
            destinations: destinations.map((d) => ({
              region: d.region,
              registryId: d.account ?? Stack.of(this).account,
            })),
            repositoryFilters: [{ filter: `${this.props.prefix}/`, filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });
  }

  /** The registry policy letting the source account replicate `<prefix>/*` into this registry, nothing more. */
  private accept(sourceAccount: string): ecr.CfnRegistryPolicy {
    const stack = Stack.of(this);
    return new ecr.CfnRegistryPolicy(this, 'AcceptReplication', {
      policyText: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'ReplicationFromSource',
            principals: [new iam.AccountPrincipal(sourceAccount)],
            actions: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
            resources: [
              stack.formatArn({
                service: 'ecr',
                resource: 'repository',
                resourceName: `${this.props.prefix}/*`,
              }),
            ],
          }),
        ],
      }).toJSON(),
    });
  }

  /** The image a service's task runs. */
  imageFor(service: ResolvedService): ecs.ContainerImage {
    if (service.image.kind === 'external') {
      const { uri, credentialsSecret } = service.image;
      return ecs.ContainerImage.fromRegistry(
        uri,
        credentialsSecret
          ? {
              credentials: secretsmanager.Secret.fromSecretNameV2(
                this,
                `${pascal(service.name)}RegistryCredentials`,
                credentialsSecret,
              ),
            }
          : {},
      );
    }
    const repository = this.repositories[service.name];
    if (!repository) throw new Error(`${this.node.path}: no repository for service '${service.name}'`);
    return ecs.ContainerImage.fromEcrRepository(repository, this.props.imageTag);
  }
}
