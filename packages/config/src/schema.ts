import { z } from 'zod';
import { loadBalancingSchema } from './load-balancing';
import { PROFILE_NAMES } from './profiles';
import { quotasSchema } from './resolve/quotas';
import * as moving from './schema-moving-in';
import { usesSchema } from './bucket-access';
import { eventsSchema, mailSendersSchema } from './schema-mail-events';
import { standbySchema } from './schema-standby';
import { ec2Schema, parametersSchema } from './schema-tuning';
import { VPC_ENDPOINTS } from './endpoints';
import { secretsSchema } from './secrets';
import { logPatternsSchema } from './log-patterns';

/**
 * The shape of `berth.config.ts`. Everything a profile can default is optional here; `resolve()` fills it in.
 * Objects are strict so a misspelt key is an error, not a silently ignored setting.
 */

const name = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}$/,
    'a lower-case name: letters, digits and dashes, starting with a letter, ≤ 31 chars',
  );
const path = z.string().regex(/^\/[A-Za-z0-9_\-./]*$/, "an absolute URL path such as '/health'");
const memory = z.union([z.number(), z.string()]);
const command = z.array(z.string().min(1)).min(1);
const cidr = z.string();
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name in UPPER_SNAKE_CASE');

export const CAPACITIES = ['fargate', 'fargate-spot', 'ec2'] as const;
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export const NAT_MODES = ['none', 'single', 'per-az'] as const;
export const DATABASE_ENGINES = ['aurora-serverless-v2', 'postgres'] as const;
export const CACHE_ENGINES = ['redis', 'valkey'] as const;
export const JOB_SIZES = ['light', 'heavy'] as const;
export { PROFILE_NAMES };
export const REMOVAL_POLICIES = ['retain', 'snapshot', 'destroy'] as const;
export const INGRESS_KINDS = ['anywhere', 'cloudfront', 'cloudflare'] as const;
/** Endpoints private tasks may use. 'ses' is the SES API endpoint (`com.amazonaws.<region>.email`, since 2025-12). */
export const DEPLOY_STRATEGIES = ['rolling', 'canary', 'linear', 'blue-green'] as const;
export const WAF_MODES = ['block', 'count'] as const;
/** Look-back windows AWS WAF's rate-based rules accept, in seconds. */
export const WAF_RATE_WINDOWS = [60, 120, 300, 600] as const;

export const scalingSchema = z.strictObject({
  /** Fewest tasks. @default - profile: dev 2, staging 2, prod 3 */
  min: z.number().int().optional(),
  /** Most tasks. @default - profile: dev 2, staging 6, prod 20 */
  max: z.number().int().optional(),
  /** Target average CPU %, or false for no CPU policy. @default 60 */
  cpu: z.union([z.number(), z.literal(false)]).optional(),
  /** Target average memory %, or false. @default 70 */
  memory: z.union([z.number(), z.literal(false)]).optional(),
  /** Target ALB requests per task per minute, or false. @default false */
  requests: z.union([z.number(), z.literal(false)]).optional(),
});

export const imageSchema = z.union([
  z.strictObject({
    /** Dockerfile path, relative to the config file. @default 'Dockerfile' */
    dockerfile: z.string().optional(),
    /** Build context, relative to the config file. @default '.' */
    context: z.string().optional(),
    /** Build target stage. @default - the last stage */
    target: z.string().optional(),
  }),
  z.strictObject({
    /** An image from another registry, e.g. 'ghcr.io/org/app:1.2.3'. */
    uri: z.string().min(1),
    /** Secrets Manager secret holding `{ username, password }` for a private registry (GitHub's needs a token). */
    credentialsSecret: z.string().optional(),
  }),
]);

