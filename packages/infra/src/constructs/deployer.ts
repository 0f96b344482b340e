import { Construct } from 'constructs';
import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { secretArnsByName } from './secrets';

export interface DeployerProps {
  /** GitHub repository allowed to deploy: 'owner/name'. */
  readonly repository: string;
  /** The one branch whose workflows may assume this role (refs/heads/<branch>). */
  readonly branch: string;
  /**
   * The GitHub environment the deploy job runs in (`environment:` in the workflow). GitHub then puts
   * `repo:<owner/name>:environment:<name>` in the token's `sub` instead of the branch ref, so the trust names that;
   * the environment's deployment branch rule is what pins it to `branch`.
   * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
   * @default - no environment: the trust names `repo:<owner/name>:ref:refs/heads/<branch>`
   */
  readonly environment?: string;
  /** IAM role name, e.g. `shop-prod-deployer` (the workflow names it). */
  readonly roleName: string;
  /** 'create' the account's GitHub OIDC provider, or 'import' it by its well-known ARN. @default 'create' */
  readonly oidcProvider?: 'create' | 'import';
  /** The ARN of an existing provider to adopt (with 'import'). @default - the account's well-known provider ARN */
  readonly oidcProviderArn?: string;
  /** This environment's repositories: the builder pushes to them, or (promotion) deploys read the replicated image. */
  readonly repositories: readonly ecr.IRepository[];
  /** Whether deploys build and push images here; false when images are promoted from another environment. @default true */
  readonly pushes?: boolean;
  /**
   * The source registry of promoted images (imagesFrom in another account or region) and its repositories' names:
   * `berth deploy` copies an image replication did not deliver from there, by digest. @default - none
   */
  readonly promotesFrom?: {
    /** @default - this stack's account */
    readonly account?: string;
    readonly region: string;
    readonly repositoryNames: readonly string[];
  };
  /** The pilot-light standby's stack and region: deploys wait for its services too. @default - no standby */
  readonly standby?: { readonly region: string; readonly stackName: string };
  readonly cluster: ecs.ICluster;
  /** The app's ECS services (UpdateService, DescribeServices). */
  readonly services: readonly ecs.BaseService[];
  /** Task definitions deploys register revisions of and one-off tasks (run-job, migrate) run. */
  readonly taskDefinitions: readonly ecs.TaskDefinition[];
  /** Log groups `berth run-job` and `berth migrate` tail. */
  readonly logGroups: readonly logs.ILogGroup[];
  /** Regions whose CDK bootstrap roles this role may assume (the stack's, a standby's, us-east-1 for CloudFront). */
  readonly cdkRegions: readonly string[];
  /** CDK bootstrap qualifier. @default 'hnb659fds' */
  readonly cdkQualifier?: string;
  /**
   * Secrets Manager secrets the services reference by name: `berth deploy` checks they exist (DescribeSecret, no
   * value read) before it changes anything. @default - none
   */
  readonly secretNames?: readonly string[];
}

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;
const BRANCH = /^[\w./-]+$/;
const ENVIRONMENT = /^[\w.-]+$/;

/** The `sub` claim of a GitHub Actions OIDC token for the deploy job: environment-scoped when it runs in one. */
export function githubSubject(props: Pick<DeployerProps, 'repository' | 'branch' | 'environment'>): string {
  return props.environment !== undefined
    ? `repo:${props.repository}:environment:${props.environment}`
    : `repo:${props.repository}:ref:refs/heads/${props.branch}`;
}

