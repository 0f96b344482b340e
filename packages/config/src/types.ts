import type { ARCHITECTURES, CACHE_ENGINES, CAPACITIES, NAT_MODES, REMOVAL_POLICIES } from './schema';
import type { VPC_ENDPOINTS } from './endpoints';
import type { ResolvedGeneratedSecret } from './secrets';
import type { ResolvedLoadBalancing } from './load-balancing';
import type { BucketAccess } from './bucket-access';
import type { ResolvedEvents, ResolvedMailSender } from './schema-mail-events';
export type { ResolvedEvents, ResolvedMailSender };
import type { PROFILE_NAMES } from './profiles';
import type { ResolvedExistingNetwork, ResolvedPermission, ResolvedSnapshot } from './types-moving-in';
export type { ResolvedExistingNetwork, ResolvedPermission, ResolvedSnapshot };

export type ProfileName = (typeof PROFILE_NAMES)[number];
export type Capacity = (typeof CAPACITIES)[number];
export type Architecture = (typeof ARCHITECTURES)[number];
export type NatMode = (typeof NAT_MODES)[number];
export type VpcEndpoint = (typeof VPC_ENDPOINTS)[number];
export type RemovalPolicy = (typeof REMOVAL_POLICIES)[number];

export interface ResolvedScaling {
  readonly min: number;
  readonly max: number;
  readonly cpu: number | false;
  readonly memory: number | false;
  readonly requests: number | false;
}

export type ResolvedImage =
  | {
      readonly kind: 'build';
      readonly dockerfile: string;
      readonly context: string;
      readonly target?: string;
    }
  | { readonly kind: 'external'; readonly uri: string; readonly credentialsSecret?: string };

export interface ResolvedService {
  readonly name: string;
  readonly port: number;
  readonly healthPath: string;
  readonly readyPath: string;
  /** Host names as the ALB sees them (`api.example.com`); labels when there is no domain. */
  readonly hosts: readonly string[];
  /** Host labels or names as given, for the local router (`api` → api.localhost). */
  readonly hostRules: readonly string[];
  readonly paths: readonly string[];
  readonly isDefault: boolean;
  readonly cpu: number;
  readonly memoryMib: number;
  readonly arch: Architecture;
  readonly capacity: Capacity;
  /** false: a fixed `desiredCount`. */
  readonly scaling: ResolvedScaling | false;
  readonly desiredCount: number;
  readonly command?: readonly string[];
  readonly dev?: {
    readonly command: readonly string[];
    readonly cwd: string;
    readonly watch: readonly string[];
  };
  readonly image: ResolvedImage;
  /** The container health check's command; absent: the ALB's check is the only one. */
  readonly healthCheck?: { readonly command: readonly string[] };
  /** Programs the image is declared to have. */
  readonly imageHas: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, { readonly secretName: string; readonly jsonKey?: string }>>;
  readonly envFiles: readonly { readonly bucket: string; readonly key: string }[];
  readonly stopTimeout: number;
  /** ECS Exec enabled on the service (`berth exec`). */
  readonly exec: boolean;
  readonly deploy: ResolvedDeploy;
  /** Target group health check, deregistration delay and health check grace period, seconds. */
  readonly loadBalancing: ResolvedLoadBalancing;
  readonly uses: {
    readonly database: boolean;
    readonly cache: boolean;
    readonly buckets: readonly string[];
    /** What the service may do with each bucket in `buckets`. */
    readonly bucketAccess: Readonly<Record<string, BucketAccess>>;
    readonly mail: boolean;
  };
  /** IAM statements the config adds to the task role (its own and its jobs'). */
  readonly permissions: readonly ResolvedPermission[];
}

export type ResolvedDatabase =
  | (DatabaseCommon & {
      readonly engine: 'aurora-serverless-v2';
      readonly minAcu: number;
      readonly maxAcu: number;
      /** Minutes idle before pausing; false when it never pauses. */
      readonly autoPause: number | false;
    })
  | (DatabaseCommon & {
      readonly engine: 'postgres';
      readonly instanceClass: string;
      readonly storage: { readonly allocated: number; readonly max: number };
    });