export const deploySchema = z.strictObject({
  /** How ECS replaces tasks: 'rolling', or traffic shifted on the ALB by 'canary', 'linear' or 'blue-green'. */
  strategy: z.enum(DEPLOY_STRATEGIES),
  /** Minutes the new revision serves all traffic before the old one is removed (0–1440). @default 10 */
  bakeMinutes: z.number().optional(),
  /** canary: % of traffic in the canary step; linear: % added per step. @default - 10 (canary), 25 (linear) */
  percent: z.number().optional(),
  /** canary: minutes at the canary step; linear: minutes between steps (0–1440). @default 5 */
  stepMinutes: z.number().optional(),
});

export const serviceSchema = z.strictObject({
  /** Port the container listens on. @default 3000 */
  port: z.number().int().optional(),
  /** Liveness path, used by the ALB and the container health check. @default '/health' */
  health: path.optional(),
  /** Readiness path (pings the database). @default '/ready' */
  ready: path.optional(),
  /** Host rules: a label such as 'api' (→ api.<edge.domain>, api.localhost in dev) or a full host name. */
  hosts: z.array(z.string().min(1)).optional(),
  /** Receives requests that match no host rule. @default - the first service */
  default: z.boolean().optional(),
  /** Path rules, e.g. ['/api/*']. @default - none */
  paths: z.array(z.string().startsWith('/')).optional(),
  /** vCPU: 0.25, 0.5, 1, 2, 4, 8 or 16. @default - profile: 0.25 (dev, staging), 0.5 (prod) */
  cpu: z.number().optional(),
  /** Memory: '512 MB', '1 GB' or MiB as a number. Must be valid for the cpu. @default - profile */
  memory: memory.optional(),
  /** CPU architecture. arm64 (Graviton) is ~20% cheaper. @default 'x86_64' */
  arch: z.enum(ARCHITECTURES).optional(),
  /** Where tasks run. @default - profile: 'fargate-spot' (dev, staging), 'fargate' (prod) */
  capacity: z.enum(CAPACITIES).optional(),
  /** Autoscaling, or false for a fixed count. @default - profile */
  scaling: z.union([scalingSchema, z.literal(false)]).optional(),
  /** Desired tasks when scaling is false. @default - profile: 2 */
  count: z.number().int().optional(),
  /** Container command. @default - the image's CMD */
  command: command.optional(),
  /** How `berth dev` runs this service locally (no container). */
  dev: z
    .strictObject({
      command: command,
      /** Working directory, relative to the config file. @default '.' */
      cwd: z.string().optional(),
      /** Folders whose changes restart the service. @default - cwd */
      watch: z.array(z.string()).optional(),
    })
    .optional(),
  /**
   * A container health check besides the load balancer's: an exec-form command run inside the container, e.g.
   * ['python', '-c', 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:${PORT}/health")'].
   * @default - none: the ALB target group's check on `health` is the health check, which needs nothing in the image
   */
  healthCheck: z.strictObject({ command: command }).optional(),
  /** Programs the image is known to have, for `healthCheck` (curl, wget, node, python… are assumed absent). @default [] */
  imageHas: z.array(z.string().min(1)).optional(),
  /** Image to run. @default - built from ./Dockerfile */
  image: imageSchema.optional(),
  /** Plain environment variables (never secrets). */
  env: z.record(envName, z.string()).optional(),
  /** Variables filled from Secrets Manager: NAME → 'secret-name' or 'secret-name:json-key'. */
  secrets: z.record(envName, z.string().min(1)).optional(),
  /** Env files in S3 as '<bucket>/<key>' of a declared bucket (ECS `environmentFiles`). */
  envFiles: z.array(z.string().min(1)).optional(),
  /** Seconds ECS waits after SIGTERM before SIGKILL (2–120). @default 30 */
  stopTimeout: z.number().int().optional(),
  /** ECS Exec into this service's tasks (`berth exec`). @default - profile: true (dev, staging), false (prod) */
  exec: z.boolean().optional(),
  /**
   * How a release reaches traffic. Traffic-shifting strategies roll back on the service's own 5xx-rate and latency
   * alarms. @default - profile: 'rolling' (dev, staging), canary 10% for 5 minutes, bake 10 minutes (prod)
   */
  deploy: z.union([z.enum(DEPLOY_STRATEGIES), deploySchema]).optional(),
  loadBalancing: loadBalancingSchema.optional(),
  /** Which stores this service may touch (bucket-access.ts). @default - everything the app declares */
  uses: usesSchema.optional(),
  /** IAM statements added to the task role beyond `uses` (schema-moving-in.ts). @default [] */
  permissions: z.array(moving.permissionSchema).optional(),
});

