import { Construct } from 'constructs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ResolvedService } from '@berth/config';
import { pascal } from './edge';

export interface RegistryProps {
  /** Prefix of repository names: `<prefix>/<service>`. */
  readonly prefix: string;
  /** Services whose image Berth builds get a repository; external images need none. */
  readonly services: readonly ResolvedService[];
  /** The tag every service runs (a stack parameter, so a deploy or rollback only changes a parameter). */
  readonly imageTag: string;
  /** Days before untagged images expire. @default 14 */
  readonly untaggedExpiryDays?: number;
}

/**
 * One ECR repository per built service: immutable tags, scan on push, untagged images expire. External images
 * (`image.uri`) are pulled from their registry, with credentials from Secrets Manager when given.
 *
 * Cost: $0.10/GB-month stored; basic scanning free.
 */
export class Registry extends Construct {
  readonly repositories: Readonly<Record<string, ecr.Repository>>;
  private readonly props: RegistryProps;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    this.props = props;
    const out: Record<string, ecr.Repository> = {};
    for (const s of props.services) {
      if (s.image.kind !== 'build') continue;
      out[s.name] = new ecr.Repository(this, pascal(s.name), {
        repositoryName: `${props.prefix}/${s.name}`,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        imageScanOnPush: true,
        lifecycleRules: [
          { tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(props.untaggedExpiryDays ?? 14) },
        ],
        // Images are build artefacts other environments may promote from: never deleted with the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.repositories = out;
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
