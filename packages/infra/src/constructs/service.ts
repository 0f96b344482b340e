import { Construct } from 'constructs';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Contract, ResolvedService } from '@berth/config';
import { taskValueFor, type ContractStores } from '../contract-sources';
import type { Edge } from './edge';

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
  /** SES identity the task may send as. @default - no mail permission */
  readonly mailDomain?: string;
  /** Task definition family, e.g. `talent-prod-api`: Berth's checks find a service's task definition by it. */
  readonly family: string;
}

/** Capacities this construct can place tasks on. EC2 capacity providers are not built yet. */
const CAPACITY_PROVIDERS: Readonly<Record<string, string>> = {
  fargate: 'FARGATE',
  'fargate-spot': 'FARGATE_SPOT',
};

/** Thrown when a service asks for a capacity Berth cannot build yet, naming the service. */
export class CapacityNotSupportedError extends Error {
  override readonly name = 'CapacityNotSupportedError';
}

/**
 * One Fargate service: task definition (cpu, memory, architecture), its container with env and secrets from the
 * contract only, a log group, a target group with a fast health check, a deployment circuit breaker with rollback,
 * target-tracking scaling, and one task role scoped to exactly its buckets and mail identity.
 *
 * Cost: Fargate $0.04048/vCPU-hour + $0.004445/GB-hour (x86; arm64 ~20% less; Spot ~70% less):
 * 0.25 vCPU / 0.5 GB ≈ $9/month per task on demand, ≈ $3 on Spot.
 */
export class Service extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly fargateService: ecs.FargateService;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly taskRole: iam.Role;
  readonly executionRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { service, contract } = props;
    const capacityProvider = CAPACITY_PROVIDERS[service.capacity];
    if (!capacityProvider) {
      throw new CapacityNotSupportedError(
        `${this.node.path}: service '${service.name}' asks for capacity '${service.capacity}'; supported so far: ${Object.keys(CAPACITY_PROVIDERS).join(', ')} (EC2 capacity providers are not built yet)`,
      );
    }
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

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: service.cpu * 1024,
      memoryLimitMiB: service.memoryMib,
      runtimePlatform: {
        cpuArchitecture: service.arch === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
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

    this.container = this.taskDefinition.addContainer('App', {
      containerName: service.name,
      image: props.image,
      ...(service.command ? { command: [...service.command] } : {}),
      environment,
      secrets,
      environmentFiles: service.envFiles.map((f) => {
        const bucket = props.stores.buckets?.buckets[f.bucket];
        if (!bucket)
          throw new Error(`${this.node.path}: env file ${f.bucket}/${f.key} is in no bucket of this app`);
        return ecs.EnvironmentFile.fromBucket(bucket, f.key);
      }),
      portMappings: [{ containerPort: service.port, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: service.name }),
      healthCheck: {
        command: ['CMD-SHELL', healthCommand(service.port, service.healthPath)],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(service.stopTimeout),
      essential: true,
      // Hard limit = the task's memory: one container per task, and the guard rules want a hard limit.
      memoryLimitMiB: service.memoryMib,
      // The image is immutable at runtime; /tmp is the one writable place (an ephemeral task volume).
      readonlyRootFilesystem: true,
    });
    this.taskDefinition.addVolume({ name: 'tmp' });
    this.container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `${props.family} tasks`,
      allowAllOutbound: true,
    });
    this.fargateService = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: service.desiredCount,
      capacityProviderStrategies: [{ capacityProvider, weight: 1 }],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      vpcSubnets: props.subnets,
      assignPublicIp: props.assignPublicIp ?? false,
      securityGroups: [this.securityGroup],
      healthCheckGracePeriod: Duration.seconds(30),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc,
      port: service.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(Math.min(30, service.stopTimeout)),
      healthCheck: {
        path: service.healthPath,
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
        healthyHttpCodes: '200-299',
      },
    });
    this.targetGroup.addTarget(
      this.fargateService.loadBalancerTarget({ containerName: service.name, containerPort: service.port }),
    );
    if (props.edge) {
      props.edge.addService(service, this.targetGroup);
      this.securityGroup.connections.allowFrom(
        props.edge.securityGroup,
        ec2.Port.tcp(service.port),
        'From the load balancer',
      );
    }

    this.grantStores(props);
    this.scale(props);
  }

  private grantStores(props: ServiceProps): void {
    const { service, stores } = props;
    if (service.uses.database && stores.database) stores.database.allowFrom(this.securityGroup);
    if (service.uses.cache && stores.cache) stores.cache.allowFrom(this.securityGroup);
    if (service.uses.buckets.length && stores.buckets)
      stores.buckets.grantObjects(this.taskRole, service.uses.buckets);
    if (service.uses.mail && props.mailDomain) {
      const stack = Stack.of(this);
      const arn = (resource: string) =>
        stack.formatArn({ service: 'ses', resource, resourceName: undefined });
      this.taskRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [
            arn(`identity/${props.mailDomain}`),
            ...(stores.mailConfigurationSet ? [arn(`configuration-set/${stores.mailConfigurationSet}`)] : []),
          ],
        }),
      );
    }
  }

  private scale(props: ServiceProps): void {
    const { scaling } = props.service;
    if (!scaling) return;
    const target = this.fargateService.autoScaleTaskCount({
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

/**
 * The container health check: curl, else wget, else node (Berth's runtime image has node, slim images often lack
 * curl). Exits non-zero when the health path does not answer 2xx.
 */
export function healthCommand(port: number, path: string): string {
  const url = `http://127.0.0.1:${port}${path}`;
  return [
    `if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null ${url};`,
    `elif command -v wget >/dev/null 2>&1; then wget -q -O /dev/null ${url};`,
    `else node -e "fetch('${url}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; fi`,
  ].join(' ');
}
