/**
 * The CDK-only yardstick for `berth synth --env prod` of talent (bench/synth-cdk.ts times `cdk synth` of this app):
 * what a team writes with aws-cdk-lib alone for the same shape. One stack in talent prod's account and region: a VPC
 * over two AZs, ecs-patterns ApplicationLoadBalancedFargateService (HTTPS is left out: it needs a certificate and a
 * zone), an Aurora PostgreSQL Serverless v2 cluster (17.9, a writer and a reader, as talent prod), the same buckets
 * (résumés with CORS, intelligent tiering and versioning; the load balancer's access logs) and the two
 * EventBridge Scheduler schedules that run talent's jobs as ECS tasks. Berth's extra parts (cache, mail, edge, WAF,
 * alarms, deployer…) are not here: bench/synth-cdk.ts prints both resource counts beside the times.
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as patterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';

const app = new App();
const stack = new Stack(app, 'TalentCdkProd', { env: { account: '222222222222', region: 'us-east-1' } });

// Explicit AZs: with an account and region set, the VPC would otherwise look them up (a context query to AWS).
const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });

const accessLogs = new s3.Bucket(stack, 'AccessLogs', {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  lifecycleRules: [{ expiration: Duration.days(90) }],
  removalPolicy: RemovalPolicy.RETAIN,
});

const resumes = new s3.Bucket(stack, 'Resumes', {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  encryption: s3.BucketEncryption.S3_MANAGED,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
  lifecycleRules: [
    {
      id: 'intelligent-tiering',
      transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }],
    },
    {
      id: 'expire-noncurrent-versions',
      noncurrentVersionExpiration: Duration.days(30),
      expiredObjectDeleteMarker: true,
    },
    { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
  ],
  cors: [
    {
      allowedOrigins: ['https://talent.example.com'],
      allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.GET],
      maxAge: 3000,
    },
  ],
  removalPolicy: RemovalPolicy.RETAIN,
});

const database = new rds.DatabaseCluster(stack, 'Database', {
  engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_9 }),
  defaultDatabaseName: 'talent',
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  writer: rds.ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: true }),
  readers: [
    rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true, enablePerformanceInsights: true }),
  ],
  serverlessV2MinCapacity: 0.5,
  serverlessV2MaxCapacity: 16,
  storageEncrypted: true,
  backup: { retention: Duration.days(30) },
  deletionProtection: true,
  removalPolicy: RemovalPolicy.SNAPSHOT,
  cloudwatchLogsExports: ['postgresql'],
  copyTagsToSnapshot: true,
});

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');
const api = new patterns.ApplicationLoadBalancedFargateService(stack, 'Api', {
  vpc,
  cpu: 512,
  memoryLimitMiB: 1024,
  desiredCount: 2,
  minHealthyPercent: 100,
  taskImageOptions: {
    image,
    containerPort: 3000,
    command: ['node', 'dist/server.js'],
    environment: { API_DOCS: 'off', BUCKET_RESUMES: resumes.bucketName },
    secrets: { DATABASE_SECRET: ecs.Secret.fromSecretsManager(database.secret!) },
  },
  circuitBreaker: { rollback: true },
});
api.loadBalancer.logAccessLogs(accessLogs, 'alb');
api.targetGroup.configureHealthCheck({ path: '/health' });
database.connections.allowDefaultPortFrom(api.service);
resumes.grantReadWrite(api.taskDefinition.taskRole);

// The jobs: their own task definition on the service's image, run by EventBridge Scheduler (as talent's are).
const schedulerRole = new iam.Role(stack, 'SchedulerRole', {
  assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
});
const jobs: Record<string, string> = {
  'send-reminders': 'cron(0 9 * * ? *)',
  'purge-orphan-uploads': 'rate(1 hour)',
};
for (const [name, schedule] of Object.entries(jobs)) {
  const id = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
  const task = new ecs.FargateTaskDefinition(stack, `${id}Task`, { cpu: 256, memoryLimitMiB: 512 });
  task.addContainer('job', {
    image,
    command: ['node', 'dist/job.js', name],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: name }),
    secrets: { DATABASE_SECRET: ecs.Secret.fromSecretsManager(database.secret!) },
  });
  resumes.grantReadWrite(task.taskRole);
  task.grantRun(schedulerRole);
  new scheduler.CfnSchedule(stack, `${id}Schedule`, {
    scheduleExpression: schedule,
    scheduleExpressionTimezone: 'UTC',
    flexibleTimeWindow: { mode: 'OFF' },
    target: {
      arn: api.cluster.clusterArn,
      roleArn: schedulerRole.roleArn,
      ecsParameters: {
        taskDefinitionArn: task.taskDefinitionArn,
        taskCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
            securityGroups: api.service.connections.securityGroups.map((g) => g.securityGroupId),
            assignPublicIp: 'DISABLED',
          },
        },
      },
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
    },
  });
}

app.synth();