export const databaseSchema = z.strictObject({
  /** @default 'aurora-serverless-v2' */
  engine: z.enum(DATABASE_ENGINES).optional(),
  /** PostgreSQL version AWS still creates (engines.ts). @default - the newest the catalog lists for the engine */
  version: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "a PostgreSQL version such as '17.9'")
    .optional(),
  /** Database name. @default - the app name with dashes as underscores */
  name: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .optional(),
  /** Aurora: lowest capacity in ACU (0 pauses when idle). @default - profile: 0 (dev), 0.5 */
  minAcu: z.number().optional(),
  /** Aurora: highest capacity in ACU. @default - profile: 1 (dev), 4 (staging), 16 (prod) */
  maxAcu: z.number().optional(),
  /** Aurora with minAcu 0: minutes idle before pausing (5–1440), or false. @default - 5 when minAcu is 0 */
  autoPause: z.union([z.number().int(), z.literal(false)]).optional(),
  /** postgres: instance class. @default - profile: db.t3.micro, db.t3.small, db.t3.medium */
  instanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS class such as 'db.t3.micro'")
    .optional(),
  /** postgres: GiB allocated / autoscaling ceiling. @default 20 / 100 */
  storage: z
    .strictObject({ allocated: z.number().int().optional(), max: z.number().int().optional() })
    .optional(),
  /** A standby in a second AZ (Aurora: a reader instance). @default - profile: prod only */
  multiAz: z.boolean().optional(),
  /** A read replica, exposed to services as the read endpoint. @default false */
  readReplica: z.boolean().optional(),
  /** Days of automated backups (1–35). @default - profile: 1, 7, 14 */
  backupRetention: z.number().int().optional(),
  /** Rotate the password every N days, or false. @default 30 */
  rotation: z.union([z.number().int(), z.literal(false)]).optional(),
  snapshot: moving.snapshotSchema.optional(),
  parameters: parametersSchema.optional(),
});

export const cacheSchema = z.strictObject({
  /** @default 'redis' */
  engine: z.enum(CACHE_ENGINES).optional(),
  /** @default - profile: cache.t3.micro (dev, staging), cache.t3.medium (prod) */
  nodeType: z
    .string()
    .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "an ElastiCache node type such as 'cache.t3.micro'")
    .optional(),
  /** Nodes in the replication group (1 primary + replicas). @default - profile: 1, 2, 3 */
  nodes: z.number().int().optional(),
  /** In-transit encryption and AUTH token. @default - profile: prod only */
  tls: z.boolean().optional(),
  /** Engine version AWS still creates (engines.ts). @default - the newest the catalog lists for the engine */
  version: z.string().optional(),
  parameters: parametersSchema.optional(),
});