interface DatabaseCommon {
  readonly version: string;
  readonly name: string;
  readonly multiAz: boolean;
  readonly readReplica: boolean;
  readonly backupRetention: number;
  readonly rotation: number | false;
  /** Engine parameters in Berth's parameter group (values as strings); empty: the engine's default group. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Restored from this snapshot when created. */
  readonly snapshot?: ResolvedSnapshot;
}

export interface ResolvedCache {
  readonly engine: (typeof CACHE_ENGINES)[number];
  readonly version: string;
  readonly nodeType: string;
  readonly nodes: number;
  readonly tls: boolean;
  /** Engine parameters in Berth's cache parameter group; empty: the engine's default group. */
  readonly parameters: Readonly<Record<string, string>>;
}

export interface ResolvedBucket {
  readonly name: string;
  /** The name of a bucket that exists already: none is created. */
  readonly existing?: string;
  readonly intelligentTiering: boolean;
  readonly cors: readonly {
    readonly origins: readonly string[];
    readonly methods: readonly string[];
    readonly headers: readonly string[];
    readonly maxAge: number;
  }[];
  readonly lifecycle: readonly {
    readonly prefix?: string;
    readonly expireAfterDays?: number;
    readonly infrequentAccessAfterDays?: number;
  }[];
  readonly versioned: boolean;
  /** Days old versions are kept on a versioned bucket (then expired, with their delete markers); null unversioned. */
  readonly noncurrentVersionDays: number | null;
}

export interface ResolvedMail {
  readonly domain: string;
  readonly from: string;
  /** null in prod: every recipient is sent. */
  readonly allowList: readonly string[] | null;
  /** 'create' the SES identity here, or 'import' the one another environment of this account and region owns. */
  readonly identity: 'create' | 'import';
  /** Third-party senders through this identity over SMTP (schema-mail-events.ts). */
  readonly senders: Readonly<Record<string, ResolvedMailSender>>;
}

export interface ResolvedJob {
  readonly name: string;
  readonly schedule: string;
  readonly command: readonly string[];
  readonly devCommand?: readonly string[];
  readonly service: string;
  readonly cpu: number;
  readonly memoryMib: number;
  readonly timeoutMinutes: number;
  readonly enabled: boolean;
  /** IAM statements the config adds to the task role the job runs with (its service's). */
  readonly permissions: readonly ResolvedPermission[];
}

export interface ResolvedEdge {
  readonly domain?: string;
  readonly cdn: boolean;
  readonly ingress: 'anywhere' | 'cloudfront' | 'cloudflare' | readonly string[];
  readonly https: boolean;
  readonly certificate?: 'create' | string;
  readonly dns: 'route53' | 'external';
  readonly hostedZoneId?: string;
  readonly accessLogs: boolean;
  /** AWS WAF on the entry point; null when off. */
  readonly waf: ResolvedWaf | null;
}

export interface ResolvedWaf {
  readonly mode: 'block' | 'count';
  /** Requests per client IP per `rateWindowSeconds`. */
  readonly rateLimit: number;
  readonly rateWindowSeconds: 60 | 120 | 300 | 600;
  readonly sqlInjection: boolean;
}

/** How ECS takes a service to a new revision. */
export type ResolvedDeploy =
  | { readonly strategy: 'rolling' }
  | { readonly strategy: 'blue-green'; readonly bakeMinutes: number }
  | {
      readonly strategy: 'canary' | 'linear';
      readonly bakeMinutes: number;
      readonly percent: number;
      readonly stepMinutes: number;
    };

export interface ResolvedNetwork {
  readonly azs: number;
  readonly cidr: string;
  readonly nat: NatMode;
  /** The endpoints to create (already derived when the config said 'auto'). */
  readonly endpoints: readonly VpcEndpoint[];
  readonly publicTasks: boolean;
  readonly flowLogs: boolean;
  /** A VPC the team keeps: no VPC, NAT or subnets are created. */
  readonly existing?: ResolvedExistingNetwork;
}

export interface ResolvedBastion {
  readonly allowedCidrs: readonly string[];
  readonly keyName?: string;
  readonly instanceType: string;
}

export interface ResolvedEc2Capacity {
  readonly instanceType: string;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly targetCapacityPercent: number;
}

