import { Construct, Dependable, type IDependable } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { commandValues, substituteContract, type Contract, type ResolvedService } from '@berthjs/config';
import { taskValueFor, type ContractStores } from '../contract-sources';
import type { Ec2Capacity } from './capacity';
import { deploymentServiceProps, ProgressiveDeployment, shiftsTraffic } from './deployment';
import { enableExec } from './exec';
import { statementOf } from '../iam/config-permissions';
import type { Edge } from './edge';
import type { Mail } from './mail';

export interface ServiceProps {
  readonly cluster: ecs.ICluster;
  readonly service: ResolvedService;
  /** What the task receives: `contractFor(resolved, service.name)`. The only source of env and secrets. */
  readonly contract: Contract;
  readonly image: ecs.ContainerImage;
  /** Where tasks run. */
  readonly subnets: ec2.SubnetSelection;
  /** Give tasks public IPs (public subnets, no NAT). @default false */
  readonly assignPublicIp?: boolean;
  readonly stores: ContractStores;
  /** Routes the service's hosts to it. @default - not reachable through a load balancer */
  readonly edge?: Edge;
  /** @default 14 */
  readonly logRetentionDays?: number;
  /** The app's SES identity and configuration set: a service that uses mail may send as it. @default - no mail */
  readonly mail?: Mail;
  /** Task definition family, e.g. `talent-prod-api`: Berth's checks find a service's task definition by it. */
  readonly family: string;
  /** The cluster's EC2 capacity provider, required when the service's capacity is 'ec2'. @default - none */
  readonly ec2Capacity?: Ec2Capacity;
  /** Tasks to run instead of the service's own count (a pilot-light standby keeps 0). @default - the service's */
  readonly desiredCount?: number;
  /** Autoscaling on. A standby scales by hand during failover. @default true */
  readonly autoscale?: boolean;
}

/** Fargate capacities by Berth name; 'ec2' uses the cluster's Auto Scaling group capacity provider. */
const FARGATE_PROVIDERS: Readonly<Record<string, string>> = {
  fargate: 'FARGATE',
  'fargate-spot': 'FARGATE_SPOT',
};

/** Thrown when a service asks for a capacity the stack cannot give it, naming the service. */
export class CapacityNotSupportedError extends Error {
  override readonly name = 'CapacityNotSupportedError';
}

/** What a container of this service's image receives: shared by the service and its jobs. */
export interface AppContainerOptions {
  readonly image: ecs.ContainerImage;
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  readonly environmentFiles: readonly ecs.EnvironmentFile[];
  readonly logGroup: logs.ILogGroup;
}

/**
 * One service on Fargate (or on the cluster's EC2 capacity provider): task definition (cpu, memory, architecture), its container with env and secrets from the
 * contract only, a log group, a target group with a fast health check, a deployment circuit breaker with rollback (rolling),
 * target-tracking scaling, and one task role scoped to exactly its buckets and mail identity.
 *
 * Cost: Fargate $0.04048/vCPU-hour + $0.004445/GB-hour (x86; arm64 ~20% less; Spot ~70% less):
 * 0.25 vCPU / 0.5 GB ≈ $9/month per task on demand, ≈ $3 on Spot.
 */