export const bucketSchema = z.strictObject({
  existing: moving.existingBucketSchema.optional(),
  /** S3 Intelligent-Tiering for objects. @default false */
  intelligentTiering: z.boolean().optional(),
  /**
   * Browser access to the bucket (presigned uploads and downloads from a web page): one rule per set of origins. List
   * only the methods the app's pages use (a presigned POST upload is `POST`, a presigned download `GET`).
   */
  cors: z
    .array(
      z.strictObject({
        /**
         * `https://app.example.com` (scheme, host, optional port; one `*` allowed, as in `https://*.example.com`).
         * `'*'` (any site) is refused in prod. @default - the environment's own site, `https://<edge.domain>`
         */
        origins: z.array(z.string().min(1)).min(1).optional(),
        methods: z.array(z.enum(['GET', 'PUT', 'POST', 'HEAD', 'DELETE'])).min(1),
        /**
         * Request headers a preflight may ask for. A presigned POST (multipart form) and a GET need none.
         * @default - `content-type` when the rule allows PUT, else none
         */
        headers: z.array(z.string()).optional(),
        /** Seconds a browser may cache the preflight answer. @default 3000 */
        maxAge: z.number().int().optional(),
      }),
    )
    .optional(),
  lifecycle: z
    .array(
      z.strictObject({
        prefix: z.string().optional(),
        expireAfterDays: z.number().int().optional(),
        infrequentAccessAfterDays: z.number().int().optional(),
      }),
    )
    .optional(),
  /** Object versioning. @default - profile: prod only */
  versioned: z.boolean().optional(),
  /**
   * Days a versioned bucket keeps an overwritten or deleted object's old versions before S3 deletes them (and then
   * the delete markers left with no version): a delete or a purge really erases after this many days.
   * @default - profile: 1 (dev), 7 (staging), 30 (prod)
   */
  noncurrentVersionDays: z.number().int().optional(),
});

export const mailSchema = z.strictObject({
  /** Sending domain (an SES identity with DKIM is created). */
  domain: z.string().min(3),
  /** From address; must be at the domain. */
  from: z.string().min(3),
  /** Outside prod, only these recipients are sent: 'a@x.org' or '@x.org'. @default [] (send nothing) */
  allowList: z.array(z.string().min(2)).optional(),
  /**
   * Whether this environment's stack creates the SES identity of the domain, or uses the one another environment
   * of the same account and region created (an identity exists once per account and region).
   * @default - the first environment (config order) of each account and region creates it, the others import it
   */
  identity: z.enum(['create', 'import']).optional(),
  senders: mailSendersSchema.optional(),
});

export const jobSchema = z.strictObject({
  /** 'rate(1 hour)' or 'cron(0 9 * * ? *)' (EventBridge syntax, UTC). */
  schedule: z.string(),
  /** Command override in the service's image, e.g. ['node', 'dist/job.js', 'send-reminders']. */
  command: command,
  /** Command `berth dev` runs locally. @default - the service's dev command with the job name appended */
  devCommand: command.optional(),
  /** Service whose image and env the job runs with. @default - the default service */
  service: z.string().optional(),
  /** 'light' (0.25 vCPU / 512 MB), 'heavy' (1 vCPU / 2 GB) or explicit. @default 'light' */
  size: z.union([z.enum(JOB_SIZES), z.strictObject({ cpu: z.number(), memory })]).optional(),
  /** Minutes before the run is considered stuck (alarm). @default 60 */
  timeout: z.number().int().optional(),
  /** @default true */
  enabled: z.boolean().optional(),
  permissions: z.array(moving.permissionSchema).optional(),
});

export const wafSchema = z.strictObject({
  /** Requests one client IP may send per window before it is blocked (≥ 10). @default - profile: 2000 (prod) */
  rateLimit: z.number().int().optional(),
  /** Seconds the rate limit counts over: 60, 120, 300 or 600. @default 300 */
  rateWindow: z.number().int().optional(),
  /** 'count' only counts and labels matches (watch the metrics first), 'block' blocks them. @default 'block' */
  mode: z.enum(WAF_MODES).optional(),
  /** Add AWS's SQL injection rule group (+$1/month). @default false */
  sqlInjection: z.boolean().optional(),
});