/**
 * The role a GitHub Actions workflow assumes through OIDC to deploy one environment: trusted only for the `sub` the
 * deploy job presents (`repo:<owner/name>:environment:<env>` when the job runs in a GitHub environment, as the
 * workflow `berth init` writes does; else `repo:<owner/name>:ref:refs/heads/<branch>`) with audience
 * sts.amazonaws.com, and allowed exactly what deploying
 * needs (seed 004's builder and updater policies, tightened):
 *
 * - builder: `ecr:GetAuthorizationToken` (no resource-level permissions) and the six push actions AWS publishes on exactly this
 *   app's repositories (none when images are promoted from another environment);
 * - updater: `ecs:RegisterTaskDefinition`/`DescribeTaskDefinition` (neither supports resource-level permissions),
 *   `ecs:UpdateService`/`DescribeServices` on exactly this app's services, `ecs:RunTask` of this app's task
 *   definitions in this cluster only (run-job, migrate) with `DescribeTasks`, `iam:PassRole` on exactly their task and
 *   execution roles and only to ecs-tasks.amazonaws.com, and reading this app's log groups;
 * - CloudFormation: reading this stack, and `sts:AssumeRole` on the CDK bootstrap deploy and file-publishing roles
 *   of this account in the regions the app deploys to. Infrastructure changes go through those roles (the CDK's
 *   CloudFormation execution role), so this role itself can change no infrastructure.
 *
 * One OIDC provider exists per account: the first environment of each account creates it, the others import it.
 *
 * Cost: free.
 */