export interface ResolvedAlarms {
  readonly emails: readonly string[];
  readonly pagerduty?: string;
  readonly cpu: number;
  readonly memory: number;
  /** Alarms on lines in services' logs (CloudWatch Logs metric filters). */
  readonly logPatterns: readonly ResolvedLogPattern[];
}

export interface ResolvedLogPattern {
  /** Names the metric (in `Berth/<app>-<stage>`) and the alarm. */
  readonly name: string;
  readonly service: string;
  /** CloudWatch Logs filter pattern. */
  readonly pattern: string;
  /** Matching lines within `minutes` that fire the alarm. */
  readonly threshold: number;
  readonly minutes: number;
  readonly description?: string;
}

export interface ResolvedAuth {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

export interface ResolvedStandby {
  readonly region: string;
  readonly tasks: number;
  /** The standby VPC's CIDR: never overlaps the primary's, the two VPCs are peered. */
  readonly cidr: string;
}

/** One environment of one app, every default applied, every rule checked. Frozen. */
export interface ResolvedApp {
  readonly app: string;
  readonly stage: string;
  readonly profile: ProfileName;
  readonly account?: string;
  readonly region: string;
  readonly branch: string;
  /** Where images come from when promoted across accounts. */
  readonly imagesFrom?: { readonly stage: string; readonly account?: string; readonly region: string };
  /**
   * 'create': this environment owns the app's ECR repositories in its account and region (the first environment of
   * that account and region, in config order); 'import': it shares the owner's repositories.
   */
  readonly registry: 'create' | 'import';
  /**
   * Environments whose `imagesFrom` names this one and that live in another account or region: where this
   * environment's registry replicates to.
   */
  readonly promotesTo: readonly {
    readonly stage: string;
    readonly account?: string;
    readonly region: string;
  }[];
  readonly github?: {
    readonly repository: string;
    /**
     * 'create': this environment creates the account's GitHub OIDC provider (the first environment in config order
     * per account); 'import': another environment in the same account does, this one refers to it by ARN.
     */
    readonly oidcProvider: 'create' | 'import';
    /** The provider's ARN when the config adopts an existing one (`github.oidcProvider: '<arn>'`). */
    readonly oidcProviderArn?: string;
  };
  readonly services: Readonly<Record<string, ResolvedService>>;
  readonly defaultService: string;
  readonly database: ResolvedDatabase | null;
  readonly cache: ResolvedCache | null;
  readonly buckets: Readonly<Record<string, ResolvedBucket>>;
  readonly mail: ResolvedMail | null;
  readonly jobs: Readonly<Record<string, ResolvedJob>>;
  readonly edge: ResolvedEdge;
  readonly network: ResolvedNetwork;
  readonly bastion: ResolvedBastion | null;
  readonly alarms: ResolvedAlarms | null;
  /** Partner event sources kept in log groups. */
  readonly events: ResolvedEvents;
  /** Present when a service runs on the EC2 capacity provider. */
  readonly ec2: ResolvedEc2Capacity | null;
  readonly auth: ResolvedAuth | null;
  readonly standby: ResolvedStandby | null;
  /** The secrets Berth generates (`secrets`), by the config's name; services' references carry their real names. */
  readonly secrets: Readonly<Record<string, ResolvedGeneratedSecret>>;
  readonly logRetentionDays: number;
  readonly removal: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** Every environment the config declares, for cross-environment wiring. */
  readonly environments: readonly string[];
  /** The config's own acknowledgements that apply to this environment, in config order. */
  readonly acknowledgements: readonly ResolvedAcknowledgement[];
  /** Raised Service Quotas of this environment's account and region (`quotas`); absent keys are AWS's defaults. */
  readonly quotas: Readonly<Partial<Record<QuotaName, number>>>;
}

export type QuotaName =
  'vpcs' | 'elasticIps' | 'natGatewaysPerAz' | 'loadBalancers' | 'rulesPerLoadBalancer' | 'securityGroups';

export interface ResolvedAcknowledgement {
  /** Position in the config's `acknowledgements`, so an unused one can be named. */
  readonly index: number;
  readonly rule: string;
  readonly resource?: string;
  readonly reason: string;
}