export const edgeSchema = z.strictObject({
  /** The app's domain: host labels become <label>.<domain>. @default - no domain: the ALB's DNS name */
  domain: z.string().optional(),
  /** CloudFront in front of the ALB. @default false */
  cdn: z.boolean().optional(),
  /** Who may reach the ALB. @default - 'cloudfront' with cdn, else 'anywhere' */
  ingress: z.union([z.enum(INGRESS_KINDS), z.array(cidr).min(1)]).optional(),
  /** 'create' (ACM, DNS-validated) or an existing certificate ARN. @default 'create' when https */
  certificate: z.string().optional(),
  /** Where DNS lives: 'route53' (records created) or 'external' (validation records output). @default 'route53' */
  dns: z.enum(['route53', 'external']).optional(),
  /** Route 53 hosted zone id, to avoid a lookup. */
  hostedZoneId: z.string().optional(),
  /** HTTPS listener with HTTP→HTTPS redirect. @default - profile: staging and prod */
  https: z.boolean().optional(),
  /** ALB access logs to S3. @default - profile: staging and prod */
  accessLogs: z.boolean().optional(),
  /**
   * AWS WAF on the entry point (the ALB, or CloudFront with cdn): a rate limit per client IP and AWS managed rules.
   * ~$9/month for the ACL and its 4 rules + $0.60 per million requests. @default - profile: prod only
   */
  waf: z.union([z.boolean(), wafSchema]).optional(),
});

export const networkSchema = z.strictObject({
  /** Availability zones. @default - profile: 2 (dev, staging), 3 (prod) */
  azs: z.number().int().optional(),
  /** Fixed for the environment's life: a change replaces the VPC, which the database cannot follow. @default '10.0.0.0/16' */
  cidr: cidr.optional(),
  /** NAT gateways: 'none' ($0), 'single' (~$33/mo), 'per-az' (~$33/mo each). @default - profile: single, single, per-az */
  nat: z.enum(NAT_MODES).optional(),
  /** VPC endpoints: 'auto' derives them from what the app uses when NAT is 'none'. @default 'auto' */
  endpoints: z.union([z.literal('auto'), z.array(z.enum(VPC_ENDPOINTS))]).optional(),
  /** Run tasks in public subnets with public IPs (no NAT needed; seed 003's choice). @default false */
  publicTasks: z.boolean().optional(),
  /** VPC flow logs. @default true */
  flowLogs: z.boolean().optional(),
  existing: moving.existingNetworkSchema.optional(),
});

export const bastionSchema = z.strictObject({
  /** @default true when the section is present */
  enabled: z.boolean().optional(),
  /** SSH from these /32s (needs keyName). SSM Session Manager always works. @default [] */
  allowedCidrs: z.array(cidr).optional(),
  /** EC2 key pair name for SSH. @default - none: SSM only */
  keyName: z.string().optional(),
  /** @default 't4g.nano' */
  instanceType: z.string().optional(),
});

export { ec2Schema };

export const alarmsSchema = z.strictObject({
  /** @default - profile: prod only */
  enabled: z.boolean().optional(),
  emails: z.array(z.string().email()).optional(),
  /** Name of a Secrets Manager secret holding a PagerDuty Events integration URL. */
  pagerduty: z.string().optional(),
  /** Thresholds in %. @default - cpu 75, memory 80 (seed 001) */
  cpu: z.number().optional(),
  memory: z.number().optional(),
  /** Alarms on lines in a service's logs, by name (names the metric and the alarm); see log-patterns.ts. */
  logPatterns: logPatternsSchema.optional(),
});

export const authSchema = z.strictObject({
  issuer: z.string().url(),
  audience: z.string().min(1),
  /** @default - <issuer>/.well-known/jwks.json */
  jwksUrl: z.string().url().optional(),
});

export { standbySchema };

/**
 * A finding of `berth check` the team accepts, with its written reason. It matches a finding whose rule is `rule`
 * (or `rule[...]`, a cdk-nag rule with its detail) and, when given, whose logical id or construct path is
 * `resource` (or lies under the path `resource/`). An acknowledgement that matches no finding is itself reported.
 */