export class Deployer extends Construct {
  readonly role: iam.Role;
  readonly provider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: DeployerProps) {
    super(scope, id);
    if (!REPOSITORY.test(props.repository))
      throw new Error(
        `${this.node.path}: repository ${JSON.stringify(props.repository)} is not 'owner/name'`,
      );
    if (props.environment !== undefined && !ENVIRONMENT.test(props.environment))
      throw new Error(
        `${this.node.path}: environment ${JSON.stringify(props.environment)} is not one GitHub environment name (letters, digits, '-', '_', '.', no wildcards)`,
      );
    if (!BRANCH.test(props.branch) || props.branch.includes('*'))
      throw new Error(
        `${this.node.path}: branch ${JSON.stringify(props.branch)} is not one branch name (no wildcards)`,
      );

    const stack = Stack.of(this);
    if (props.oidcProvider === 'import') {
      this.provider = iam.OidcProviderNative.fromOidcProviderArn(
        this,
        'GitHub',
        props.oidcProviderArn ??
          `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`,
      );
    } else {
      const provider = new iam.OidcProviderNative(this, 'GitHub', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: ['sts.amazonaws.com'],
      });
      // Every environment of the account trusts this one provider: deleting the stack that created it must not
      // delete what the other environments' deployer roles trust. A create that rolls back deletes it, though
      // (RetainExceptOnCreate): one provider per URL exists per account, and CloudFormation cannot adopt it by
      // import-existing-resources (its primary identifier, the ARN, is read-only), so a kept one would fail every
      // retry with "already exists".
      provider.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
      this.provider = provider;
    }

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `GitHub ${props.repository}@${props.branch}${props.environment ? ` (environment ${props.environment})` : ''} deploys this environment`,
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC_HOST}:sub`]: githubSubject(props),
        },
      }),
    });
    const allow = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, unknown>,
    ) =>
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }),
      );

    const pushes = props.pushes ?? true;
    if (props.repositories.length) {
      // berth deploy asks whether the repository and the tag exist before it builds, or (promotion) which digest
      // replication delivered.
      allow(
        'EcrDescribe',
        ['ecr:DescribeRepositories', 'ecr:DescribeImages'],
        props.repositories.map((r) => r.repositoryArn),
      );
    }
    if (props.repositories.length && pushes) {
      allow('EcrAuth', ['ecr:GetAuthorizationToken'], ['*']);
      // The actions AWS publishes for pushing to one repository, BatchGetImage included (docker buildx / BuildKit
      // reads the manifest it is about to push, and ECR answers 403 without it):
      // https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
      allow(
        'EcrPush',
        [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        props.repositories.map((r) => r.repositoryArn),
      );
    }
    if (props.repositories.length && props.promotesFrom) {
      // Promotion's copy of an image replication did not deliver (pushed before the rule or the registry policy
      // existed): read its manifest and layers in the source registry (whose repository policy admits this account),
      // upload them here and put the manifest under its tag. SDK calls, no docker login.
      const from = props.promotesFrom;
      allow(
        'PromotionCopyIn',
        [
          'ecr:BatchCheckLayerAvailability',
          'ecr:CompleteLayerUpload',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        props.repositories.map((r) => r.repositoryArn),
      );
      allow(
        'PromotionReadSource',
        ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        from.repositoryNames.map(
          (name) =>
            `arn:${Aws.PARTITION}:ecr:${from.region}:${from.account ?? Aws.ACCOUNT_ID}:repository/${name}`,
        ),
      );
    }
    // None of the three supports resource-level permissions (berth rollback lists a family's revisions).
    allow(
      'TaskDefinitions',
      ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions', 'ecs:RegisterTaskDefinition'],
      ['*'],
    );
    // berth deploy lists a service's stopped tasks to say why it is not steady: in this cluster only.
    allow('ListTasks', ['ecs:ListTasks'], ['*'], { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } });
    if (props.services.length) {
      allow(
        'Services',
        ['ecs:UpdateService', 'ecs:DescribeServices'],
        props.services.map((s) => s.serviceArn),
      );
      // berth deploy follows canary/linear/blue-green phases and names the alarm that rolled one back:
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment-permissions.html
      allow(
        'ServiceDeployments',
        ['ecs:ListServiceDeployments', 'ecs:DescribeServiceDeployments'],
        [
          ...props.services.map((s) => s.serviceArn),
          ...props.services.map((s) =>
            stack.formatArn({
              service: 'ecs',
              resource: 'service-deployment',
              resourceName: `${props.cluster.clusterName}/${s.serviceName}/*`,
            }),
          ),
        ],
      );
    }
    if (props.standby) {
      // The standby's services are created by its own stack, in its region: read them, change nothing.
      const { region, stackName } = props.standby;
      allow(
        'ReadStandby',
        // GetTemplate: `berth diff` and the guarded deploy compare the standby's deployed template too.
        ['cloudformation:DescribeStackResources', 'cloudformation:GetTemplate'],
        [`arn:${Aws.PARTITION}:cloudformation:${region}:${Aws.ACCOUNT_ID}:stack/${stackName}/*`],
      );
      allow(
        'StandbyServices',
        ['ecs:DescribeServices'],
        [`arn:${Aws.PARTITION}:ecs:${region}:${Aws.ACCOUNT_ID}:service/*`],
      );
    }
    const families = [...new Set(props.taskDefinitions.map((t) => t.family))];
    if (families.length) {
      allow(
        'OneOffTasks',
        ['ecs:RunTask'],
        families.map((f) =>
          stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${f}:*` }),
        ),
        { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
      );
      allow(
        'OneOffTaskStatus',
        ['ecs:DescribeTasks', 'ecs:StopTask'],
        [
          stack.formatArn({
            service: 'ecs',
            resource: 'task',
            resourceName: `${props.cluster.clusterName}/*`,
          }),
        ],
      );
      const roles = new Set<string>();
      for (const t of props.taskDefinitions) {
        roles.add(t.taskRole.roleArn);
        if (t.executionRole) roles.add(t.executionRole.roleArn);
      }
      allow('PassTaskRoles', ['iam:PassRole'], [...roles], {
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    }
    if (props.logGroups.length)
      allow(
        'ReadLogs',
        ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:DescribeLogStreams'],
        props.logGroups.map((g) => g.logGroupArn),
      );
    allow(
      'ReadStack',
      [
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStackResources',
        'cloudformation:GetTemplate',
      ],
      [stack.stackId],
    );
    // berth deploy refuses before touching a stack when a secret the services reference does not exist.
    if (props.secretNames?.length)
      allow(
        'ReferencedSecretsExist',
        ['secretsmanager:DescribeSecret'],
        secretArnsByName(stack, [...new Set(props.secretNames)].sort()),
      );
    const qualifier = props.cdkQualifier ?? 'hnb659fds';
    allow(
      'CdkBootstrapRoles',
      ['sts:AssumeRole'],
      props.cdkRegions.flatMap((region) =>
        ['deploy', 'file-publishing'].map(
          (kind) =>
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${kind}-role-${Aws.ACCOUNT_ID}-${region}`,
        ),
      ),
    );
  }
}