export class Service extends Construct {
  /** What `${NAME}` in a command of this service (or its jobs) becomes in the task definition: `${PORT}` → 8000. */
  readonly commandValues: Readonly<Record<string, string>>;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly container: ecs.ContainerDefinition;
  /** The ECS service: Fargate, or EC2 through the cluster's capacity provider. */
  readonly ecsService: ecs.BaseService;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The canary/linear/blue-green machinery (second target group, rollback alarms), when the strategy shifts traffic. */
  readonly deployment?: ProgressiveDeployment;
  readonly taskRole: iam.Role;
  readonly executionRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly securityGroup: ec2.SecurityGroup;
  /** Env, secrets, env files and image of this service's container: jobs run with exactly these. */
  readonly containerOptions: AppContainerOptions;
  /** Capacity provider strategy of the service, for one-off tasks (RunTask) of the same service. */
  readonly capacityProvider: string;
  readonly props: ServiceProps;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    this.props = props;
    const { service, contract } = props;
    this.commandValues = commandValues(contract);
    this.capacityProvider = this.capacityProviderFor(props);
    const vpc = props.cluster.vpc;

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${props.family} task`,
    });
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `${props.family} execution: pull the image, write logs, read its secrets`,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: (props.logRetentionDays ?? 14) as logs.RetentionDays,
    });

    const runtimePlatform = {
      cpuArchitecture: service.arch === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    };
    this.taskDefinition =
      service.capacity === 'ec2'
        ? // EC2 and Fargate compatible, awsvpc: the same security group model, and jobs can still run on Fargate.
          new ecs.TaskDefinition(this, 'TaskDefinition', {
            family: props.family,
            compatibility: ecs.Compatibility.EC2_AND_FARGATE,
            networkMode: ecs.NetworkMode.AWS_VPC,
            cpu: String(service.cpu * 1024),
            memoryMiB: String(service.memoryMib),
            runtimePlatform,
            taskRole: this.taskRole,
            executionRole: this.executionRole,
          })
        : new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
            family: props.family,
            cpu: service.cpu * 1024,
            memoryLimitMiB: service.memoryMib,
            runtimePlatform,
            taskRole: this.taskRole,
            executionRole: this.executionRole,
          });

    const environment: Record<string, string> = {};
    const secrets: Record<string, ecs.Secret> = {};
    for (const variable of contract.variables) {
      const value = taskValueFor(this, variable.name, variable.source, props.stores);
      if ('secret' in value) secrets[variable.name] = value.secret;
      else if (variable.secret)
        throw new Error(
          `${this.node.path}: ${variable.name} is a secret in the contract but resolved to a plain value`,
        );
      else environment[variable.name] = value.plain;
    }
    this.containerOptions = {
      image: props.image,
      environment,
      secrets,
      environmentFiles: this.environmentFiles(props),
      logGroup: this.logGroup,
    };

    this.container = addAppContainer(this.taskDefinition, this.containerOptions, {
      name: service.name,
      memoryMib: service.memoryMib,
      streamPrefix: service.name,
      ...(service.command ? { command: substituteContract(service.command, this.commandValues) } : {}),
      stopTimeout: service.stopTimeout,
      port: service.port,
      ...(service.healthCheck
        ? { healthCheck: substituteContract(service.healthCheck.command, this.commandValues) }
        : {}),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `${props.family} tasks`,
      allowAllOutbound: true,
    });
    const common = {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount ?? service.desiredCount,
      capacityProviderStrategies: [{ capacityProvider: this.capacityProvider, weight: 1 }],
      // The circuit breaker (rolling only) or the strategy with its alarms: see deploymentServiceProps.
      ...deploymentServiceProps(service.deploy),
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      healthCheckGracePeriod: Duration.seconds(service.loadBalancing.gracePeriod),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    };
    this.ecsService =
      service.capacity === 'ec2'
        ? // EC2 tasks in awsvpc mode get no public IP; the instances reach ECS and ECR through the App subnets.
          new ecs.Ec2Service(this, 'Service', common)
        : new ecs.FargateService(this, 'Service', {
            ...common,
            assignPublicIp: props.assignPublicIp ?? false,
          });
    // A service names capacity providers in its strategy: it may only be created once the cluster's capacity provider
    // associations exist (the CDK adds them to the cluster at synthesis), or creation races them and fails.
    // Looked up at synthesis, once the associations exist; the cluster itself is already a Ref.
    const cluster = props.cluster;
    const associations: IDependable = {};
    Dependable.implement(associations, {
      get dependencyRoots() {
        return cluster.node.children.filter((c) => c instanceof ecs.CfnClusterCapacityProviderAssociations);
      },
    });
    this.ecsService.node.defaultChild!.node.addDependency(associations);
    if (service.exec) enableExec(this.ecsService, this.taskDefinition, this.container, this.taskRole);

    const lb = service.loadBalancing;
    const targetGroupProps: elbv2.ApplicationTargetGroupProps = {
      vpc,
      port: service.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      // Per profile and configurable (services.<name>.loadBalancing); what they cost a deploy: deploy-time.ts.
      deregistrationDelay: Duration.seconds(lb.deregistrationDelay),
      healthCheck: {
        path: service.healthPath,
        interval: Duration.seconds(lb.healthCheck.interval),
        timeout: Duration.seconds(lb.healthCheck.timeout),
        healthyThresholdCount: lb.healthCheck.healthyThreshold,
        unhealthyThresholdCount: lb.healthCheck.unhealthyThreshold,
        healthyHttpCodes: '200-299',
      },
    };
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', targetGroupProps);
    const alternate =
      shiftsTraffic(service.deploy) && props.edge
        ? new elbv2.ApplicationTargetGroup(this, 'AlternateTargetGroup', targetGroupProps)
        : undefined;
    const rule = props.edge?.addService(service, this.targetGroup, alternate ? { alternate } : {});
    if (alternate && rule) {
      this.deployment = new ProgressiveDeployment(this, 'Deployment', {
        service: this.ecsService,
        containerName: service.name,
        containerPort: service.port,
        targetGroup: this.targetGroup,
        alternateTargetGroup: alternate,
        productionRule: rule,
        name: props.family,
      });
    } else {
      this.targetGroup.addTarget(
        this.ecsService.loadBalancerTarget({ containerName: service.name, containerPort: service.port }),
      );
    }
    if (props.edge) {
      this.securityGroup.connections.allowFrom(
        props.edge.securityGroup,
        ec2.Port.tcp(service.port),
        'From the load balancer',
      );
    }

    this.grantStores(props);
    if (props.autoscale ?? true) this.scale(props);
  }

  private capacityProviderFor(props: ServiceProps): string {
    const { service } = props;
    if (service.capacity === 'ec2') {
      if (!props.ec2Capacity)
        throw new CapacityNotSupportedError(
          `${this.node.path}: service '${service.name}' asks for capacity 'ec2', but the cluster has no EC2 capacity provider; pass ec2Capacity`,
        );
      return props.ec2Capacity.capacityProvider.capacityProviderName;
    }
    const provider = FARGATE_PROVIDERS[service.capacity];
    if (!provider)
      throw new CapacityNotSupportedError(
        `${this.node.path}: service '${service.name}' asks for capacity '${service.capacity}'; allowed: ${[...Object.keys(FARGATE_PROVIDERS), 'ec2'].join(', ')}`,
      );
    return provider;
  }

  /** ECS `environmentFiles` from the app's buckets; the execution role reads exactly those objects. */
  private environmentFiles(props: ServiceProps): ecs.EnvironmentFile[] {
    return props.service.envFiles.map((f) => {
      const bucket = props.stores.buckets?.buckets[f.bucket];
      if (!bucket)
        throw new Error(`${this.node.path}: env file ${f.bucket}/${f.key} is in no bucket of this app`);
      this.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(f.key)] }),
      );
      this.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
      );
      return ecs.EnvironmentFile.fromBucket(bucket, f.key);
    });
  }

  private grantStores(props: ServiceProps): void {
    const { service, stores } = props;
    if (service.uses.database && stores.database) {
      stores.database.allowFrom(this.securityGroup);
      // The runtime re-reads DATABASE_SECRET_ARN after an authentication failure (rotation) with the task's own
      // credentials: GetSecretValue on that one secret, nothing else (the execution role only injects it at start).
      if (
        props.contract.variables.some(
          (v) => v.source.kind === 'database' && v.source.attribute === 'secretArn',
        )
      )
        this.taskRole.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [stores.database.secret.secretArn],
          }),
        );
    }
    if (service.uses.cache && stores.cache) stores.cache.allowFrom(this.securityGroup);
    if (service.uses.buckets.length && stores.buckets)
      stores.buckets.grantObjects(this.taskRole, service.uses.buckets, service.uses.bucketAccess);
    if (service.uses.mail && props.mail) props.mail.grantSend(this.taskRole);
    // The config's own statements (its jobs' too: they run with this role), proven like Berth's grants.
    for (const p of service.permissions) this.taskRole.addToPrincipalPolicy(statementOf(p));
  }

  private scale(props: ServiceProps): void {
    const { scaling } = props.service;
    if (!scaling) return;
    const target = this.ecsService.autoScaleTaskCount({
      minCapacity: scaling.min,
      maxCapacity: scaling.max,
    });
    const cooldowns = { scaleInCooldown: Duration.seconds(300), scaleOutCooldown: Duration.seconds(60) };
    if (scaling.cpu !== false)
      target.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: scaling.cpu, ...cooldowns });
    if (scaling.memory !== false)
      target.scaleOnMemoryUtilization('Memory', { targetUtilizationPercent: scaling.memory, ...cooldowns });
    if (scaling.requests !== false) {
      if (!props.edge)
        throw new Error(
          `${this.node.path}: scaling on requests needs a load balancer in front of service '${props.service.name}'`,
        );
      target.scaleOnRequestCount('Requests', {
        requestsPerTarget: scaling.requests,
        targetGroup: this.targetGroup,
        ...cooldowns,
      });
    }
  }
}

export interface AppContainerSettings {
  /** Container name (the service's name: overrides and checks find it by this). */
  readonly name: string;
  readonly memoryMib: number;
  readonly streamPrefix: string;
  /** @default - the image's CMD */
  readonly command?: readonly string[];
  /** @default 30 */
  readonly stopTimeout?: number;
  /** Port the container listens on. @default - none (a job) */
  readonly port?: number;
  /**
   * The container health check's exec-form command (what the service's `healthCheck` asks for).
   * @default - none: the target group's check is the health check, so the image needs no curl, wget or node
   */
  readonly healthCheck?: readonly string[];
}

/**
 * Adds the app's container to a task definition: env and secrets from the contract only, env files, logs, a
 * read-only root with a writable /tmp, the memory hard limit, and for services the port and health check.
 */
export function addAppContainer(
  taskDefinition: ecs.TaskDefinition,
  options: AppContainerOptions,
  settings: AppContainerSettings,
): ecs.ContainerDefinition {
  const container = taskDefinition.addContainer('App', {
    containerName: settings.name,
    image: options.image,
    ...(settings.command ? { command: [...settings.command] } : {}),
    environment: { ...options.environment },
    secrets: { ...options.secrets },
    environmentFiles: [...options.environmentFiles],
    ...(settings.port !== undefined
      ? { portMappings: [{ containerPort: settings.port, protocol: ecs.Protocol.TCP }] }
      : {}),
    logging: ecs.LogDrivers.awsLogs({ logGroup: options.logGroup, streamPrefix: settings.streamPrefix }),
    ...(settings.healthCheck
      ? {
          healthCheck: {
            command: ['CMD', ...settings.healthCheck],
            interval: Duration.seconds(15),
            timeout: Duration.seconds(5),
            retries: 3,
            startPeriod: Duration.seconds(30),
          },
        }
      : {}),
    stopTimeout: Duration.seconds(settings.stopTimeout ?? 30),
    essential: true,
    // Hard limit = the task's memory: one container per task, and the guard rules want a hard limit.
    memoryLimitMiB: settings.memoryMib,
    // The image is immutable at runtime; /tmp is the one writable place (an ephemeral task volume).
    readonlyRootFilesystem: true,
  });
  taskDefinition.addVolume({ name: 'tmp' });
  container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
  return container;
}