export const acknowledgementSchema = z.strictObject({
  /** e.g. 'Berth-SecretsNeverInPlainEnv', 'AwsSolutions-IAM5'. */
  rule: z.string().min(1, 'a rule id such as Berth-SecretsNeverInPlainEnv'),
  /** Logical id or construct path. @default - every resource the rule flags */
  resource: z.string().min(1).optional(),
  /** Why this is acceptable, for the next reviewer: required. */
  reason: z
    .string()
    .trim()
    .min(20, 'a written reason of at least 20 characters: why this finding is acceptable'),
  /** Only in these environments. @default - every environment */
  environments: z.array(z.string().min(1)).min(1).optional(),
});

/** Everything an environment may override. */
const overridable = {
  services: z.record(z.string(), serviceSchema).optional(),
  database: databaseSchema.optional(),
  cache: cacheSchema.optional(),
  buckets: z.record(z.string(), bucketSchema).optional(),
  mail: mailSchema.partial().optional(),
  jobs: z.record(z.string(), jobSchema.partial()).optional(),
  edge: edgeSchema.optional(),
  network: networkSchema.optional(),
  bastion: bastionSchema.optional(),
  alarms: alarmsSchema.optional(),
  events: eventsSchema.optional(),
  /** The EC2 capacity provider used by services with capacity 'ec2'. */
  ec2: ec2Schema.optional(),
  auth: authSchema.partial().optional(),
  standby: standbySchema.partial().optional(),
  /** Days CloudWatch keeps logs. @default - profile: 7, 14, 90 */
  logRetentionDays: z.number().int().optional(),
  /** What deleting the stack does to stateful resources. prod may never 'destroy'. @default - profile */
  removal: z.enum(REMOVAL_POLICIES).optional(),
  /** Deletion protection on the database and ALB. @default - profile: prod only */
  deletionProtection: z.boolean().optional(),
  quotas: quotasSchema.optional(),
};

export const environmentSchema = z.strictObject({
  /** 12-digit AWS account id. @default - the deploying credentials' account */
  account: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional(),
  /** @default - the app's region */
  region: z.string().optional(),
  /** Which defaults apply. @default - the environment's name when it is dev, staging or prod */
  profile: z.enum(PROFILE_NAMES).optional(),
  /** Git branch that deploys here (CI/CD). @default - main for prod, else the environment name */
  branch: z.string().optional(),
  /** Pull images from this environment's registry (promotion across accounts, seed 000). */
  imagesFrom: z.string().optional(),
  overrides: z.strictObject(overridable).optional(),
});

export const appSchema = z.strictObject({
  /** The app's name: prefixes stacks and resources. */
  name,
  /** @default 'us-east-1' */
  region: z.string().optional(),
  ...overridable,
  services: z.record(z.string(), serviceSchema),
  mail: mailSchema.optional(),
  jobs: z.record(z.string(), jobSchema).optional(),
  auth: authSchema.optional(),
  standby: standbySchema.optional(),
  secrets: secretsSchema.optional(), // values Berth generates in Secrets Manager: ./secrets.ts
  environments: z.record(z.string(), environmentSchema),
  /** Findings of `berth check` accepted with a reason; `berth check --all` lists them. @default - none */
  acknowledgements: z.array(acknowledgementSchema).optional(),
  /** CI/CD: the GitHub repository allowed to deploy through OIDC. */
  github: z
    .strictObject({
      repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "'owner/name'"),
      /**
       * The account's GitHub OIDC provider (one per URL per account): 'create' it in the first environment of each
       * account, or adopt one that exists already by its ARN
       * (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`). Berth never deletes it.
       * @default 'create'
       */
      oidcProvider: z
        .union([
          z.literal('create'),
          z
            .string()
            .regex(
              /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
              "'create' or arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com",
            ),
        ])
        .optional(),
    })
    .optional(),
});

export type AppConfig = z.input<typeof appSchema>;
export type ServiceConfig = z.input<typeof serviceSchema>;
export type DatabaseConfig = z.input<typeof databaseSchema>;
export type EnvironmentConfig = z.input<typeof environmentSchema>;
export type Overrides = NonNullable<EnvironmentConfig['overrides']>;
export type AcknowledgementConfig = z.input<typeof acknowledgementSchema>;
